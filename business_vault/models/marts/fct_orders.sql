{#- One row per order of hub_order in its current state: the latest version of its status, the
    person who holds it now (the order-customer relationship in force) and where that person
    lives now, its item count, and the business rules of bsat_order_value and
    bsat_order_delivery (the latest version of each), and whether the source still delivers it
    (sts_order). An order whose customer row has not arrived (or was quarantined) points at
    dim_customer's unknown member (dvkit_unknown_key()); the build that brings the customer row,
    with the order again or alone, links it. -#}
with orders as (

    select
        order_hk,
        order_id
    from {{ source('raw_vault', 'hub_order') }}

),

current_status as (

    {{ dvkit_current_rows(source('raw_vault', 'sat_order_status'), 'order_hk', [
        'order_status',
        'order_purchase_timestamp',
        'order_approved_at',
        'order_delivered_carrier_date',
        'order_delivered_customer_date',
        'order_estimated_delivery_date',
    ]) }}

),

current_source_status as (

    {#- Whether the orders extract still delivers the order: its latest status-tracking row. #}
    {{ dvkit_current_rows(source('raw_vault', 'sts_order'), 'order_hk', ['status', 'load_datetime']) }}

),

latest_order_customer_rows as (

    {#- The order is the driving key: its latest row tells which relationship is in force. When the
        customer changes, the closing row of the old relationship and the opening row of the new
        one share a load time; the open one (end date 9999-12-31) sorts first. #}
    {{ dvkit_current_rows(source('raw_vault', 'eff_sat_order_customer'), 'order_hk', ['customer_hk', 'end_date'],
                          tie_breakers=['end_date desc']) }}

),

linked_order_customers as (

    {#- For an order the effectivity satellite holds no row of: the relationship the link learned
        last. An order staged before its customer row arrived is linked when that row arrives,
        alone or not (the link also reads the orders a later delivery resolves), while no delivery
        of the order opened a relationship in the effectivity satellite. #}
    {{ dvkit_current_rows(source('raw_vault', 'link_order_customer'), 'order_hk', ['customer_hk'],
                          tie_breakers=['customer_hk']) }}

),

customers as (

    select
        customer_hk,
        customer_unique_id
    from {{ source('raw_vault', 'hub_customer') }}

),

current_customer_locations as (

    {{ dvkit_current_rows(source('raw_vault', 'sat_customer_location'), 'customer_hk', ['customer_state']) }}

),

order_items as (

    select
        order_item_hk,
        order_hk
    from {{ source('raw_vault', 'link_order_item') }}

),

current_delivery as (

    {{ dvkit_current_rows(ref('bsat_order_delivery'), 'order_hk', ['days_to_deliver', 'delivered_late', 'days_late']) }}

),

order_values as (

    select
        order_hk,
        items_value,
        freight_value,
        order_value,
        payment_value,
        is_mismatch
    from {{ ref('bsat_order_value') }}

),

current_order_customers as (

    select
        order_hk,
        customer_hk
    from latest_order_customer_rows
    where end_date = {{ dbt.cast("'9999-12-31 00:00:00'", dbt.type_timestamp()) }}

    union all

    select
        order_hk,
        customer_hk
    from linked_order_customers
    where not exists (
        select 1 from latest_order_customer_rows
        where latest_order_customer_rows.order_hk = linked_order_customers.order_hk
    )

),

customer_profiles as (

    select
        customers.customer_hk,
        customers.customer_unique_id,
        current_customer_locations.customer_state
    from customers
    left join current_customer_locations
        on customers.customer_hk = current_customer_locations.customer_hk

),

item_counts as (

    select
        order_hk,
        count(*) as item_count
    from order_items
    group by order_hk

),

final as (

    select
        orders.order_id,
        coalesce(customer_profiles.customer_unique_id, {{ dvkit_unknown_key() }}) as customer_unique_id,
        {#- An order can be known from a review, item or payment before the orders extract
            delivers it (a review dated before the purchase): say so instead of leaving NULL. #}
        coalesce(current_status.order_status, 'not_received') as order_status,
        current_status.order_purchase_timestamp as purchased_at,
        cast(current_status.order_purchase_timestamp as date) as purchase_date,
        cast({{ dbt.date_trunc("month", "current_status.order_purchase_timestamp") }} as date) as purchase_month,
        current_status.order_approved_at as approved_at,
        current_status.order_delivered_carrier_date as delivered_carrier_at,
        current_status.order_delivered_customer_date as delivered_customer_at,
        current_status.order_estimated_delivery_date as estimated_delivery_at,
        customer_profiles.customer_state,
        coalesce(item_counts.item_count, 0) as item_count,
        order_values.items_value,
        order_values.freight_value,
        order_values.order_value,
        order_values.payment_value,
        order_values.is_mismatch as is_payment_mismatch,
        current_status.order_delivered_customer_date is not null as is_delivered,
        current_delivery.days_to_deliver,
        current_delivery.delivered_late as is_late,
        current_delivery.days_late,
        {#- Purged at the source: the vault keeps every version, the mart says the order is gone. #}
        coalesce(current_source_status.status = 'deleted', false) as is_deleted,
        case when current_source_status.status = 'deleted' then current_source_status.load_datetime end
            as deleted_at
    from orders
    left join current_status
        on orders.order_hk = current_status.order_hk
    left join current_order_customers
        on orders.order_hk = current_order_customers.order_hk
    left join customer_profiles
        on current_order_customers.customer_hk = customer_profiles.customer_hk
    left join item_counts
        on orders.order_hk = item_counts.order_hk
    left join order_values
        on orders.order_hk = order_values.order_hk
    left join current_delivery
        on orders.order_hk = current_delivery.order_hk
    left join current_source_status
        on orders.order_hk = current_source_status.order_hk

)

select * from final
