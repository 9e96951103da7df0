{{ automate_dv.xts(
    src_pk='order_hk',
    src_satellite={
        'sat_order_customer': {
            'sat_name': {'satellite_name': 'order_customer_sat_name'},
            'hashdiff': {'hashdiff': 'order_customer_hashdiff'}
        },
        'ma_sat_order_payments': {
            'sat_name': {'satellite_name': 'payments_sat_name'},
            'hashdiff': {'hashdiff': 'order_payments_hashdiff'}
        }
    },
    src_ldts='load_datetime', src_source='record_source',
    source_model=['stg_order_customer', 'stg_order_payments']) }}
