{#-
    stage(include_source_columns, source_model, hashed_columns, derived_columns, null_columns, ranked_columns)

    Steps, each one CTE: source data -> derived columns -> null keys -> hashes -> ranks (a step with
    nothing to do is left out). Output columns: the source columns (when include_source_columns), then
    derived, null-key, hashed and ranked columns. A column a later step defines replaces the earlier
    column of the same name.
-#}
{%- macro stage(include_source_columns=true, source_model=none, hashed_columns=none, derived_columns=none,
                null_columns=none, ranked_columns=none) -%}
    {{- adapter.dispatch('stage', 'automate_dv')(
            include_source_columns=include_source_columns, source_model=source_model,
            hashed_columns=hashed_columns, derived_columns=derived_columns,
            null_columns=null_columns, ranked_columns=ranked_columns) -}}
{%- endmacro -%}


{%- macro default__stage(include_source_columns, source_model, hashed_columns, derived_columns,
                         null_columns, ranked_columns) -%}
    {{- automate_dv.unsupported_adapter('stage') -}}
{%- endmacro -%}


{%- macro postgres__stage(include_source_columns, source_model, hashed_columns, derived_columns,
                          null_columns, ranked_columns) -%}

{%- if source_model is none -%}
    {{- exceptions.raise_compiler_error("automate_dv.stage: source_model is required") -}}
{%- endif -%}
{%- set source_relation = automate_dv.stage_source_relation(source_model) -%}
{%- set derived = derived_columns or {} -%}
{%- set hashed = hashed_columns or {} -%}
{%- set ranked = ranked_columns or {} -%}
{%- set null_keys = automate_dv.null_column_keys(null_columns) -%}

{#- The source's columns are read from the database when the model runs (parsing only records the
    dependency and never executes this SQL). -#}
{%- set source_names = [] -%}
{%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(source_relation) -%}
        {%- do source_names.append(column.name) -%}
    {%- endfor -%}
{%- endif -%}

{#- Names each step defines, lower-cased for comparisons. -#}
{%- set derived_lower = derived.keys() | map('lower') | list -%}
{%- set null_lower = null_keys | map(attribute='column') | map('lower') | list -%}
{%- set hashed_lower = hashed.keys() | map('lower') | list -%}
{%- set ranked_lower = ranked.keys() | map('lower') | list -%}

{#- The select list of each step: the columns before it, except those it redefines, then its own. -#}
{%- set derived_items = [] -%}
{%- set after_derived = [] -%}
{%- for name in source_names if name | lower not in derived_lower -%}
    {%- do derived_items.append(name) -%}
    {%- do after_derived.append(name) -%}
{%- endfor -%}
{%- for name, definition in derived.items() -%}
    {%- do derived_items.append(automate_dv.derived_expression(definition) ~ " as " ~ name) -%}
    {%- do after_derived.append(name) -%}
{%- endfor -%}

{%- set null_items = [] -%}
{%- set after_nulls = [] -%}
{%- for name in after_derived if name | lower not in null_lower -%}
    {%- do null_items.append(name) -%}
    {%- do after_nulls.append(name) -%}
{%- endfor -%}
{%- for key in null_keys -%}
    {%- do null_items.append(key['column'] ~ " as " ~ key['column'] ~ "_original") -%}
    {%- do null_items.append("coalesce(" ~ key['column'] ~ ", " ~ automate_dv.sql_string(key['placeholder'])
                             ~ ") as " ~ key['column']) -%}
    {%- do after_nulls.extend([key['column'] ~ "_original", key['column']]) -%}
{%- endfor -%}

{%- set hash_items = [] -%}
{%- set after_hashes = [] -%}
{%- for name in after_nulls if name | lower not in hashed_lower -%}
    {%- do hash_items.append(name) -%}
    {%- do after_hashes.append(name) -%}
{%- endfor -%}
{%- for alias, definition in hashed.items() -%}
    {%- if definition is mapping -%}
        {%- set listed = automate_dv.as_list(definition.get('columns')) -%}
        {%- if definition.get('exclude_columns', false) -%}
            {#- every column available to hashing (source and derived) except the listed ones -#}
            {%- set listed_lower = listed | map('lower') | list -%}
            {%- set columns = [] -%}
            {%- for name in after_derived if name | lower not in listed_lower -%}
                {%- do columns.append(name) -%}
            {%- endfor -%}
        {%- else -%}
            {%- set columns = listed -%}
        {%- endif -%}
        {%- do hash_items.append(automate_dv.hash(columns=columns, alias=alias,
                                                  is_hashdiff=definition.get('is_hashdiff', false))) -%}
    {%- else -%}
        {%- do hash_items.append(automate_dv.hash(columns=definition, alias=alias, is_hashdiff=false)) -%}
    {%- endif -%}
    {%- do after_hashes.append(alias) -%}
{%- endfor -%}

{%- set rank_items = [] -%}
{%- set after_ranks = [] -%}
{%- for name in after_hashes if name | lower not in ranked_lower -%}
    {%- do rank_items.append(name) -%}
    {%- do after_ranks.append(name) -%}
{%- endfor -%}
{%- for alias, definition in ranked.items() -%}
    {%- do rank_items.append(automate_dv.rank_expression(alias, definition) ~ " as " ~ alias) -%}
    {%- do after_ranks.append(alias) -%}
{%- endfor -%}

{#- Source columns that no step redefines leave the output when include_source_columns is false. -#}
{%- set redefined_lower = derived_lower + null_lower + hashed_lower + ranked_lower -%}
{%- set output_names = [] -%}
{%- for name in after_ranks -%}
    {%- if include_source_columns or name not in source_names or name | lower in redefined_lower -%}
        {%- do output_names.append(name) -%}
    {%- endif -%}
{%- endfor -%}

{#- Only the steps with something to do become CTEs; each reads the one before it. -#}
{%- set steps = [] -%}
{%- if derived -%}
    {%- do steps.append({'name': 'derived_columns', 'items': derived_items,
                         'why': 'derived first, so that hashes can use derived values'}) -%}
{%- endif -%}
{%- if null_keys -%}
    {%- do steps.append({'name': 'null_columns', 'items': null_items,
                         'why': 'a missing key gets a placeholder; the original value is kept as <column>_original'}) -%}
{%- endif -%}
{%- if hashed -%}
    {%- do steps.append({'name': 'hashed_columns', 'items': hash_items,
                         'why': 'hash keys and hashdiffs over the standardised values'}) -%}
{%- endif -%}
{%- if ranked -%}
    {%- do steps.append({'name': 'ranked_columns', 'items': rank_items,
                         'why': 'window ranks, which may order by any column above'}) -%}
{%- endif -%}

with source_data as (
    select * from {{ source_relation }}
)
{%- set ns = namespace(previous='source_data') %}
{%- for step in steps %},

{{ step['name'] }} as (
    -- {{ step['why'] }}
    select
        {{ step['items'] | join(",\n        ") }}
    from {{ ns.previous }}
)
{%- set ns.previous = step['name'] %}
{%- endfor %}

select
    {{ output_names | join(",\n    ") if output_names else '*' }}
from {{ ns.previous }}

{%- endmacro -%}
