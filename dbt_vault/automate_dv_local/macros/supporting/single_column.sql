{#- Hash key parameters name exactly one column (a list of one is accepted, as AutomateDV does). -#}
{%- macro single_column(value, macro_name, parameter) -%}
    {%- set columns = automate_dv.as_list(value) -%}
    {%- if columns | length != 1 -%}
        {{- exceptions.raise_compiler_error(
            "automate_dv." ~ macro_name ~ ": " ~ parameter ~ " must name exactly one column, got "
            ~ (value | string)) -}}
    {%- endif -%}
    {{- return(columns[0]) -}}
{%- endmacro -%}
