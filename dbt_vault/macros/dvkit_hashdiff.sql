{#-
    dvkit_hashdiff(payload, added): the hashdiff of a satellite whose payload gained columns after it
    went live (the spec's payload_added), as a SQL expression for a stage's derived column.

    Its pre-image is AutomateDV 0.11's hashdiff pre-image over `payload` (each value cast to text,
    trimmed, upper-cased, '' as NULL, NULL written '^^', sorted by column name, joined by '||'),
    followed by '||value' for each column of `added`, in the order listed, up to the last one that is
    not NULL. A row whose added columns are all NULL so keeps the hashdiff it had before they were
    added, and no key gets a new version just because the spec grew. generator/hashing.py is the
    same rule in Python.

    It reads only dbt's own context and the vars AutomateDV reads (hash, hash_content_casing,
    null_placeholder_string, concat_string), so it works with the hub release and dvkit's built-in
    implementation alike. On PostgreSQL and on Spark (the digest and the text type dispatch).
-#}
{%- macro dvkit_hashdiff(payload, added) -%}
    {%- if not added -%}
        {{- exceptions.raise_compiler_error("dvkit_hashdiff: no added columns; use AutomateDV's hashdiff") -}}
    {%- endif -%}
    {%- set null_mark = "'" ~ var('null_placeholder_string', '^^') ~ "'" -%}
    {%- set separator = "'" ~ var('concat_string', '||') ~ "'" -%}

    {%- set base = [] -%}
    {%- for column in payload | sort(case_sensitive=false) -%}
        {%- do base.append("coalesce(" ~ dvkit_standard_value(column) ~ ", " ~ null_mark ~ ")") -%}
    {%- endfor -%}

    {#- One branch per added column that can be the last one present: its value and every earlier
        one (NULL written as the marker); no branch matches when all of them are NULL. -#}
    {%- set branches = [] -%}
    {%- for last in range(added | length, 0, -1) -%}
        {%- set parts = ["''"] -%}
        {%- for column in added[:last] -%}
            {%- do parts.append("coalesce(" ~ dvkit_standard_value(column) ~ ", " ~ null_mark ~ ")") -%}
        {%- endfor -%}
        {%- do branches.append("when " ~ dvkit_standard_value(added[last - 1]) ~ " is not null then concat_ws("
                               ~ separator ~ ", " ~ parts | join(", ") ~ ")") -%}
    {%- endfor -%}

    {%- set text_expression = "concat(concat_ws(" ~ separator ~ ",\n            " ~ base | join(",\n            ")
                              ~ "\n        ),\n        case\n            " ~ branches | join("\n            ")
                              ~ "\n            else ''\n        end)" -%}

    {{- return(dvkit_digest(text_expression)) -}}
{%- endmacro -%}


{#- The digest of a text expression as raw bytes, by var('hash'): MD5 (16 bytes) or SHA-256 (32). -#}
{%- macro dvkit_digest(text_expression) -%}
    {%- set algorithm = var('hash', 'MD5') | string | upper -%}
    {%- if algorithm not in ['MD5', 'SHA', 'SHA256', 'SHA-256'] -%}
        {{- exceptions.raise_compiler_error("dvkit_hashdiff: var 'hash' must be MD5 or SHA, got '"
                                            ~ algorithm ~ "'") -}}
    {%- endif -%}
    {{- return(adapter.dispatch('dvkit_digest')(text_expression, algorithm == 'MD5')) -}}
{%- endmacro -%}

{%- macro default__dvkit_digest(text_expression, is_md5) -%}
    {%- if is_md5 -%}
        {{- return("decode(md5(" ~ text_expression ~ "), 'hex')") -}}
    {%- endif -%}
    {{- return("sha256(convert_to(" ~ text_expression ~ ", 'UTF8'))") -}}
{%- endmacro -%}

{#- Spark: md5() and sha2() hash the string's UTF-8 bytes and return hex, unhex() the raw bytes. -#}
{%- macro spark__dvkit_digest(text_expression, is_md5) -%}
    {%- if is_md5 -%}
        {{- return("unhex(md5(" ~ text_expression ~ "))") -}}
    {%- endif -%}
    {{- return("unhex(sha2(" ~ text_expression ~ ", 256))") -}}
{%- endmacro -%}


{#- A value as AutomateDV hashes it: text, spaces trimmed, upper case (unless hash_content_casing is
    DISABLED), '' as NULL. -#}
{%- macro dvkit_standard_value(column) -%}
    {%- set text = "cast(" ~ column ~ " as " ~ adapter.dispatch('dvkit_text_type')() ~ ")" -%}
    {%- if var('hash_content_casing', 'UPPER') | upper == 'DISABLED' -%}
        {{- return("nullif(trim(" ~ text ~ "), '')") -}}
    {%- endif -%}
    {{- return("nullif(upper(trim(" ~ text ~ ")), '')") -}}
{%- endmacro -%}

{#- PostgreSQL's unbounded VARCHAR; Spark wants a length there, and calls unbounded text STRING. -#}
{%- macro default__dvkit_text_type() -%}
    {{- return('varchar') -}}
{%- endmacro -%}

{%- macro spark__dvkit_text_type() -%}
    {{- return('string') -}}
{%- endmacro -%}
