{#- Column parameters may name one column or several: the macros always work with a list. -#}
{%- macro as_list(value) -%}
    {%- if value is none -%}
        {{- return([]) -}}
    {%- elif value is string -%}
        {{- return([value]) -}}
    {%- else -%}
        {{- return(value | list) -}}
    {%- endif -%}
{%- endmacro -%}
