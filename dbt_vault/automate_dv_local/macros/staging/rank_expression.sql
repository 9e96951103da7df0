{#-
    The window expression of one ranked column: {'partition_by': columns, 'order_by': columns,
    'dense_rank': false}. order_by may name columns, or map a column to 'ASC'/'DESC'.
-#}
{%- macro rank_expression(alias, definition) -%}
    {%- if definition is not mapping or 'order_by' not in definition -%}
        {{- exceptions.raise_compiler_error(
            "automate_dv.stage: ranked column '" ~ alias ~ "' needs at least 'order_by', got "
            ~ (definition | string)) -}}
    {%- endif -%}

    {%- set order_terms = [] -%}
    {%- set order_by = definition['order_by'] -%}
    {%- for item in ([order_by] if order_by is mapping else automate_dv.as_list(order_by)) -%}
        {%- if item is mapping -%}
            {%- for column, direction in item.items() -%}
                {%- if direction | upper not in ['ASC', 'DESC'] -%}
                    {{- exceptions.raise_compiler_error(
                        "automate_dv.stage: ranked column '" ~ alias ~ "': order direction must be ASC or DESC, got "
                        ~ direction) -}}
                {%- endif -%}
                {%- do order_terms.append(column ~ " " ~ direction | lower) -%}
            {%- endfor -%}
        {%- else -%}
            {%- do order_terms.append(item) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- set partition_by = automate_dv.as_list(definition.get('partition_by')) -%}
    {%- set function = 'dense_rank' if definition.get('dense_rank', false) else 'rank' -%}
    {{- return(function ~ "() over ("
               ~ ("partition by " ~ partition_by | join(", ") ~ " " if partition_by else "")
               ~ "order by " ~ order_terms | join(", ") ~ ")") -}}
{%- endmacro -%}
