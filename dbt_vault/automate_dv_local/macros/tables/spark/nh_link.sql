{#-
    nh_link on Spark: the PostgreSQL macro's SQL, which Spark SQL reads as written once its platform
    pieces (types, literals, hashing: supporting/sql_types.sql) dispatch to their spark__ spellings.
    The first arrival of each link key with its payload, as the link.
-#}
{%- macro spark__nh_link(src_pk, src_fk, src_payload, src_extra_columns, src_eff, src_ldts, src_source,
                         source_model) -%}
    {{- automate_dv.postgres__nh_link(src_pk=src_pk, src_fk=src_fk, src_payload=src_payload,
                                      src_extra_columns=src_extra_columns, src_eff=src_eff,
                                      src_ldts=src_ldts, src_source=src_source, source_model=source_model) -}}
{%- endmacro -%}
