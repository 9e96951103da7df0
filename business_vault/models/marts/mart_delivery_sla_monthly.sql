{#- Delivery service level per month of delivery to the customer and customer state (where the
    customer lives now; '(unknown)' without a location). Only delivered orders count; late means
    delivered on a later calendar day than the estimated delivery date. A state is about persons,
    so the small-cell rule (dvkit_min_cell_rows) applies: the states of a month with fewer than
    var('dvkit_min_cell_size') customers are merged into one '(other)' row, and an '(other)' still
    below it is left out. -#}
with orders as (

    select
        order_id,
        customer_unique_id,
        customer_state,
        delivered_customer_at,
        is_late,
        days_to_deliver
    from {{ ref('fct_orders') }}
    where is_delivered

),

deliveries as (

    select
        cast({{ dbt.date_trunc("month", "delivered_customer_at") }} as date) as delivery_month,
        coalesce(customer_state, '(unknown)') as customer_state,
        customer_unique_id,
        is_late,
        days_to_deliver
    from orders

),

shown_deliveries as (

    {{ dvkit_min_cell_rows('deliveries', ['delivery_month'], 'customer_state', 'customer_unique_id',
                           ['is_late', 'days_to_deliver']) }}

),

monthly as (

    select
        delivery_month,
        customer_state,
        count(distinct customer_unique_id) as customers,
        count(*) as delivered_orders,
        sum(case when is_late then 1 else 0 end) as late_orders,
        avg(days_to_deliver) as avg_days_to_deliver
    from shown_deliveries
    group by delivery_month, customer_state

),

final as (

    select
        delivery_month,
        customer_state,
        customers,
        delivered_orders,
        late_orders,
        round({{ dbt.cast("late_orders", dbt.type_numeric()) }} / delivered_orders, 4) as late_rate,
        round(avg_days_to_deliver, 2) as avg_days_to_deliver
    from monthly

)

select * from final
