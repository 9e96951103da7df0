{#-
    The relation a stage reads: a model name (string) becomes ref('name'); a one-entry mapping
    {'source_name': 'table_name'} becomes source('source_name', 'table_name').
-#}
{%- macro stage_source_relation(source_model) -%}
    {%- if source_model is string -%}
        {{- return(ref(source_model)) -}}
    {%- elif source_model is mapping and source_model | length == 1 -%}
        {%- set source_name, table_name = (source_model.items() | list)[0] -%}
        {{- return(source(source_name, table_name)) -}}
    {%- else -%}
        {{- exceptions.raise_compiler_error(
            "automate_dv.stage: source_model must be a model name or {'source_name': 'table_name'}, got "
            ~ (source_model | string)) -}}
    {%- endif -%}
{%- endmacro -%}
