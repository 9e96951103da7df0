{{ automate_dv.ref_table(src_pk='currency_code', src_extra_columns=['currency_label', 'rate_to_brl'],
                         src_ldts='load_datetime', src_source='record_source',
                         source_model='stg_currency_rates') }}
