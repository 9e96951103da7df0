{#- The key of a dimension's unknown member: the row a fact points at while the dimension row it
    refers to has not arrived (an order before its customer) or was set aside (a quarantined line).
    A fact row then still has a member, it is counted (`dvkit build` prints how many facts point
    at each unknown member) and the next build that brings the row links it. Olist keys are hex
    ids, so the text '(unknown)' cannot be a real key. -#}
{% macro dvkit_unknown_key() -%}
    {{ dbt.cast("'(unknown)'", dbt.type_string()) }}
{%- endmacro %}
