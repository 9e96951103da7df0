{#- A SQL string literal: single quotes doubled, so any text is safe inside it. -#}
{%- macro sql_string(text) -%}
    {{- "'" ~ (text | string | replace("'", "''")) ~ "'" -}}
{%- endmacro -%}
