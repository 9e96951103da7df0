{{ automate_dv.ma_sat(src_pk='order_hk', src_cdk=['payment_sequential'],
                      src_hashdiff='order_payments_hashdiff', src_payload=['payment_type', 'payment_value'],
                      src_eff='effective_from', src_ldts='load_datetime', src_source='record_source',
                      source_model='stg_order_payments') }}
