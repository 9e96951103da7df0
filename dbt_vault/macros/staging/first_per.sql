{#-
    The first row of each group of a query, by an order: the staging views keep one line per key and
    delivery with it (the first line of a file; a lookup's last line of a batch).

        {% call dvkit_first_per('_batch_id, zip', '_batch_id, zip, _source_line') %}
            from {{ source('landing', 'geolocation') }} where ...
        {% endcall %}

    The call's body is the query's FROM and WHERE; `columns` what it selects (`*` by default).
    PostgreSQL: DISTINCT ON, not a filter on a window or a subquery: PostgreSQL then estimates the
    rows from the landing table's statistics, and the table macros reading the view keep their hash
    joins. Other engines (Spark): the row numbered 1 of its group.
-#}
{% macro dvkit_first_per(group_by, order_by, columns='*') -%}
    {{- return(adapter.dispatch('dvkit_first_per')(group_by, order_by, columns, caller())) -}}
{%- endmacro %}

{% macro postgres__dvkit_first_per(group_by, order_by, columns, body) -%}
select distinct on ({{ group_by }}) {{ columns }}
    {{ body | trim }}
    order by {{ order_by }}
{%- endmacro %}
