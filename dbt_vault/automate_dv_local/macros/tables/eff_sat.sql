{#-
    eff_sat(src_pk, src_dfk, src_sfk, src_start_date, src_end_date, src_eff, src_ldts, src_source,
            source_model, src_extra_columns)

    Effectivity satellite on a link: when each relationship of a driving key is in force.
    Columns: link key, driving key(s), secondary key(s), extra columns..., start date, end date,
    effective-from, load time, record source. src_dfk and src_sfk are hub keys of the link.

    Rows with a NULL link key, driving key or secondary key are skipped. Only staged rows later than the
    latest stored load time of their driving key count (late data never rewrites history; re-running a
    batch adds nothing).

    With config is_auto_end_dating (the usual way), for each driving key:
    - one staged row per load time: the greatest effective-from, then the greatest link key;
    - in load-time order, a row whose link key differs from the one before it (the first: from the
      driving key's stored open link) is a change. A change inserts its row as it was staged (the new
      open link) and, when a link was open, a closing row for that link: same link key, keys, extra
      columns, start date and record source as its open row, end date and effective-from = the change's
      effective-from, load time = the change's load time. A link that comes back is opened again.
    - A row is open when its end date is 9999-12-31 (or later).
    Without it, the source's start and end dates are taken as they are: per link key one staged row per
    load time (the greatest effective-from, then the earliest end date), inserted when its start or end
    date differs from the row before it for that link key (the first: from its latest stored row).

    No ghost record, whatever var('enable_ghost_records') says: AutomateDV's release writes ghost records
    into sat tables only.
-#}
{%- macro eff_sat(src_pk, src_dfk, src_sfk, src_start_date, src_end_date, src_eff, src_ldts, src_source,
                  source_model, src_extra_columns=none) -%}
    {{- adapter.dispatch('eff_sat', 'automate_dv')(
            src_pk=src_pk, src_dfk=src_dfk, src_sfk=src_sfk, src_start_date=src_start_date,
            src_end_date=src_end_date, src_eff=src_eff, src_ldts=src_ldts, src_source=src_source,
            source_model=source_model, src_extra_columns=src_extra_columns) -}}
{%- endmacro -%}


{%- macro default__eff_sat(src_pk, src_dfk, src_sfk, src_start_date, src_end_date, src_eff, src_ldts,
                           src_source, source_model, src_extra_columns) -%}
    {{- automate_dv.unsupported_adapter('eff_sat') -}}
{%- endmacro -%}


{%- macro postgres__eff_sat(src_pk, src_dfk, src_sfk, src_start_date, src_end_date, src_eff, src_ldts,
                            src_source, source_model, src_extra_columns) -%}

{%- set pk = automate_dv.single_column(src_pk, 'eff_sat', 'src_pk') -%}
{%- set dfk_columns = automate_dv.as_list(src_dfk) -%}
{%- set sfk_columns = automate_dv.as_list(src_sfk) -%}
{%- set extra_columns = automate_dv.as_list(src_extra_columns) -%}
{%- set start_date = automate_dv.single_column(src_start_date, 'eff_sat', 'src_start_date') -%}
{%- set end_date = automate_dv.single_column(src_end_date, 'eff_sat', 'src_end_date') -%}
{%- set eff = automate_dv.single_column(src_eff, 'eff_sat', 'src_eff') -%}
{%- if not dfk_columns or not sfk_columns -%}
    {{- exceptions.raise_compiler_error("automate_dv.eff_sat: src_dfk and src_sfk are required") -}}
{%- endif -%}
{%- if src_ldts is none or src_source is none or source_model is none -%}
    {{- exceptions.raise_compiler_error("automate_dv.eff_sat: src_ldts, src_source and source_model are required") -}}
{%- endif -%}
{%- if source_model is not string -%}
    {{- exceptions.raise_compiler_error("automate_dv.eff_sat: source_model must name one staging model") -}}
{%- endif -%}

{%- set auto_end_dating = config.get('is_auto_end_dating', false) in [true, 'true', 'True', 'TRUE'] -%}
{%- set key_columns = [pk] + dfk_columns + sfk_columns + extra_columns -%}
{%- set output_columns = key_columns + [start_date, end_date, eff, src_ldts, src_source] -%}
{#- what a closing row copies from the open row it ends (the driving key is the same) -#}
{%- set carried_columns = [pk] + sfk_columns + extra_columns + [start_date, src_source] -%}
{%- set open_end = automate_dv.timestamp_literal('9999-12-31 00:00:00') -%}

with staged_rows as (
    -- rows with every key; the casts fix the table's types
    select
        {{ key_columns | join(",\n        ") }},
        cast({{ start_date }} as {{ automate_dv.type_timestamp() }}) as {{ start_date }},
        cast({{ end_date }} as {{ automate_dv.type_timestamp() }}) as {{ end_date }},
        cast({{ eff }} as {{ automate_dv.type_timestamp() }}) as {{ eff }},
        cast({{ src_ldts }} as {{ automate_dv.type_timestamp() }}) as {{ src_ldts }},
        cast({{ src_source }} as {{ automate_dv.type_string() }}) as {{ src_source }}
    from {{ ref(source_model) }}
    where {{ pk }} is not null
    {%- for column in dfk_columns + sfk_columns %}
      and {{ column }} is not null
    {%- endfor %}
),

stored_rows as (
{%- if is_incremental() %}
    -- the stored history of the staged driving keys
    select {{ output_columns | join(", ") }}
    from {{ this }}
    where ({{ dfk_columns | join(", ") }}) in (select {{ dfk_columns | join(", ") }} from staged_rows)
{%- else %}
    -- first build: nothing is stored yet (same columns and types as the table)
    select {{ output_columns | join(", ") }}
    from staged_rows
    where false
{%- endif %}
),

latest_stored_loads as (
    select {{ dfk_columns | join(", ") }}, max({{ src_ldts }}) as latest_ldts
    from stored_rows
    group by {{ dfk_columns | join(", ") }}
),

later_rows as (
    -- staged rows newer than anything stored for their driving key
    select staged_rows.*
    from staged_rows
    left join latest_stored_loads using ({{ dfk_columns | join(", ") }})
    where latest_stored_loads.latest_ldts is null
       or staged_rows.{{ src_ldts }} > latest_stored_loads.latest_ldts
),
{%- if auto_end_dating %}

one_per_load as (
    -- one row per driving key and load time: the greatest effective-from, then the greatest link key
    {{ automate_dv.keep_first("later_rows", dfk_columns + [src_ldts], eff ~ " desc nulls last, " ~ pk ~ " desc") }}
),

stored_open_links as (
    -- the open link of each driving key: its newest stored row (an open one before the closing row
    -- stored with it), when that row is open
    select *
    from (
        select
            stored_rows.*,
            row_number() over (
                partition by {{ dfk_columns | join(", ") }}
                order by {{ src_ldts }} desc, ({{ end_date }} >= {{ open_end }}) desc, {{ pk }} desc
            ) as recency
        from stored_rows
    ) as stored_by_recency
    where recency = 1
      and {{ end_date }} >= {{ open_end }}
),

with_stored_open as (
    select
        one_per_load.*,
        {%- for column in carried_columns %}
        stored_open_links.{{ column }} as stored_{{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from one_per_load
    left join stored_open_links using ({{ dfk_columns | join(", ") }})
),

changes as (
    -- in load-time order, the rows whose link differs from the one before them (the first: from the
    -- stored open link); the rows in between repeat the open link and add nothing
    select *
    from (
        select
            with_stored_open.*,
            lag({{ pk }}, 1, stored_{{ pk }}) over (
                partition by {{ dfk_columns | join(", ") }} order by {{ src_ldts }}
            ) as previous_{{ pk }}
        from with_stored_open
    ) as compared_rows
    where previous_{{ pk }} is null
       or {{ pk }} <> previous_{{ pk }}
),

changes_with_ended_link as (
    -- the open row each change ends: the change before it, or else the stored open link
    select
        changes.*,
        {%- for column in carried_columns %}
        lag({{ column }}, 1, stored_{{ column }}) over driving_key_history as ended_{{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from changes
    window driving_key_history as (partition by {{ dfk_columns | join(", ") }} order by {{ src_ldts }})
),

closing_rows as (
    -- the ended link, closed at the change's effective-from
    select
        ended_{{ pk }} as {{ pk }},
        {%- for column in dfk_columns %}
        {{ column }},
        {%- endfor %}
        {%- for column in sfk_columns + extra_columns %}
        ended_{{ column }} as {{ column }},
        {%- endfor %}
        ended_{{ start_date }} as {{ start_date }},
        {{ eff }} as {{ end_date }},
        {{ eff }},
        {{ src_ldts }},
        ended_{{ src_source }} as {{ src_source }}
    from changes_with_ended_link
    where ended_{{ pk }} is not null
),

new_rows as (
    select {{ output_columns | join(", ") }}
    from closing_rows
    union all
    -- the new open links, as staged
    select {{ output_columns | join(", ") }}
    from changes
)
{%- else %}

one_per_load as (
    -- one row per link key and load time: the greatest effective-from, then the earliest end date
    {{ automate_dv.keep_first("later_rows", [pk, src_ldts], eff ~ " desc nulls last, " ~ end_date ~ " asc nulls last") }}
),

latest_stored_links as (
    -- the newest stored row of each link key
    {{ automate_dv.keep_first("stored_rows", [pk], src_ldts ~ " desc", "recency") }}
),

with_previous as (
    -- the dates each row is compared with: its link's row before it, or else the latest stored one
    select
        one_per_load.*,
        {%- for column in [pk, start_date, end_date] %}
        lag(one_per_load.{{ column }}, 1, latest_stored_links.{{ column }}) over link_history
            as previous_{{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from one_per_load
    left join latest_stored_links
        on latest_stored_links.{{ pk }} = one_per_load.{{ pk }}
    window link_history as (partition by one_per_load.{{ pk }} order by one_per_load.{{ src_ldts }})
),

new_rows as (
    -- the source's dates, inserted when they differ from the link's row before them
    select {{ output_columns | join(", ") }}
    from with_previous
    where previous_{{ pk }} is null
       or {{ start_date }} is distinct from previous_{{ start_date }}
       or {{ end_date }} is distinct from previous_{{ end_date }}
)
{%- endif %}

select
    {{ output_columns | join(",\n    ") }}
from new_rows

{%- endmacro -%}
