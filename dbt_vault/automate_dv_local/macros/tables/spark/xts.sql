{#-
    xts on Spark: the PostgreSQL macro's SQL, which Spark SQL reads as written once its platform
    pieces (types, literals, hashing: supporting/sql_types.sql) dispatch to their spark__ spellings.
    Stage columns are read with dbt-spark's get_columns_in_relation (lower-case names, as on
    PostgreSQL).
-#}
{%- macro spark__xts(src_pk, src_satellite, src_ldts, src_source, source_model, src_extra_columns) -%}
    {{- automate_dv.postgres__xts(src_pk=src_pk, src_satellite=src_satellite, src_ldts=src_ldts,
                                  src_source=src_source, source_model=source_model,
                                  src_extra_columns=src_extra_columns) -}}
{%- endmacro -%}
