{#-
    hub on Spark: the PostgreSQL macro's SQL, which Spark SQL reads as written once its platform
    pieces (types, literals, hashing: supporting/sql_types.sql) dispatch to their spark__ spellings.
    Correlated NOT EXISTS against the table itself reads the stored keys; dbt-spark's append strategy
    then inserts the new rows (the query is evaluated before the insert).
-#}
{%- macro spark__hub(src_pk, src_nk, src_ldts, src_source, source_model, src_extra_columns) -%}
    {{- automate_dv.postgres__hub(src_pk=src_pk, src_nk=src_nk, src_ldts=src_ldts, src_source=src_source,
                                  source_model=source_model, src_extra_columns=src_extra_columns) -}}
{%- endmacro -%}
