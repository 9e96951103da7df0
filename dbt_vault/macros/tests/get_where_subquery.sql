{#-
    dbt's `where` test config, plus the build window: `__dvkit_window__` in a where stands for
    `dvkit_window()`, evaluated when the test runs (dbt renders a where at parse time, where the
    batch range of the build is not known and would force a re-parse of the YAML at every build).
    Without the token, a where behaves as in dbt.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') or '' -%}
    {%- if '__dvkit_window__' in where -%}
        {%- set window = dvkit_window() -%}
        {%- if where | trim == '__dvkit_window__' and window == 'true' -%}
            {%- do return(relation) -%}
        {%- endif -%}
        {%- set where = where | replace('__dvkit_window__', '(' ~ window ~ ')') -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}
