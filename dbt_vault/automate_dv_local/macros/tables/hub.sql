{#-
    hub(src_pk, src_nk, src_ldts, src_source, source_model, src_extra_columns)

    One row per hash key, ever. Within the staged rows the earliest load time wins (ties: record source,
    then business key), so the stored business key is the first one seen, exactly as it arrived.
    Keys already in the table are not inserted again; NULL keys never enter.
    source_model may list several staging models: they are read as one.
-#}
{%- macro hub(src_pk, src_nk, src_ldts, src_source, source_model, src_extra_columns=none) -%}
    {{- adapter.dispatch('hub', 'automate_dv')(
            src_pk=src_pk, src_nk=src_nk, src_ldts=src_ldts, src_source=src_source,
            source_model=source_model, src_extra_columns=src_extra_columns) -}}
{%- endmacro -%}


{%- macro default__hub(src_pk, src_nk, src_ldts, src_source, source_model, src_extra_columns) -%}
    {{- automate_dv.unsupported_adapter('hub') -}}
{%- endmacro -%}


{%- macro postgres__hub(src_pk, src_nk, src_ldts, src_source, source_model, src_extra_columns) -%}

{%- set pk = automate_dv.single_column(src_pk, 'hub', 'src_pk') -%}
{%- set nk_columns = automate_dv.as_list(src_nk) -%}
{%- set extra_columns = automate_dv.as_list(src_extra_columns) -%}
{%- set models = automate_dv.as_list(source_model) -%}
{%- if not nk_columns or not models -%}
    {{- exceptions.raise_compiler_error("automate_dv.hub: src_nk and source_model are required") -}}
{%- endif -%}
{{- automate_dv.first_arrivals(pk, nk_columns, extra_columns, src_ldts, src_source, models, required=[]) }}

{%- endmacro -%}
