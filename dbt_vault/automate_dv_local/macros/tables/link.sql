{#-
    link(src_pk, src_fk, src_ldts, src_source, source_model, src_extra_columns)

    One row per link key, ever, as in a hub: the earliest staged row wins (ties: record source, then the
    hub keys) and keys already in the table are not inserted again. Rows with a NULL link key or any
    NULL hub key are skipped. source_model may list several staging models.
-#}
{%- macro link(src_pk, src_fk, src_ldts, src_source, source_model, src_extra_columns=none) -%}
    {{- adapter.dispatch('link', 'automate_dv')(
            src_pk=src_pk, src_fk=src_fk, src_ldts=src_ldts, src_source=src_source,
            source_model=source_model, src_extra_columns=src_extra_columns) -}}
{%- endmacro -%}


{%- macro default__link(src_pk, src_fk, src_ldts, src_source, source_model, src_extra_columns) -%}
    {{- automate_dv.unsupported_adapter('link') -}}
{%- endmacro -%}


{%- macro postgres__link(src_pk, src_fk, src_ldts, src_source, source_model, src_extra_columns) -%}

{%- set pk = automate_dv.single_column(src_pk, 'link', 'src_pk') -%}
{%- set fk_columns = automate_dv.as_list(src_fk) -%}
{%- set extra_columns = automate_dv.as_list(src_extra_columns) -%}
{%- set models = automate_dv.as_list(source_model) -%}
{%- if not fk_columns or not models -%}
    {{- exceptions.raise_compiler_error("automate_dv.link: src_fk and source_model are required") -}}
{%- endif -%}
{{- automate_dv.first_arrivals(pk, fk_columns, extra_columns, src_ldts, src_source, models, required=fk_columns) }}

{%- endmacro -%}
