{#-
    Hashing on Spark: the same pre-image string as on PostgreSQL (standard_value, hash), hashed to
    the same raw bytes (BINARY). md5() and sha2() hash the UTF-8 bytes of a string and return hex
    text; unhex() turns that into the 16 (MD5) or 32 (SHA-256) bytes PostgreSQL stores.
-#}
{%- macro spark__digest(text_expression) -%}
    {%- set algorithm = var('hash', 'MD5') | string | upper -%}
    {%- if algorithm == 'MD5' -%}
        {{- return("unhex(md5(" ~ text_expression ~ "))") -}}
    {%- elif algorithm in ['SHA', 'SHA256', 'SHA-256'] -%}
        {{- return("unhex(sha2(" ~ text_expression ~ ", 256))") -}}
    {%- else -%}
        {{- exceptions.raise_compiler_error(
            "automate_dv: var 'hash' must be MD5 or SHA, got '" ~ algorithm ~ "'") -}}
    {%- endif -%}
{%- endmacro -%}


{#- The ghost key's ASCII '0's as bytes: a string cast to BINARY is its UTF-8 bytes. -#}
{%- macro spark__ghost_key() -%}
    {{- return("cast(repeat('0', " ~ automate_dv.ghost_key_digits() ~ ") as binary)") -}}
{%- endmacro -%}


{#- Spark reads a backslash in a string literal as an escape ('c:\temp' would hold a tab): both
    backslashes and single quotes are escaped with one, so the literal holds the text as given. -#}
{%- macro spark__sql_string(text) -%}
    {{- return("'" ~ (text | string | replace("\\", "\\\\") | replace("'", "\\'")) ~ "'") -}}
{%- endmacro -%}


{#- The hash key or hashdiff: PostgreSQL's macro, whose platform pieces (text_cast, digest,
    sql_string) dispatch to the spark__ spellings above. -#}
{%- macro spark__hash(columns, alias, is_hashdiff, columns_to_escape) -%}
    {{- automate_dv.postgres__hash(columns=columns, alias=alias, is_hashdiff=is_hashdiff,
                                   columns_to_escape=columns_to_escape) -}}
{%- endmacro -%}
