{#- A link with a dependent child key, stored after the hub keys. -#}
{{ automate_dv.link(src_pk='order_payment_hk', src_fk=['order_hk'], src_extra_columns='payment_sequential',
                    src_ldts='load_datetime', src_source='record_source', source_model='stg_order_payments') }}
