{#- A SQL string literal: single quotes doubled, so any text is safe inside it. -#}
{%- macro sql_string(text) -%}
    {{- return(adapter.dispatch('sql_string', 'automate_dv')(text)) -}}
{%- endmacro -%}

{%- macro default__sql_string(text) -%}
    {{- return("'" ~ (text | string | replace("'", "''")) ~ "'") -}}
{%- endmacro -%}
