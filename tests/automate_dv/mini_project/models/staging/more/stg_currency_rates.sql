{{ automate_dv.stage(
    include_source_columns=true,
    source_model={'landing': 'currency_rates'},
    derived_columns={'record_source': 'src_system'}
) }}
