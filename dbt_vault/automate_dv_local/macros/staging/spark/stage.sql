{#-
    stage on Spark: the PostgreSQL macro's SQL. Its derived constants and null-key placeholders are
    string literals (sql_string: backslashes escaped on Spark), its hashes go through spark__hash.
-#}
{%- macro spark__stage(include_source_columns, source_model, hashed_columns, derived_columns,
                       null_columns, ranked_columns) -%}
    {{- automate_dv.postgres__stage(
            include_source_columns=include_source_columns, source_model=source_model,
            hashed_columns=hashed_columns, derived_columns=derived_columns,
            null_columns=null_columns, ranked_columns=ranked_columns) -}}
{%- endmacro -%}
