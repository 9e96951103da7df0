{#- AutomateDV's ghost record, which point-in-time tables point at when a key has no satellite row:
    the key is the character '0' repeated 32 times as bytes, the date 1900-01-01. -#}
{% macro dvkit_ghost_key() -%}
    {{ return(adapter.dispatch('dvkit_ghost_key')()) }}
{%- endmacro %}

{% macro default__dvkit_ghost_key() -%}
    cast('{{ "0" * 32 }}' as bytea)
{%- endmacro %}

{% macro dvkit_ghost_date() -%}
    cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- Spark calls bytes BINARY; casting the text gives its UTF-8 bytes, as PostgreSQL's bytea does. -#}
{% macro spark__dvkit_ghost_key() -%}
    cast('{{ "0" * 32 }}' as binary)
{%- endmacro %}
