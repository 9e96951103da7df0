{#-
    The null_columns parameter as a list of {'column', 'placeholder'}: required keys get
    var('null_key_required', '-1'), optional keys var('null_key_optional', '-2').
-#}
{%- macro null_column_keys(null_columns) -%}
    {%- set keys = [] -%}
    {%- if null_columns is none -%}
        {{- return(keys) -}}
    {%- endif -%}
    {%- if null_columns is not mapping -%}
        {{- exceptions.raise_compiler_error(
            "automate_dv.stage: null_columns must be a mapping with 'required' and/or 'optional', got "
            ~ (null_columns | string)) -}}
    {%- endif -%}
    {%- for kind in null_columns.keys() -%}
        {%- if kind not in ['required', 'optional'] -%}
            {{- exceptions.raise_compiler_error(
                "automate_dv.stage: null_columns accepts 'required' and 'optional', not '" ~ kind ~ "'") -}}
        {%- endif -%}
    {%- endfor -%}
    {%- for column in automate_dv.as_list(null_columns.get('required')) -%}
        {%- do keys.append({'column': column, 'placeholder': var('null_key_required', '-1')}) -%}
    {%- endfor -%}
    {%- for column in automate_dv.as_list(null_columns.get('optional')) -%}
        {%- do keys.append({'column': column, 'placeholder': var('null_key_optional', '-2')}) -%}
    {%- endfor -%}
    {{- return(keys) -}}
{%- endmacro -%}
