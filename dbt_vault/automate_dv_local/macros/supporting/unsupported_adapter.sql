{#- dvkit's implementation is written for PostgreSQL and Spark only: say so plainly on any other adapter. -#}
{%- macro unsupported_adapter(macro_name) -%}
    {{- exceptions.raise_compiler_error(
        "automate_dv." ~ macro_name ~ ": dvkit's built-in AutomateDV supports PostgreSQL and Spark only, not the '"
        ~ target.type ~ "' adapter; install the dbt hub release of Datavault-UK/automate_dv instead") -}}
{%- endmacro -%}
