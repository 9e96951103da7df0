{#- Like dbt's relationships test, but only the rows of `to` that meet `to_condition` count as
    parents (a fact's customer must be a current row of a history dimension, say). Fails for every
    non-NULL value of the column without such a parent. -#}
{% test dvkit_relationship_where(model, column_name, to, field, to_condition) %}

with children as (

    select {{ column_name }} as child_value
    from {{ model }}
    where {{ column_name }} is not null

),

parents as (

    select {{ field }} as parent_value
    from {{ to }}
    where {{ to_condition }}

)

select children.child_value
from children
left join parents
    on children.child_value = parents.parent_value
where parents.parent_value is null

{% endtest %}
