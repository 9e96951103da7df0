{#-
    xts(src_pk, src_satellite, src_ldts, src_source, source_model, src_extra_columns)

    Extended tracking satellite: every delivery of the tracked satellites' hashdiffs, by load time.
    Columns: key, hashdiff, satellite name, extra columns..., load time, record source.

    src_satellite maps each tracked satellite to its stage columns, AutomateDV's way:
        {'sat_order_status': {'sat_name': {'satellite_name': 'order_status_satellite_name'},
                              'hashdiff': {'hashdiff': 'order_status_hashdiff'}}}
    - 'sat_name': target column name -> the stage column holding the satellite's name;
    - 'hashdiff': target column name -> the stage's hashdiff column.
    Every satellite must use the same two target column names.
    source_model: one staging model or several. A stage is read for the satellites whose two columns it
    has (looked up in the database when the model runs; a stage not built yet is read for all).

    One row per staged row per satellite, so the table grows with each re-delivery at a new load time.
    Rows with a NULL key are skipped; rows alike in key, hashdiff, satellite name and load time count once
    (the smallest record source is kept), and such a row already stored is not inserted again (re-running
    a batch adds nothing).
-#}
{%- macro xts(src_pk, src_satellite, src_ldts, src_source, source_model, src_extra_columns=none) -%}
    {{- adapter.dispatch('xts', 'automate_dv')(
            src_pk=src_pk, src_satellite=src_satellite, src_ldts=src_ldts, src_source=src_source,
            source_model=source_model, src_extra_columns=src_extra_columns) -}}
{%- endmacro -%}


{%- macro default__xts(src_pk, src_satellite, src_ldts, src_source, source_model, src_extra_columns) -%}
    {{- automate_dv.unsupported_adapter('xts') -}}
{%- endmacro -%}


{%- macro postgres__xts(src_pk, src_satellite, src_ldts, src_source, source_model, src_extra_columns) -%}

{%- set pk = automate_dv.single_column(src_pk, 'xts', 'src_pk') -%}
{%- set extra_columns = automate_dv.as_list(src_extra_columns) -%}
{%- set models = automate_dv.as_list(source_model) -%}
{%- if src_satellite is not mapping or not src_satellite -%}
    {{- exceptions.raise_compiler_error(
        "automate_dv.xts: src_satellite must map each satellite to {'sat_name': {...}, 'hashdiff': {...}}") -}}
{%- endif -%}
{%- if src_ldts is none or src_source is none or not models -%}
    {{- exceptions.raise_compiler_error("automate_dv.xts: src_ldts, src_source and source_model are required") -}}
{%- endif -%}

{#- Each satellite as {name, target and stage column of its name, target and stage column of its hashdiff}. -#}
{%- set satellites = [] -%}
{%- for satellite, mapping in src_satellite.items() -%}
    {%- set sat_name = mapping.get('sat_name') if mapping is mapping else none -%}
    {%- set sat_hashdiff = mapping.get('hashdiff') if mapping is mapping else none -%}
    {%- if sat_name is not mapping or sat_hashdiff is not mapping
          or sat_name | length != 1 or sat_hashdiff | length != 1 -%}
        {{- exceptions.raise_compiler_error(
            "automate_dv.xts: satellite '" ~ satellite ~ "' needs 'sat_name' and 'hashdiff', each mapping one "
            ~ "target column to one stage column, got " ~ (mapping | string)) -}}
    {%- endif -%}
    {%- set name_target, name_column = (sat_name.items() | list)[0] -%}
    {%- set hashdiff_target, hashdiff_column = (sat_hashdiff.items() | list)[0] -%}
    {%- do satellites.append({'satellite': satellite, 'name_target': name_target, 'name_column': name_column,
                              'hashdiff_target': hashdiff_target, 'hashdiff_column': hashdiff_column}) -%}
{%- endfor -%}
{%- set hashdiff_target = satellites[0]['hashdiff_target'] -%}
{%- set name_target = satellites[0]['name_target'] -%}
{%- for satellite in satellites -%}
    {%- if satellite['hashdiff_target'] | lower != hashdiff_target | lower
          or satellite['name_target'] | lower != name_target | lower -%}
        {{- exceptions.raise_compiler_error(
            "automate_dv.xts: every satellite must use the same target columns ('" ~ hashdiff_target ~ "', '"
            ~ name_target ~ "'); '" ~ satellite['satellite'] ~ "' uses ('" ~ satellite['hashdiff_target']
            ~ "', '" ~ satellite['name_target'] ~ "')") -}}
    {%- endif -%}
{%- endfor -%}

{#- Which satellites each stage carries: read from the database when the model runs (parsing only
    records the dependencies). A stage whose columns cannot be read yet is taken to carry them all. -#}
{%- set sources = [] -%}
{%- set found = [] -%}
{%- for model in models -%}
    {%- set relation = ref(model) -%}
    {%- set stage_columns = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do stage_columns.append(column.name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for satellite in satellites -%}
        {%- if not stage_columns or (satellite['name_column'] | lower in stage_columns
                                     and satellite['hashdiff_column'] | lower in stage_columns) -%}
            {%- do sources.append({'relation': relation, 'satellite': satellite}) -%}
            {%- do found.append(satellite['satellite']) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endfor -%}
{%- for satellite in satellites if satellite['satellite'] not in found -%}
    {{- exceptions.raise_compiler_error(
        "automate_dv.xts: no stage in " ~ (models | string) ~ " has the columns of satellite '"
        ~ satellite['satellite'] ~ "' (" ~ satellite['name_column'] ~ ", " ~ satellite['hashdiff_column'] ~ ")") -}}
{%- endfor -%}

{%- set row_columns = [pk, hashdiff_target, name_target] -%}
{%- set output_columns = row_columns + extra_columns + [src_ldts, src_source] -%}

with staged_rows as (
    -- one branch per stage and tracked satellite; the casts fix the table's types
    {%- for source in sources %}
    select
        {{ pk }},
        {{ source['satellite']['hashdiff_column'] }} as {{ hashdiff_target }},
        {{ source['satellite']['name_column'] }} as {{ name_target }},
        {%- for column in extra_columns %}
        {{ column }},
        {%- endfor %}
        cast({{ src_ldts }} as {{ automate_dv.type_timestamp() }}) as {{ src_ldts }},
        cast({{ src_source }} as {{ automate_dv.type_string() }}) as {{ src_source }}
    from {{ source['relation'] }}
    where {{ pk }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

one_per_delivery as (
    -- rows alike in key, hashdiff, satellite and load time count once
    {{ automate_dv.keep_first("staged_rows", row_columns + [src_ldts], src_source) }}
),

new_rows as (
    select *
    from one_per_delivery
    {%- if is_incremental() %}
    -- a delivery already stored (the same batch run again) is not inserted again
    where not exists (
        select 1 from {{ this }} as stored
        where stored.{{ pk }} = one_per_delivery.{{ pk }}
          and stored.{{ hashdiff_target }} = one_per_delivery.{{ hashdiff_target }}
          and stored.{{ name_target }} = one_per_delivery.{{ name_target }}
          and stored.{{ src_ldts }} = one_per_delivery.{{ src_ldts }}
    )
    {%- endif %}
)

select
    {{ output_columns | join(",\n    ") }}
from new_rows

{%- endmacro -%}
