{#- An order's payments, told apart by payment_sequential: feeds the multi-active satellite and the xts. -#}
{{ automate_dv.stage(
    include_source_columns=true,
    source_model={'landing': 'order_payments'},
    derived_columns={
        'record_source': 'src_system',
        'effective_from': 'load_datetime',
        'payments_sat_name': '!MA_SAT_ORDER_PAYMENTS'
    },
    hashed_columns={
        'order_hk': 'order_id',
        'order_payment_hk': ['order_id', 'payment_sequential'],
        'order_payments_hashdiff': {
            'is_hashdiff': true,
            'columns': ['payment_sequential', 'payment_type', 'payment_value']
        }
    }
) }}
