{#- What an order is worth (its items and freight) against what was paid for it, in the current
    state of every order of hub_order: the current version of each item's price and the current
    set of payments (all rows of the order's latest payment load). Missing items or payments
    count as 0, so an order paid without items shows as a mismatch. -#}
with orders as (

    select
        order_hk,
        load_datetime
    from {{ source('raw_vault', 'hub_order') }}

),

order_items as (

    select
        order_item_hk,
        order_hk
    from {{ source('raw_vault', 'link_order_item') }}

),

current_item_prices as (

    {{ dvkit_current_rows(source('raw_vault', 'sat_order_item_price'), 'order_item_hk',
                          ['price', 'freight_value', 'load_datetime']) }}

),

current_payments as (

    {{ dvkit_current_rows(source('raw_vault', 'ma_sat_order_payments'), 'order_hk',
                          ['payment_value', 'load_datetime'], multi_active=true) }}

),

item_totals as (

    select
        order_items.order_hk,
        sum({{ dvkit_money('current_item_prices.price') }}) as items_value,
        sum({{ dvkit_money('current_item_prices.freight_value') }}) as freight_value,
        max(current_item_prices.load_datetime) as load_datetime
    from order_items
    inner join current_item_prices
        on order_items.order_item_hk = current_item_prices.order_item_hk
    group by order_items.order_hk

),

payment_totals as (

    select
        order_hk,
        sum({{ dvkit_money('payment_value') }}) as payment_value,
        max(load_datetime) as load_datetime
    from current_payments
    group by order_hk

),

used_load_times as (

    select order_hk, load_datetime from orders
    union all
    select order_hk, load_datetime from item_totals
    union all
    select order_hk, load_datetime from payment_totals

),

latest_load_times as (

    select
        order_hk,
        max(load_datetime) as load_datetime
    from used_load_times
    group by order_hk

),

order_values as (

    select
        orders.order_hk,
        latest_load_times.load_datetime,
        coalesce(item_totals.items_value, 0) as items_value,
        coalesce(item_totals.freight_value, 0) as freight_value,
        coalesce(payment_totals.payment_value, 0) as payment_value
    from orders
    inner join latest_load_times
        on orders.order_hk = latest_load_times.order_hk
    left join item_totals
        on orders.order_hk = item_totals.order_hk
    left join payment_totals
        on orders.order_hk = payment_totals.order_hk

),

final as (

    select
        order_hk,
        load_datetime,
        'dvkit.business_rule' as record_source,
        items_value,
        freight_value,
        items_value + freight_value as order_value,
        payment_value,
        payment_value - (items_value + freight_value) as value_difference,
        abs(payment_value - (items_value + freight_value)) > 0.01 as is_mismatch
    from order_values

)

select * from final
