{{ automate_dv.stage(
    include_source_columns=false,
    source_model={'landing': 'src_rows'},
    derived_columns={
        'record_source': '!AAA_EXTRAS',
        'load_datetime': 'load_datetime',
        'order_id': 'order_id'
    },
    null_columns={'required': 'customer_id', 'optional': ['order_status']},
    hashed_columns={
        'order_hk': 'order_id',
        'row_hashdiff': {
            'is_hashdiff': true,
            'exclude_columns': true,
            'columns': ['batch_id', 'load_datetime', 'src_system', 'status_date', 'record_source']
        }
    },
    ranked_columns={
        'delivery_rank': {'partition_by': 'order_hk', 'order_by': {'load_datetime': 'DESC'}}
    }
) }}
