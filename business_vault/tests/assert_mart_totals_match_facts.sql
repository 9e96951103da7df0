{#- The aggregate marts add up to their facts: the scorecard's items, revenue and freight to
    fct_order_items, the monthly SLA's delivered and late orders, with those the small-cell rule
    leaves out (dvkit_min_cell_rows with keep='suppressed'), to fct_orders. Returns one row per
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

deliveries as (

    select
        cast({{ dbt.date_trunc("month", "delivered_customer_at") }} as date) as delivery_month,
        coalesce(customer_state, '(unknown)') as customer_state,
        customer_unique_id,
        is_late
    from {{ ref('fct_orders') }}
    where is_delivered

),

suppressed_deliveries as (

    {{ dvkit_min_cell_rows('deliveries', ['delivery_month'], 'customer_state', 'customer_unique_id', ['is_late'],
                           keep='suppressed') }}

),

suppressed as (

    select
        count(*) as delivered_orders,
        sum(case when is_late then 1 else 0 end) as late_orders
    from suppressed_deliveries

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
    select 'delivered_orders', coalesce(sla.delivered_orders, 0) + suppressed.delivered_orders, orders.delivered_orders
    from sla cross join suppressed cross join orders
    union all
    select 'late_orders', coalesce(sla.late_orders, 0) + coalesce(suppressed.late_orders, 0), orders.late_orders
    from sla cross join suppressed cross join orders

)

select *
from differences
where coalesce(mart_value, 0) <> coalesce(fact_value, 0)
