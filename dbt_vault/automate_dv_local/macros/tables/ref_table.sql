{#-
    ref_table(src_pk, src_extra_columns, src_ldts, src_source, source_model)

    Reference data keyed by a natural (unhashed) key. Columns: the reference key, payload (the extra
    columns)..., load time, record source.

    Insert-only per key: a key already stored is not inserted again and later changes of its payload
    are ignored. A new key gets every distinct row it was staged with at its earliest staged load time
    (the rows AutomateDV's release inserts when each batch is loaded in its own run). Rows with a NULL
    key are skipped. source_model may list several staging models: they are read as one.
-#}
{%- macro ref_table(src_pk, src_extra_columns=none, src_ldts=none, src_source=none, source_model=none) -%}
    {{- adapter.dispatch('ref_table', 'automate_dv')(
            src_pk=src_pk, src_extra_columns=src_extra_columns, src_ldts=src_ldts, src_source=src_source,
            source_model=source_model) -}}
{%- endmacro -%}


{%- macro default__ref_table(src_pk, src_extra_columns, src_ldts, src_source, source_model) -%}
    {{- automate_dv.unsupported_adapter('ref_table') -}}
{%- endmacro -%}


{%- macro postgres__ref_table(src_pk, src_extra_columns, src_ldts, src_source, source_model) -%}

{%- set pk = automate_dv.single_column(src_pk, 'ref_table', 'src_pk') -%}
{%- set payload_columns = automate_dv.as_list(src_extra_columns) -%}
{%- set models = automate_dv.as_list(source_model) -%}
{%- if src_ldts is none or src_source is none or not models -%}
    {{- exceptions.raise_compiler_error("automate_dv.ref_table: src_ldts, src_source and source_model are required") -}}
{%- endif -%}
{%- set output_columns = [pk] + payload_columns + [src_ldts, src_source] -%}

with staged_rows as (
    -- every staged row with a key; the casts fix the table's types
    {%- for model in models %}
    select
        {{ ([pk] + payload_columns) | join(",\n        ") }},
        cast({{ src_ldts }} as {{ automate_dv.type_timestamp() }}) as {{ src_ldts }},
        cast({{ src_source }} as {{ automate_dv.type_string() }}) as {{ src_source }}
    from {{ ref(model) }}
    where {{ pk }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

first_loads as (
    -- the earliest staged load time of each key
    select {{ pk }}, min({{ src_ldts }}) as first_ldts
    from staged_rows
    group by {{ pk }}
),

new_rows as (
    -- every distinct row of a key's first load; a key already stored keeps what it has
    select distinct staged_rows.*
    from staged_rows
    inner join first_loads
        on first_loads.{{ pk }} = staged_rows.{{ pk }}
       and first_loads.first_ldts = staged_rows.{{ src_ldts }}
    {%- if is_incremental() %}
    where not exists (
        select 1 from {{ this }} as stored
        where stored.{{ pk }} = staged_rows.{{ pk }}
    )
    {%- endif %}
)

select
    {{ output_columns | join(",\n    ") }}
from new_rows

{%- endmacro -%}
