{#-
    first_arrivals(pk, key_columns, extra_columns, src_ldts, src_source, models, required)

    What a hub or a link inserts (the two differ only in their key columns): for each hash key, its
    earliest staged row (ties: record source, then the key columns, so every run breaks them the same
    way), unless the key is already stored. A staged row needs its hash key and every column of
    `required` (a link's hub keys; a hub's business key is what its hash key is made of). `models`
    may list several staging models: they are read as one.
-#}
{%- macro first_arrivals(pk, key_columns, extra_columns, src_ldts, src_source, models, required=[]) -%}

with staged as (
    -- staged rows with every required key; the casts fix the table's types
    {%- for model in models %}
    select
        {{ ([pk] + key_columns + extra_columns) | join(",\n        ") }},
        cast({{ src_ldts }} as {{ automate_dv.type_timestamp() }}) as {{ src_ldts }},
        cast({{ src_source }} as {{ automate_dv.type_string() }}) as {{ src_source }}
    from {{ ref(model) }}
    where {{ pk }} is not null
    {%- for column in required %}
      and {{ column }} is not null
    {%- endfor %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

by_arrival as (
    -- the earliest row of each key first
    select
        staged.*,
        row_number() over (
            partition by {{ pk }}
            order by {{ src_ldts }}, {{ src_source }}, {{ key_columns | join(", ") }}
        ) as arrival_order
    from staged
),

new_keys as (
    select *
    from by_arrival
    where arrival_order = 1
    {%- if is_incremental() %}
      -- a key already stored keeps its first row
      and not exists (
          select 1 from {{ this }} as stored
          where stored.{{ pk }} = by_arrival.{{ pk }}
      )
    {%- endif %}
)

select
    {{ ([pk] + key_columns + extra_columns + [src_ldts, src_source]) | join(",\n    ") }}
from new_keys

{%- endmacro -%}
