{#- Which customer an order belongs to, over time: feeds the effectivity satellites and the xts. -#}
{{ automate_dv.stage(
    include_source_columns=true,
    source_model={'landing': 'order_customer'},
    derived_columns={
        'record_source': 'src_system',
        'effective_from': 'effective_date',
        'start_date': 'effective_date',
        'end_date': "cast('9999-12-31 00:00:00' as timestamp)",
        'order_customer_sat_name': '!SAT_ORDER_CUSTOMER'
    },
    hashed_columns={
        'order_hk': 'order_id',
        'customer_hk': 'customer_id',
        'order_customer_hk': ['order_id', 'customer_id'],
        'order_customer_hashdiff': {'is_hashdiff': true, 'columns': ['customer_id']}
    }
) }}
