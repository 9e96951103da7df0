{#-
    link(src_pk, src_fk, src_ldts, src_source, source_model, src_extra_columns)

    One row per link key, ever, as in a hub: the earliest staged row wins (ties: record source, then the
    hub keys) and keys already in the table are not inserted again. Rows with a NULL link key or any
    NULL hub key are skipped. source_model may list several staging models.
-#}
{%- macro link(src_pk, src_fk, src_ldts, src_source, source_model, src_extra_columns=none) -%}
    {{- adapter.dispatch('link', 'automate_dv')(
            src_pk=src_pk, src_fk=src_fk, src_ldts=src_ldts, src_source=src_source,
            source_model=source_model, src_extra_columns=src_extra_columns) -}}
{%- endmacro -%}


{%- macro default__link(src_pk, src_fk, src_ldts, src_source, source_model, src_extra_columns) -%}
    {{- automate_dv.unsupported_adapter('link') -}}
{%- endmacro -%}


{%- macro postgres__link(src_pk, src_fk, src_ldts, src_source, source_model, src_extra_columns) -%}

{%- set pk = automate_dv.single_column(src_pk, 'link', 'src_pk') -%}
{%- set fk_columns = automate_dv.as_list(src_fk) -%}
{%- set extra_columns = automate_dv.as_list(src_extra_columns) -%}
{%- set models = automate_dv.as_list(source_model) -%}
{%- if not fk_columns or not models -%}
    {{- exceptions.raise_compiler_error("automate_dv.link: src_fk and source_model are required") -}}
{%- endif -%}
{%- set output_columns = [pk] + fk_columns + extra_columns + [src_ldts, src_source] -%}

with staged_links as (
    -- staged rows with a link key and every hub key; the casts fix the table's types
    {%- for model in models %}
    select
        {{ ([pk] + fk_columns + extra_columns) | join(",\n        ") }},
        cast({{ src_ldts }} as timestamp) as {{ src_ldts }},
        cast({{ src_source }} as text) as {{ src_source }}
    from {{ ref(model) }}
    where {{ pk }} is not null
    {%- for fk in fk_columns %}
      and {{ fk }} is not null
    {%- endfor %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

first_arrivals as (
    -- the earliest row of each link key; ties are broken the same way on every run
    select
        staged_links.*,
        row_number() over (
            partition by {{ pk }}
            order by {{ src_ldts }}, {{ src_source }}, {{ fk_columns | join(", ") }}
        ) as arrival_order
    from staged_links
),

new_links as (
    select *
    from first_arrivals
    where arrival_order = 1
    {%- if is_incremental() %}
      -- a link already stored is not inserted again
      and not exists (
          select 1 from {{ this }} as stored
          where stored.{{ pk }} = first_arrivals.{{ pk }}
      )
    {%- endif %}
)

select
    {{ output_columns | join(",\n    ") }}
from new_links

{%- endmacro -%}
