{#- The small-cell rule of the aggregate marts that group people: no group shown may hold fewer
    than var('dvkit_min_cell_size') distinct persons, so no row of a report, nor the difference
    between two reports (before and after an erasure, say), singles a person out.

    Applied to the rows a mart is about to aggregate, one row per fact with the person it is
    about; it returns the same rows and columns, relabelled and filtered:

        shown_deliveries as (
            {{ dvkit_min_cell_rows('deliveries', ['delivery_month'], 'customer_state',
                                   'customer_unique_id', ['is_late', 'days_to_deliver']) }}
        )

    relation  the rows (a CTE name, a ref or a source)
    levels    the grouping columns that are not about persons and stay as they are (the month);
              the rule holds within each combination of them
    group     the person-derived grouping column (the customer's state); an '(unknown)' left
              by an erasure is a group like any other
    person    the column that tells persons apart (customer_unique_id)
    columns   the other columns to pass through (the measures)
    keep      'shown' (the default) returns the rows the mart shows; 'suppressed' returns the
              rows it leaves out, so a test can account for them

    1. A group of a level with fewer persons than the threshold gets the label '(other)': the
       small groups of a month become one row.
    2. An '(other)' that still has fewer persons than the threshold is left out whole: otherwise
       a lone person, erased or not, would be their own '(other)' row.

    Persons are counted with dense_rank windows (count(distinct) is no window function on most
    databases); a NULL level or group is a value of its own, as in a GROUP BY. -#}
{% macro dvkit_min_cell_rows(relation, levels, group, person, columns=[], keep='shown') -%}
    {%- if keep not in ('shown', 'suppressed') -%}
        {{ exceptions.raise_compiler_error("dvkit_min_cell_rows: keep is '" ~ keep ~ "'; use 'shown' or 'suppressed'") }}
    {%- endif -%}
    {%- set threshold = var('dvkit_min_cell_size') | int -%}
    {%- set cell = (levels + [group]) | join(', ') -%}
    {%- set others = (levels + [person] + columns) | join(', ') -%}
    select
        {{ others }},
        {{ group }}
    from (
        select
            {{ others }},
            {{ group }},
            max(label_rank) over (partition by {{ cell }}) as label_persons
        from (
            select
                {{ others }},
                {{ group }},
                dense_rank() over (partition by {{ cell }} order by {{ person }}) as label_rank
            from (
                select
                    {{ others }},
                    case
                        when cell_persons < {{ threshold }} then {{ dbt.cast("'(other)'", dbt.type_string()) }}
                        else {{ group }}
                    end as {{ group }}
                from (
                    select
                        {{ others }},
                        {{ group }},
                        max(cell_rank) over (partition by {{ cell }}) as cell_persons
                    from (
                        select
                            {{ others }},
                            {{ group }},
                            dense_rank() over (partition by {{ cell }} order by {{ person }}) as cell_rank
                        from {{ relation }}
                    ) as ranked_cells
                ) as sized_cells
            ) as labelled
        ) as ranked_labels
    ) as sized_labels
    where label_persons {{ '>=' if keep == 'shown' else '<' }} {{ threshold }}
{%- endmacro %}
