{#-
    ma_sat(src_pk, src_cdk, src_hashdiff, src_payload, src_eff, src_ldts, src_source, source_model,
           src_extra_columns)

    Multi-active satellite: several rows are in force per key at once, told apart by the child key(s).
    Columns: key, child key(s), payload..., extra columns..., hashdiff, effective-from, load time, record
    source. The stage's hashdiff of a row covers its child key and payload.

    The unit of change is the set: all staged rows of one key and one load time.
    - rows with a NULL key or a NULL child key are skipped;
    - several staged rows with the same key, child key and load time count once: the greatest
      effective-from, then the greatest hashdiff;
    - only sets later than the key's latest stored load time count (re-running a batch adds nothing);
    - a set is told by its signature, the sorted list of its hashdiffs; in load-time order, a set whose
      signature differs from the set before it (the first: from the key's latest stored set, the rows
      with its latest load time) is inserted whole. A changed member, a new or a missing child key
      re-insert the set; an identical set (case-only changes included) adds nothing.
    No ghost record, whatever var('enable_ghost_records') says: AutomateDV's release writes ghost records
    into sat tables only.
-#}
{%- macro ma_sat(src_pk, src_cdk, src_hashdiff, src_payload, src_eff=none, src_ldts=none, src_source=none,
                 source_model=none, src_extra_columns=none) -%}
    {{- adapter.dispatch('ma_sat', 'automate_dv')(
            src_pk=src_pk, src_cdk=src_cdk, src_hashdiff=src_hashdiff, src_payload=src_payload,
            src_eff=src_eff, src_ldts=src_ldts, src_source=src_source, source_model=source_model,
            src_extra_columns=src_extra_columns) -}}
{%- endmacro -%}


{%- macro default__ma_sat(src_pk, src_cdk, src_hashdiff, src_payload, src_eff, src_ldts, src_source,
                          source_model, src_extra_columns) -%}
    {{- automate_dv.unsupported_adapter('ma_sat') -}}
{%- endmacro -%}


{%- macro postgres__ma_sat(src_pk, src_cdk, src_hashdiff, src_payload, src_eff, src_ldts, src_source,
                           source_model, src_extra_columns) -%}

{%- set pk = automate_dv.single_column(src_pk, 'ma_sat', 'src_pk') -%}
{%- set hashdiff = automate_dv.single_column(src_hashdiff, 'ma_sat', 'src_hashdiff') -%}
{%- set cdk_columns = automate_dv.as_list(src_cdk) -%}
{%- if src_payload is mapping -%}
    {{- exceptions.raise_compiler_error(
        "automate_dv.ma_sat: src_payload must list the payload columns (exclude_columns is not supported)") -}}
{%- endif -%}
{%- set payload_columns = automate_dv.as_list(src_payload) -%}
{%- set extra_columns = automate_dv.as_list(src_extra_columns) -%}
{%- set eff_columns = automate_dv.as_list(src_eff) -%}
{%- if not cdk_columns -%}
    {{- exceptions.raise_compiler_error("automate_dv.ma_sat: src_cdk is required") -}}
{%- endif -%}
{%- if src_ldts is none or src_source is none or source_model is none -%}
    {{- exceptions.raise_compiler_error("automate_dv.ma_sat: src_ldts, src_source and source_model are required") -}}
{%- endif -%}
{%- if source_model is not string -%}
    {{- exceptions.raise_compiler_error("automate_dv.ma_sat: source_model must name one staging model") -}}
{%- endif -%}

{%- set output_columns = [pk] + cdk_columns + payload_columns + extra_columns + [hashdiff] + eff_columns
                         + [src_ldts, src_source] -%}

with staged_rows as (
    -- rows with a key and child key; the casts fix the table's types
    select
        {{ ([pk] + cdk_columns + payload_columns + extra_columns + [hashdiff]) | join(",\n        ") }},
        {%- for eff in eff_columns %}
        cast({{ eff }} as {{ automate_dv.type_timestamp() }}) as {{ eff }},
        {%- endfor %}
        cast({{ src_ldts }} as {{ automate_dv.type_timestamp() }}) as {{ src_ldts }},
        cast({{ src_source }} as {{ automate_dv.type_string() }}) as {{ src_source }}
    from {{ ref(source_model) }}
    where {{ pk }} is not null
    {%- for column in cdk_columns %}
      and {{ column }} is not null
    {%- endfor %}
),

one_per_child as (
    -- a child key delivered twice in one load counts once: the greatest effective-from, then hashdiff
    {%- set order_by %}{% for eff in eff_columns %}{{ eff }} desc nulls last, {% endfor %}{{ hashdiff }} desc{% endset %}
    {{ automate_dv.keep_first("staged_rows", [pk] + cdk_columns + [src_ldts], order_by) }}
),

stored_rows as (
{#- Only the columns the comparison needs: a payload column new in the model is not in the table
    until this run adds it (on_schema_change), and must not be read from it. #}
{%- if is_incremental() %}
    -- the stored history of the staged keys
    select {{ pk }}, {{ src_ldts }}, {{ hashdiff }}
    from {{ this }}
    where {{ pk }} in (select {{ pk }} from staged_rows)
{%- else %}
    -- first build: nothing is stored yet (same columns and types as the table)
    select {{ pk }}, {{ src_ldts }}, {{ hashdiff }}
    from staged_rows
    where false
{%- endif %}
),

latest_stored_sets as (
    -- the newest stored set of each key (its rows with the key's latest load time), as a signature
    select
        stored_rows.{{ pk }},
        stored_rows.{{ src_ldts }} as latest_ldts,
        {{ automate_dv.sorted_array_agg('stored_rows.' ~ hashdiff) }} as stored_signature
    from stored_rows
    where stored_rows.{{ src_ldts }} = (
        select max(newest.{{ src_ldts }}) from stored_rows as newest
        where newest.{{ pk }} = stored_rows.{{ pk }}
    )
    group by stored_rows.{{ pk }}, stored_rows.{{ src_ldts }}
),

later_rows as (
    -- staged rows newer than anything stored for their key
    select one_per_child.*
    from one_per_child
    left join latest_stored_sets using ({{ pk }})
    where latest_stored_sets.latest_ldts is null
       or one_per_child.{{ src_ldts }} > latest_stored_sets.latest_ldts
),

staged_sets as (
    -- one signature per key and load time: the sorted hashdiffs of its members
    select
        {{ pk }},
        {{ src_ldts }},
        {{ automate_dv.sorted_array_agg(hashdiff) }} as set_signature
    from later_rows
    group by {{ pk }}, {{ src_ldts }}
),

changed_sets as (
    -- in load-time order, the sets that differ from the set before them (the first: from the stored one)
    select {{ pk }}, {{ src_ldts }}
    from (
        select
            staged_sets.{{ pk }},
            staged_sets.{{ src_ldts }},
            staged_sets.set_signature,
            lag(staged_sets.set_signature, 1, latest_stored_sets.stored_signature) over (
                partition by staged_sets.{{ pk }} order by staged_sets.{{ src_ldts }}
            ) as previous_signature
        from staged_sets
        left join latest_stored_sets using ({{ pk }})
    ) as compared_sets
    where previous_signature is null
       or set_signature <> previous_signature
),

new_rows as (
    -- a changed set is inserted whole
    select later_rows.*
    from later_rows
    inner join changed_sets using ({{ pk }}, {{ src_ldts }})
)

select
    {{ output_columns | join(",\n    ") }}
from new_rows

{%- endmacro -%}
