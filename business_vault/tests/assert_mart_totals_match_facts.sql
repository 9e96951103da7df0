{#- The aggregate marts add up to their facts: the scorecard's items, revenue and freight to
    fct_order_items, the monthly SLA's delivered and late orders to fct_orders. Returns one row per
    total that differs. -#}
with scorecard as (

    select
        sum(items_sold) as items_sold,
        sum(revenue) as revenue,
        sum(freight_value) as freight_value
    from {{ ref('mart_seller_scorecard') }}

),

order_items as (

    select
        count(*) as items_sold,
        sum(price) as revenue,
        sum(freight_value) as freight_value
    from {{ ref('fct_order_items') }}

),

sla as (

    select
        sum(delivered_orders) as delivered_orders,
        sum(late_orders) as late_orders
    from {{ ref('mart_delivery_sla_monthly') }}

),

orders as (

    select
        sum(case when is_delivered then 1 else 0 end) as delivered_orders,
        sum(case when is_late then 1 else 0 end) as late_orders
    from {{ ref('fct_orders') }}

),

differences as (

    select 'items_sold' as total, scorecard.items_sold as mart_value, order_items.items_sold as fact_value
    from scorecard cross join order_items
    union all
    select 'revenue', scorecard.revenue, order_items.revenue
    from scorecard cross join order_items
    union all
    select 'freight_value', scorecard.freight_value, order_items.freight_value
    from scorecard cross join order_items
    union all
    select 'delivered_orders', sla.delivered_orders, orders.delivered_orders
    from sla cross join orders
    union all
    select 'late_orders', sla.late_orders, orders.late_orders
    from sla cross join orders

)

select *
from differences
where coalesce(mart_value, 0) <> coalesce(fact_value, 0)
