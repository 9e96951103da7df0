{#-
    The key and hashdiff of a ghost record: the character '0' repeated as many times as the digest has
    hex digits (32 for MD5, 64 for SHA-256), stored as those ASCII bytes - not as zero bytes.
-#}
{%- macro ghost_key() -%}
    {{- return(adapter.dispatch('ghost_key', 'automate_dv')()) -}}
{%- endmacro -%}

{%- macro ghost_key_digits() -%}
    {{- return(32 if (var('hash', 'MD5') | string | upper) == 'MD5' else 64) -}}
{%- endmacro -%}

{%- macro default__ghost_key() -%}
    {{- return("convert_to(repeat('0', " ~ automate_dv.ghost_key_digits() ~ "), 'UTF8')") -}}
{%- endmacro -%}
