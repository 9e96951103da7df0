{#-
    link on Spark: the PostgreSQL macro's SQL, which Spark SQL reads as written once its platform
    pieces (types, literals, hashing: supporting/sql_types.sql) dispatch to their spark__ spellings.
    As the hub: the first arrival of each link key, NOT EXISTS against the stored keys.
-#}
{%- macro spark__link(src_pk, src_fk, src_ldts, src_source, source_model, src_extra_columns) -%}
    {{- automate_dv.postgres__link(src_pk=src_pk, src_fk=src_fk, src_ldts=src_ldts, src_source=src_source,
                                   source_model=source_model, src_extra_columns=src_extra_columns) -}}
{%- endmacro -%}
