{#-
    The few pieces of SQL that differ between the platforms dvkit builds on, each dispatched so that
    the table macros are written once: default__ is PostgreSQL's spelling (the adapter the package was
    written for), spark__ in supporting/spark/. The table macros of other adapters refuse to run
    before any of these is reached (unsupported_adapter).

    - type_timestamp(): a load time's type, a timestamp without time zone;
    - type_string(): text of any length;
    - type_binary(): raw bytes (hash keys and hashdiffs);
    - timestamp_literal('1900-01-01 00:00:00'): a constant of type_timestamp();
    - string_literal_typed('X'): a string constant whose type is type_string() (an untyped literal
      would give a union's column a narrower type on PostgreSQL);
    - text_cast(expression): any value as text, the way hashing reads it;
    - sorted_array_agg(expression): the values of a group as an array in ascending order.
-#}

{%- macro type_timestamp() -%}
    {{- return(adapter.dispatch('type_timestamp', 'automate_dv')()) -}}
{%- endmacro -%}

{%- macro default__type_timestamp() -%}
    {{- return('timestamp') -}}
{%- endmacro -%}


{%- macro type_string() -%}
    {{- return(adapter.dispatch('type_string', 'automate_dv')()) -}}
{%- endmacro -%}

{%- macro default__type_string() -%}
    {{- return('text') -}}
{%- endmacro -%}


{%- macro type_binary() -%}
    {{- return(adapter.dispatch('type_binary', 'automate_dv')()) -}}
{%- endmacro -%}

{%- macro default__type_binary() -%}
    {{- return('bytea') -}}
{%- endmacro -%}


{%- macro timestamp_literal(text) -%}
    {{- return(adapter.dispatch('timestamp_literal', 'automate_dv')(text)) -}}
{%- endmacro -%}

{%- macro default__timestamp_literal(text) -%}
    {{- return("timestamp " ~ automate_dv.sql_string(text)) -}}
{%- endmacro -%}


{%- macro string_literal_typed(text) -%}
    {{- return(adapter.dispatch('string_literal_typed', 'automate_dv')(text)) -}}
{%- endmacro -%}

{%- macro default__string_literal_typed(text) -%}
    {{- return("text " ~ automate_dv.sql_string(text)) -}}
{%- endmacro -%}


{%- macro text_cast(expression) -%}
    {{- return(adapter.dispatch('text_cast', 'automate_dv')(expression)) -}}
{%- endmacro -%}

{%- macro default__text_cast(expression) -%}
    {{- return("cast(" ~ expression ~ " as varchar)") -}}
{%- endmacro -%}


{%- macro sorted_array_agg(expression) -%}
    {{- return(adapter.dispatch('sorted_array_agg', 'automate_dv')(expression)) -}}
{%- endmacro -%}

{%- macro default__sorted_array_agg(expression) -%}
    {{- return("array_agg(" ~ expression ~ " order by " ~ expression ~ ")") -}}
{%- endmacro -%}
