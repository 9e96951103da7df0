{#-
    keep_first(relation, partition_by, order_by, rank_column='pick')

    The rows of `relation` (a CTE's name) that come first in their partition: one row per value of
    `partition_by` (a list of columns), the first by `order_by` (SQL, with its directions). The rank
    is kept as `rank_column`, so a later CTE can still see how the row was chosen.
-#}
{%- macro keep_first(relation, partition_by, order_by, rank_column='pick') -%}
    select *
    from (
        select
            {{ relation }}.*,
            row_number() over (
                partition by {{ partition_by | join(", ") }}
                order by {{ order_by }}
            ) as {{ rank_column }}
        from {{ relation }}
    ) as ranked_rows
    where {{ rank_column }} = 1
{%- endmacro -%}
