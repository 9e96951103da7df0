{#- The small-cell rule holds: the column counting the distinct persons behind each row of an
    aggregate mart is never below var('dvkit_min_cell_size') (nor NULL). Fails for every row that
    would single out fewer persons. -#}
{% test dvkit_min_cell_size(model, column_name) %}

select {{ column_name }} as persons
from {{ model }}
where {{ column_name }} is null
    or {{ column_name }} < {{ var('dvkit_min_cell_size') | int }}

{% endtest %}
