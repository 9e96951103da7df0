{#-
    The SQL expression of one derived column:
    - '!text'                    -> the string constant 'text'
    - 'expression'               -> used as written (a column name or any SQL expression)
    - ['col_a', 'col_b']         -> the columns concatenated with '||' (NULLs skipped)
    - {'source_column': ..., 'escape': true} -> as above, column names quoted when escape is true
-#}
{%- macro derived_expression(value, escape=false) -%}
    {%- if value is mapping -%}
        {%- if 'source_column' not in value -%}
            {{- exceptions.raise_compiler_error(
                "automate_dv.stage: a derived column given as a mapping needs 'source_column', got "
                ~ (value | string)) -}}
        {%- endif -%}
        {{- return(automate_dv.derived_expression(value['source_column'], value.get('escape', false))) -}}
    {%- elif value is string -%}
        {%- if value.startswith('!') -%}
            {{- return(automate_dv.sql_string(value[1:])) -}}
        {%- endif -%}
        {{- return(adapter.quote(value) if escape else value) -}}
    {%- else -%}
        {%- set parts = [] -%}
        {%- for column in value -%}
            {%- do parts.append(automate_dv.derived_expression(column, escape)) -%}
        {%- endfor -%}
        {{- return("concat_ws(" ~ automate_dv.sql_string(var('concat_string', '||')) ~ ", "
                   ~ parts | join(", ") ~ ")") -}}
    {%- endif -%}
{%- endmacro -%}
