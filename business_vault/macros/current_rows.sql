{#- The current version of each key of a satellite: its row with the greatest load_datetime, ghost
    records (record source AUTOMATE_DV_SYSTEM) left out. The one place the marts and the computed
    satellites say what "current" means; a model selects from it in a CTE of its own:

        current_prices as (
            {{ dvkit_current_rows(source('raw_vault', 'sat_order_item_price'), 'order_item_hk',
                                  ['price', 'freight_value']) }}
        )

    relation      the satellite (a source or a ref)
    key           the column a version belongs to: the hash key, or the driving key of an
                  effectivity satellite
    columns       the columns to return besides the key (load_datetime too when it is needed)
    tie_breakers  more ORDER BY terms after load_datetime desc, for rows that share a load time
                  (an effectivity satellite's closing and opening rows: 'end_date desc')
    multi_active  keep every row of the latest load time (a multi-active satellite stores its whole
                  set again at each change) instead of exactly one row per key

    Why not the point-in-time tables: they are incremental on their own calendar (month ends, or
    load times), so a key whose rows come in a late batch has no row at the latest as-of date until
    a later batch arrives. The current state is read from the satellites themselves. -#}
{% macro dvkit_current_rows(relation, key, columns, tie_breakers=[], multi_active=false) -%}
    {%- set ranking = 'rank' if multi_active else 'row_number' -%}
    {%- set order_by = ['load_datetime desc'] + tie_breakers -%}
    select
        {{ key }},
        {{ columns | join(',\n        ') }}
    from (
        select
            {{ key }},
            {{ columns | join(',\n            ') }},
            {{ ranking }}() over (partition by {{ key }} order by {{ order_by | join(', ') }}) as dvkit_version_rank
        from {{ relation }}
        where record_source <> 'AUTOMATE_DV_SYSTEM'
    ) as versions
    where dvkit_version_rank = 1
{%- endmacro %}
