{#-
    eff_sat on Spark: the PostgreSQL macro's SQL, which Spark SQL reads as written once its platform
    pieces (types, literals, hashing: supporting/sql_types.sql) dispatch to their spark__ spellings.
    Spark reads the row-value IN (driving keys), the named WINDOW, LAG with a column default and
    IS DISTINCT FROM as PostgreSQL does; the open end date is a TIMESTAMP_NTZ constant.
-#}
{%- macro spark__eff_sat(src_pk, src_dfk, src_sfk, src_start_date, src_end_date, src_eff, src_ldts,
                         src_source, source_model, src_extra_columns) -%}
    {{- automate_dv.postgres__eff_sat(src_pk=src_pk, src_dfk=src_dfk, src_sfk=src_sfk,
                                      src_start_date=src_start_date, src_end_date=src_end_date,
                                      src_eff=src_eff, src_ldts=src_ldts, src_source=src_source,
                                      source_model=source_model, src_extra_columns=src_extra_columns) -}}
{%- endmacro -%}
