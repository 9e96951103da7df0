{#- Delivery rules are NULL until an order is delivered, and days_late agrees with is_late
    (positive when late, 0 when on time). Returns the orders that break this. -#}
select
    order_id,
    is_delivered,
    days_to_deliver,
    is_late,
    days_late
from {{ ref('fct_orders') }}
where (not is_delivered and (days_to_deliver is not null or is_late is not null or days_late is not null))
    or (is_late and days_late <= 0)
    or (not is_late and days_late <> 0)
