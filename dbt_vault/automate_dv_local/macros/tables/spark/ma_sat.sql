{#-
    ma_sat on Spark: the PostgreSQL macro's SQL, which Spark SQL reads as written once its platform
    pieces (types, literals, hashing: supporting/sql_types.sql) dispatch to their spark__ spellings.
    A set's signature is its hashdiffs collected and sorted (sorted_array_agg): Spark's arrays of
    BINARY compare element by element, byte by byte, as PostgreSQL's bytea[] do.
-#}
{%- macro spark__ma_sat(src_pk, src_cdk, src_hashdiff, src_payload, src_eff, src_ldts, src_source,
                        source_model, src_extra_columns) -%}
    {{- automate_dv.postgres__ma_sat(src_pk=src_pk, src_cdk=src_cdk, src_hashdiff=src_hashdiff,
                                     src_payload=src_payload, src_eff=src_eff, src_ldts=src_ldts,
                                     src_source=src_source, source_model=source_model,
                                     src_extra_columns=src_extra_columns) -}}
{%- endmacro -%}
