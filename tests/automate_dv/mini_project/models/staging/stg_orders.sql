{{ automate_dv.stage(
    include_source_columns=true,
    source_model={'landing': 'src_rows'},
    derived_columns={
        'record_source': 'src_system',
        'effective_from': 'status_date',
        'batch_id': 'batch_id * 10',
        'order_customer_ref': ['order_id', 'customer_id'],
        'feed_name': '!LANDING.SRC_ROWS'
    },
    hashed_columns={
        'order_hk': 'order_id',
        'customer_hk': 'customer_id',
        'order_customer_hk': ['order_id', 'customer_id'],
        'order_status_hashdiff': {'is_hashdiff': true, 'columns': ['order_status', 'amount']}
    }
) }}
