{#-
    The form every value takes before it is hashed: text, surrounding spaces trimmed (spaces only:
    tabs and newlines stay), upper case; an empty result counts as NULL.
    Numbers and timestamps hash in PostgreSQL's text form of their staged type (123.50 stays 123.50,
    timestamps read YYYY-MM-DD HH:MM:SS under the default ISO DateStyle); Spark's text form of
    decimals, integers, dates, timestamps and booleans is the same (text_cast).
    var('hash_content_casing') = 'DISABLED' keeps the case, as in AutomateDV.
-#}
{%- macro standard_value(column) -%}
    {%- if var('hash_content_casing', 'UPPER') | upper == 'DISABLED' -%}
        {{- "nullif(trim(" ~ automate_dv.text_cast(column) ~ "), '')" -}}
    {%- else -%}
        {{- "nullif(upper(trim(" ~ automate_dv.text_cast(column) ~ ")), '')" -}}
    {%- endif -%}
{%- endmacro -%}
