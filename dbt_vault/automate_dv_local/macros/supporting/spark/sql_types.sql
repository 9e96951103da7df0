{#-
    Spark SQL's spelling of the pieces in supporting/sql_types.sql.
    - Load times are TIMESTAMP_NTZ, Spark's timestamp without time zone: a plain TIMESTAMP there is
      an instant shown in the session's time zone, which would shift stored load times between
      sessions of different zones.
    - Spark has no TEXT type and wants VARCHAR with a length: STRING is text of any length.
    - ARRAY_AGG takes no ORDER BY in Spark: the collected list is sorted instead (same order for
      binary hashdiffs: byte by byte, as PostgreSQL compares bytea).
-#}

{%- macro spark__type_timestamp() -%}
    {{- return('timestamp_ntz') -}}
{%- endmacro -%}

{%- macro spark__type_string() -%}
    {{- return('string') -}}
{%- endmacro -%}

{%- macro spark__type_binary() -%}
    {{- return('binary') -}}
{%- endmacro -%}

{%- macro spark__timestamp_literal(text) -%}
    {{- return("timestamp_ntz " ~ automate_dv.sql_string(text)) -}}
{%- endmacro -%}

{%- macro spark__string_literal_typed(text) -%}
    {{- return("cast(" ~ automate_dv.sql_string(text) ~ " as string)") -}}
{%- endmacro -%}

{%- macro spark__text_cast(expression) -%}
    {{- return("cast(" ~ expression ~ " as string)") -}}
{%- endmacro -%}

{%- macro spark__sorted_array_agg(expression) -%}
    {{- return("array_sort(collect_list(" ~ expression ~ "))") -}}
{%- endmacro -%}
