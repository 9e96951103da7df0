{#-
    ref_table on Spark: the PostgreSQL macro's SQL, which Spark SQL reads as written once its platform
    pieces (types, literals, hashing: supporting/sql_types.sql) dispatch to their spark__ spellings.
    SELECT DISTINCT over the staged rows and NOT EXISTS against the stored keys, as on PostgreSQL.
-#}
{%- macro spark__ref_table(src_pk, src_extra_columns, src_ldts, src_source, source_model) -%}
    {{- automate_dv.postgres__ref_table(src_pk=src_pk, src_extra_columns=src_extra_columns,
                                        src_ldts=src_ldts, src_source=src_source, source_model=source_model) -}}
{%- endmacro -%}
