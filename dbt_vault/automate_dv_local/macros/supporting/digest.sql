{#-
    The digest of a text expression, as raw bytes (bytea): var('hash') 'MD5' (16 bytes, the default)
    or 'SHA' (SHA-256, 32 bytes). NULL in, NULL out.
    SHA-256 hashes the UTF-8 bytes of the text (convert_to): a plain text -> bytea cast would read
    backslashes as escapes and fail on values such as 'c:\temp'.
-#}
{%- macro digest(text_expression) -%}
    {{- return(adapter.dispatch('digest', 'automate_dv')(text_expression)) -}}
{%- endmacro -%}


{%- macro default__digest(text_expression) -%}
    {%- set algorithm = var('hash', 'MD5') | string | upper -%}
    {%- if algorithm == 'MD5' -%}
        {{- return("decode(md5(" ~ text_expression ~ "), 'hex')") -}}
    {%- elif algorithm in ['SHA', 'SHA256', 'SHA-256'] -%}
        {{- return("sha256(convert_to(" ~ text_expression ~ ", 'UTF8'))") -}}
    {%- else -%}
        {{- exceptions.raise_compiler_error(
            "automate_dv: var 'hash' must be MD5 or SHA, got '" ~ algorithm ~ "'") -}}
    {%- endif -%}
{%- endmacro -%}
