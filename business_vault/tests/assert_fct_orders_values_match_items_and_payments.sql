{#- The order values of fct_orders (from bsat_order_value) must equal the sums of the order's rows
    in fct_order_items and fct_payments: the two paths through the vault agree. Returns the orders
    where they do not. -#}
with orders as (

    select
        order_id,
        items_value,
        freight_value,
        payment_value
    from {{ ref('fct_orders') }}

),

order_items as (

    select
        order_id,
        sum(price) as items_value,
        sum(freight_value) as freight_value
    from {{ ref('fct_order_items') }}
    group by order_id

),

payments as (

    select
        order_id,
        sum(payment_value) as payment_value
    from {{ ref('fct_payments') }}
    group by order_id

)

select
    orders.order_id,
    orders.items_value,
    order_items.items_value as items_value_of_items,
    orders.freight_value,
    order_items.freight_value as freight_value_of_items,
    orders.payment_value,
    payments.payment_value as payment_value_of_payments
from orders
left join order_items
    on orders.order_id = order_items.order_id
left join payments
    on orders.order_id = payments.order_id
where orders.items_value <> coalesce(order_items.items_value, 0)
    or orders.freight_value <> coalesce(order_items.freight_value, 0)
    or orders.payment_value <> coalesce(payments.payment_value, 0)
