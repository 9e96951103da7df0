{#- One row per seller that has sold at least one item: volume, revenue, the reviews of the orders
    it took part in, and how those orders were delivered. An order with items of several sellers
    counts for each of them (its delivery and its reviews included). -#}
with order_items as (

    select
        order_id,
        seller_id,
        price,
        freight_value
    from {{ ref('fct_order_items') }}

),

orders as (

    select
        order_id,
        is_delivered,
        is_late
    from {{ ref('fct_orders') }}

),

reviews as (

    select
        review_id,
        order_id,
        review_score
    from {{ ref('fct_reviews') }}

),

sellers as (

    select
        seller_id,
        seller_city,
        seller_state
    from {{ ref('dim_seller') }}

),

seller_sales as (

    select
        seller_id,
        count(distinct order_id) as orders,
        count(*) as items_sold,
        sum(price) as revenue,
        sum(freight_value) as freight_value
    from order_items
    group by seller_id

),

seller_orders as (

    select distinct
        seller_id,
        order_id
    from order_items

),

seller_deliveries as (

    select
        seller_orders.seller_id,
        sum(case when orders.is_delivered then 1 else 0 end) as delivered_orders,
        sum(case when orders.is_late then 1 else 0 end) as late_orders
    from seller_orders
    inner join orders
        on seller_orders.order_id = orders.order_id
    group by seller_orders.seller_id

),

seller_reviews as (

    select
        seller_orders.seller_id,
        avg(reviews.review_score) as avg_review_score,
        count(*) as reviews
    from seller_orders
    inner join reviews
        on seller_orders.order_id = reviews.order_id
    group by seller_orders.seller_id

),

final as (

    select
        seller_sales.seller_id,
        sellers.seller_city,
        sellers.seller_state,
        seller_sales.orders,
        seller_sales.items_sold,
        seller_sales.revenue,
        seller_sales.freight_value,
        coalesce(seller_reviews.reviews, 0) as reviews,
        round(seller_reviews.avg_review_score, 2) as avg_review_score,
        coalesce(seller_deliveries.delivered_orders, 0) as delivered_orders,
        coalesce(seller_deliveries.late_orders, 0) as late_orders,
        round(
            {{ dbt.cast("seller_deliveries.late_orders", dbt.type_numeric()) }}
                / nullif(seller_deliveries.delivered_orders, 0),
            4
        ) as late_rate
    from seller_sales
    left join sellers
        on seller_sales.seller_id = sellers.seller_id
    left join seller_deliveries
        on seller_sales.seller_id = seller_deliveries.seller_id
    left join seller_reviews
        on seller_sales.seller_id = seller_reviews.seller_id

)

select * from final
