{#-
    nh_link(src_pk, src_fk, src_payload, src_extra_columns, src_eff, src_ldts, src_source, source_model)

    A non-historised (transactional) link: one row per link key, ever, with the payload it first arrived
    with. Insert-only: a key already in the table is never inserted again and its row never changes.
    Among the staged rows of a new key the earliest load time wins (ties: record source, then the hub
    keys and the payload), so a run that stages several batches stores what one run per batch would.
    Rows with a NULL link key or any NULL hub key are skipped. Columns are stored in AutomateDV's order:
    link key, hub keys, payload, extra columns, effective-from, load time, record source.
    src_payload, src_extra_columns and src_eff are optional; source_model may list several models.
-#}
{%- macro nh_link(src_pk=none, src_fk=none, src_payload=none, src_extra_columns=none, src_eff=none,
                  src_ldts=none, src_source=none, source_model=none) -%}
    {{- adapter.dispatch('nh_link', 'automate_dv')(
            src_pk=src_pk, src_fk=src_fk, src_payload=src_payload, src_extra_columns=src_extra_columns,
            src_eff=src_eff, src_ldts=src_ldts, src_source=src_source, source_model=source_model) -}}
{%- endmacro -%}


{%- macro default__nh_link(src_pk, src_fk, src_payload, src_extra_columns, src_eff, src_ldts, src_source,
                           source_model) -%}
    {{- automate_dv.unsupported_adapter('nh_link') -}}
{%- endmacro -%}


{%- macro postgres__nh_link(src_pk, src_fk, src_payload, src_extra_columns, src_eff, src_ldts, src_source,
                            source_model) -%}

{%- set pk = automate_dv.single_column(src_pk, 'nh_link', 'src_pk') -%}
{%- set fk_columns = automate_dv.as_list(src_fk) -%}
{%- set payload = automate_dv.as_list(src_payload) -%}
{%- set models = automate_dv.as_list(source_model) -%}
{%- if not fk_columns or not models or src_ldts is none or src_source is none -%}
    {{- exceptions.raise_compiler_error(
        "automate_dv.nh_link: src_pk, src_fk, src_ldts, src_source and source_model are required") -}}
{%- endif -%}
{#- The payload is ordered by with the hub keys: two rows of one key in one load time pick the same winner
    in every run. The effective-from keeps its staged type, as AutomateDV stores it. -#}
{{- automate_dv.first_arrivals(pk, fk_columns + payload,
                               automate_dv.as_list(src_extra_columns) + automate_dv.as_list(src_eff),
                               src_ldts, src_source, models, required=fk_columns) }}

{%- endmacro -%}
