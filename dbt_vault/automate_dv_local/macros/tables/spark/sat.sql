{#-
    sat on Spark: the PostgreSQL macro's SQL, which Spark SQL reads as written once its platform
    pieces (types, literals, hashing: supporting/sql_types.sql) dispatch to their spark__ spellings.
    The ghost record's key is BINARY ('0' bytes), its dates TIMESTAMP_NTZ; LAG with a column as its
    default (the stored hashdiff) behaves as on PostgreSQL.
-#}
{%- macro spark__sat(src_pk, src_hashdiff, src_payload, src_eff, src_ldts, src_source, source_model,
                     src_extra_columns) -%}
    {{- automate_dv.postgres__sat(src_pk=src_pk, src_hashdiff=src_hashdiff, src_payload=src_payload,
                                  src_eff=src_eff, src_ldts=src_ldts, src_source=src_source,
                                  source_model=source_model, src_extra_columns=src_extra_columns) -}}
{%- endmacro -%}
