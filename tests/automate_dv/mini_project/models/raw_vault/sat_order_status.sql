{{ automate_dv.sat(src_pk='order_hk', src_hashdiff='order_status_hashdiff',
                   src_payload=['order_status', 'amount'], src_eff='effective_from',
                   src_ldts='load_datetime', src_source='record_source', source_model='stg_orders') }}
