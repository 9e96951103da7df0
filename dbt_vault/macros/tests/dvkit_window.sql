{#-
    The build window: the raw vault rows a build added. dvkit passes the landing batches a build
    stages as DVKIT_BATCH_FROM / DVKIT_BATCH_TO; a row is in the window when its load_datetime is
    the load time of one of those batches.

    The variables are read only while tests run (`execute`), never while dbt parses: a value read
    at parse time would be tracked by dbt's partial parsing, and every build (a new range) would
    parse the YAML of ~150 tests again.
-#}

{#- (first, last) batch of the window, or none when the tests must see the whole table: the range
    is unset, or starts at the first batch (0 or 1), which is the whole vault with its ghost records. -#}
{% macro dvkit_window_batches() %}
    {%- if not execute -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set bounds = [] -%}
    {%- for name, default in [('DVKIT_BATCH_FROM', '0'), ('DVKIT_BATCH_TO', '9223372036854775807')] -%}
        {%- set value = env_var(name, default) | trim -%}
        {%- if not value.isdigit() -%}
            {{ exceptions.raise_compiler_error(name ~ "='" ~ value ~ "' is not a batch id: set it to a whole "
                                               ~ "number (a landing.batches batch_id) or unset it to test every row") }}
        {%- endif -%}
        {%- do bounds.append(value | int) -%}
    {%- endfor -%}
    {%- if bounds[0] <= 1 -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- do return(bounds) -%}
{% endmacro %}

{#- A SQL condition true for the rows of the window (`true` when there is no window). The batches'
    load times are written into it as literals: PostgreSQL then estimates the window's rows from the
    column's statistics and looks them up by index (a subquery on landing.batches leaves it guessing,
    and it hashes the whole parent table: 0.35 s against 0.03 s for a relationships test at SF 5). -#}
{% macro dvkit_window() %}
    {%- set batches = dvkit_window_batches() -%}
    {%- if batches is none -%}
        {%- do return('true') -%}
    {%- endif -%}
    {#- landing.batches is written by `dvkit load`, outside dbt: no source() for it. -#}
    {%- set load_times -%}
        select distinct {{ dbt.cast("load_ts", dbt.type_string()) }}
        from landing.batches
        where batch_id between {{ batches[0] }} and {{ batches[1] }}
        order by 1
    {%- endset -%}
    {%- set listed = [] -%}
    {%- for load_ts in run_query(load_times).columns[0].values() -%}
        {%- do listed.append("cast('" ~ load_ts ~ "' as timestamp)") -%}
    {%- endfor -%}
    {#- no batch in the range (a build with nothing pending): the build added no row #}
    {%- if not listed -%}
        {%- do return('false') -%}
    {%- endif -%}
    {%- do return('load_datetime in (' ~ listed | join(', ') ~ ')') -%}
{% endmacro %}
