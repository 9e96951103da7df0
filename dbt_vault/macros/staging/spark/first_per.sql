{#- dvkit_first_per on Spark, which has no DISTINCT ON: the row numbered 1 of its group. -#}
{% macro spark__dvkit_first_per(group_by, order_by, columns, body) -%}
select * except (dvkit_row_in_group)
    from (
        select {{ columns }}, row_number() over (partition by {{ group_by }} order by {{ order_by }}) as dvkit_row_in_group
        {{ body | trim }}
    ) as dvkit_first_rows
    where dvkit_row_in_group = 1
{%- endmacro %}
