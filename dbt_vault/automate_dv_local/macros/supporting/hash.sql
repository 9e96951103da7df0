{#-
    hash(columns, alias, is_hashdiff, columns_to_escape): the hash key or hashdiff of one or more columns,
    with " as alias" when an alias is given.

    - key of one column: digest of its standard value; NULL stays NULL.
    - key of several columns: standard values in the listed order, NULL written '^^', joined with '||';
      NULL when every part is NULL.
    - hashdiff: the same over the columns sorted by name (case-insensitive), never NULL.
    columns_to_escape: columns whose names are quoted in the SQL (names that are not plain identifiers).
-#}
{%- macro hash(columns=none, alias=none, is_hashdiff=false, columns_to_escape=none) -%}
    {{- adapter.dispatch('hash', 'automate_dv')(columns=columns, alias=alias, is_hashdiff=is_hashdiff,
                                                columns_to_escape=columns_to_escape) -}}
{%- endmacro -%}


{%- macro default__hash(columns, alias, is_hashdiff, columns_to_escape) -%}
    {{- automate_dv.unsupported_adapter('hash') -}}
{%- endmacro -%}


{%- macro postgres__hash(columns, alias, is_hashdiff, columns_to_escape) -%}
    {%- set column_list = automate_dv.as_list(columns) -%}
    {%- if column_list | length == 0 -%}
        {{- exceptions.raise_compiler_error(
            "automate_dv.hash: no columns to hash" ~ (" for '" ~ alias ~ "'" if alias else "")) -}}
    {%- endif -%}

    {%- if is_hashdiff -%}
        {#- A hashdiff must not depend on the order the columns were listed in. -#}
        {%- set column_list = column_list | sort(case_sensitive=false) -%}
    {%- endif -%}

    {#- the sort above is by name; quoting comes after it -#}
    {%- set to_escape = automate_dv.as_list(columns_to_escape) -%}
    {%- set quoted = [] -%}
    {%- for column in column_list -%}
        {%- do quoted.append(adapter.quote(column) if column in to_escape else column) -%}
    {%- endfor -%}
    {%- set column_list = quoted -%}

    {%- if column_list | length == 1 and not is_hashdiff -%}
        {%- set text_expression = automate_dv.standard_value(column_list[0]) -%}
    {%- else -%}
        {%- set null_placeholder = var('null_placeholder_string', '^^') -%}
        {%- set separator = var('concat_string', '||') -%}
        {%- set parts = [] -%}
        {%- for column in column_list -%}
            {%- do parts.append("coalesce(" ~ automate_dv.standard_value(column) ~ ", "
                                ~ automate_dv.sql_string(null_placeholder) ~ ")") -%}
        {%- endfor -%}
        {#- one part a line: the SQL stays readable in a select list -#}
        {%- set joined = "concat_ws(" ~ automate_dv.sql_string(separator) ~ ",\n            "
                         ~ parts | join(",\n            ") ~ "\n        )" -%}
        {%- if is_hashdiff -%}
            {%- set text_expression = joined -%}
        {%- else -%}
            {#- A key whose every part is missing is no key at all. -#}
            {%- set all_missing = ([null_placeholder] * (column_list | length)) | join(separator) -%}
            {%- set text_expression = "nullif(" ~ joined ~ ", " ~ automate_dv.sql_string(all_missing) ~ ")" -%}
        {%- endif -%}
    {%- endif -%}

    {{- automate_dv.digest(text_expression) -}}
    {%- if alias %} as {{ alias }}{% endif -%}
{%- endmacro -%}
