{#-
    Uniqueness of the keys a build added, counted over the whole table. Filtering the table to the
    window would miss a new row that repeats an old key, so the window only picks the keys: those
    are then looked up in the whole table (by index: every raw vault table is indexed on its hash
    key, a satellite on key + load_datetime). Without a window (plain `dbt build`, the first
    build) it is the whole-table check.

    column-level (`column_name`): like dbt's `unique`, NULLs are not counted (not_null reports them).
    model-level (`columns`): like `dvkit_unique_combination`, a NULL counts as a value.
    The first column must be the indexed one.
-#}
{% test dvkit_unique_in_window(model, column_name=none, columns=none) %}
{%- set keys = [column_name] if column_name else columns -%}
{%- if not keys -%}
    {{ exceptions.raise_compiler_error("dvkit_unique_in_window on " ~ model ~ ": give a column (a column's "
                                       ~ "test) or `columns` (a model's test)") }}
{%- endif -%}
{%- set listed = keys | join(', ') -%}
{%- set window = dvkit_window() -%}

select {{ listed }}, count(*) as occurrences
from {{ model }}
where {{ 'true' if column_name is none else column_name ~ ' is not null' }}
{%- if window == 'true' %}
{#- no window: every row #}
{%- elif 'load_datetime' in keys %}
  {#- rows of one load time are all inside the window or all outside: the window's rows suffice #}
  and {{ window }}
{%- else %}
  and {{ keys[0] }} in (select {{ keys[0] }} from {{ model }} where {{ window }})
{%- endif %}
group by {{ listed }}
having count(*) > 1

{% endtest %}
