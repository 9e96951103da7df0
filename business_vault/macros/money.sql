{#- An amount of money of the raw vault, as a number to compute with. PostgreSQL keeps it as the
    exact numeric that was delivered. On Spark the raw vault holds the delivered text (its hash diff
    is of that text); an implicit cast would compute in double precision, whose rounding moves a
    sum by fractions of a cent and a one-cent comparison with it: Olist's amounts have at most two
    decimals, so it is an exact decimal of cents there. -#}
{% macro dvkit_money(column) -%}
    {{ return(adapter.dispatch('dvkit_money')(column)) }}
{%- endmacro %}

{% macro default__dvkit_money(column) -%}
    {{ column }}
{%- endmacro %}

{% macro spark__dvkit_money(column) -%}
    cast({{ column }} as decimal(18, 2))
{%- endmacro %}
