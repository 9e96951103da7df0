{#-
    sat(src_pk, src_hashdiff, src_payload, src_eff, src_ldts, src_source, source_model, src_extra_columns)

    Columns: key, hashdiff, payload..., extra columns..., effective-from, load time, record source.
    src_eff is a staged column, or {'source_column': ..., 'alias': ...} to store it under another name.

    A staged row is inserted only when its hashdiff differs from the row before it for the same key:
    - only staged rows later than the key's latest stored load time count (re-running a batch, or
      staging batches that were loaded before, adds nothing);
    - several staged rows with the same key and load time: one is kept, the one with the greatest
      effective-from, then the greatest hashdiff;
    - the rest are taken in load-time order, the first compared with the key's latest stored row,
      each later one with the row before it (A -> B -> A gives three rows).
    NULL keys are skipped. With var('enable_ghost_records') the table gets one ghost row.
-#}
{%- macro sat(src_pk, src_hashdiff, src_payload, src_eff=none, src_ldts=none, src_source=none,
              source_model=none, src_extra_columns=none) -%}
    {{- adapter.dispatch('sat', 'automate_dv')(
            src_pk=src_pk, src_hashdiff=src_hashdiff, src_payload=src_payload, src_eff=src_eff,
            src_ldts=src_ldts, src_source=src_source, source_model=source_model,
            src_extra_columns=src_extra_columns) -}}
{%- endmacro -%}


{%- macro default__sat(src_pk, src_hashdiff, src_payload, src_eff, src_ldts, src_source, source_model,
                       src_extra_columns) -%}
    {{- automate_dv.unsupported_adapter('sat') -}}
{%- endmacro -%}


{%- macro postgres__sat(src_pk, src_hashdiff, src_payload, src_eff, src_ldts, src_source, source_model,
                        src_extra_columns) -%}

{%- set pk = automate_dv.single_column(src_pk, 'sat', 'src_pk') -%}
{%- set hashdiff = automate_dv.single_column(src_hashdiff, 'sat', 'src_hashdiff') -%}
{%- if src_payload is mapping -%}
    {{- exceptions.raise_compiler_error(
        "automate_dv.sat: src_payload must list the payload columns (exclude_columns is not supported)") -}}
{%- endif -%}
{%- set payload_columns = automate_dv.as_list(src_payload) -%}
{%- set extra_columns = automate_dv.as_list(src_extra_columns) -%}
{#- src_eff may rename its staged column: {'source_column': 'x_effective_from', 'alias': 'effective_from'} -#}
{%- set eff_sources = {} -%}
{%- if src_eff is mapping -%}
    {%- do eff_sources.update({src_eff['alias']: src_eff['source_column']}) -%}
    {%- set eff_columns = [src_eff['alias']] -%}
{%- else -%}
    {%- set eff_columns = automate_dv.as_list(src_eff) -%}
{%- endif -%}
{%- if src_ldts is none or src_source is none or source_model is none -%}
    {{- exceptions.raise_compiler_error("automate_dv.sat: src_ldts, src_source and source_model are required") -}}
{%- endif -%}
{%- if source_model is not string -%}
    {{- exceptions.raise_compiler_error("automate_dv.sat: source_model must name one staging model") -}}
{%- endif -%}

{%- set output_columns = [pk, hashdiff] + payload_columns + extra_columns + eff_columns + [src_ldts, src_source] -%}
{%- set ghost_records = var('enable_ghost_records', false) in [true, 'true', 'True', 'TRUE'] -%}

with staged_rows as (
    -- the casts fix the table's types: timestamp without time zone, record source text
    select
        {{ ([pk, hashdiff] + payload_columns + extra_columns) | join(",\n        ") }},
        {%- for eff in eff_columns %}
        cast({{ eff_sources.get(eff, eff) }} as {{ automate_dv.type_timestamp() }}) as {{ eff }},
        {%- endfor %}
        cast({{ src_ldts }} as {{ automate_dv.type_timestamp() }}) as {{ src_ldts }},
        cast({{ src_source }} as {{ automate_dv.type_string() }}) as {{ src_source }}
    from {{ ref(source_model) }}
    where {{ pk }} is not null
),

{%- if is_incremental() %}

latest_stored as (
    -- the newest stored row of each staged key: the new rows must come after it and differ from it
    select {{ pk }}, {{ hashdiff }}, {{ src_ldts }}
    from (
        select
            stored.{{ pk }},
            stored.{{ hashdiff }},
            stored.{{ src_ldts }},
            row_number() over (partition by stored.{{ pk }} order by stored.{{ src_ldts }} desc) as recency
        from {{ this }} as stored
        where stored.{{ pk }} in (select {{ pk }} from staged_rows)
    ) as stored_by_recency
    where recency = 1
),

later_rows as (
    -- staged rows newer than anything stored for their key
    select
        staged_rows.*,
        latest_stored.{{ hashdiff }} as stored_hashdiff
    from staged_rows
    left join latest_stored
        on latest_stored.{{ pk }} = staged_rows.{{ pk }}
    where latest_stored.{{ pk }} is null
       or staged_rows.{{ src_ldts }} > latest_stored.{{ src_ldts }}
),
{%- else %}

later_rows as (
    -- first build: nothing is stored yet
    select
        staged_rows.*,
        cast(null as {{ automate_dv.type_binary() }}) as stored_hashdiff
    from staged_rows
),
{%- endif %}

one_per_load as (
    -- one row per key and load time: the greatest effective-from, then the greatest hashdiff
    {%- set order_by %}{% for eff in eff_columns %}{{ eff }} desc nulls last, {% endfor %}{{ hashdiff }} desc{% endset %}
    {{ automate_dv.keep_first("later_rows", [pk, src_ldts], order_by) }}
),

with_previous as (
    -- the hashdiff each row is compared with: the key's row before it, or else the latest stored one
    select
        one_per_load.*,
        lag({{ hashdiff }}, 1, stored_hashdiff) over (
            partition by {{ pk }} order by {{ src_ldts }}
        ) as previous_hashdiff
    from one_per_load
),

changes as (
    select *
    from with_previous
    where previous_hashdiff is null
       or {{ hashdiff }} <> previous_hashdiff
)

select
    {{ output_columns | join(",\n    ") }}
from changes
{%- if ghost_records %}

union all

-- the ghost record: one per table, added on the first build or whenever it is missing
-- (payload NULLs take their types from the rows above)
select
    {{ automate_dv.ghost_key() }} as {{ pk }},
    {{ automate_dv.ghost_key() }} as {{ hashdiff }},
    {%- for column in payload_columns + extra_columns %}
    null as {{ column }},
    {%- endfor %}
    {%- for eff in eff_columns %}
    {{ automate_dv.timestamp_literal('1900-01-01 00:00:00') }} as {{ eff }},
    {%- endfor %}
    {{ automate_dv.timestamp_literal('1900-01-01 00:00:00') }} as {{ src_ldts }},
    {{ automate_dv.string_literal_typed('AUTOMATE_DV_SYSTEM') }} as {{ src_source }}
{%- if is_incremental() %}
where not exists (
    select 1 from {{ this }} as stored
    where stored.{{ pk }} = {{ automate_dv.ghost_key() }}
)
{%- endif %}
{%- endif %}

{%- endmacro -%}
