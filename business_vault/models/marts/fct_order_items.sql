{#- One row per order item (order_id, order_item_id): the product, the seller that ships it and the
    current version of its price, freight and shipping deadline, with the purchase date of its
    order's current status. An item whose product or seller is not in the vault points at the
    dimension's unknown member (dvkit_unknown_key()) instead of being dropped. -#}
with order_items as (

    select
        order_item_hk,
        order_hk,
        product_hk,
        seller_hk,
        order_item_id
    from {{ source('raw_vault', 'link_order_item') }}

),

orders as (

    select
        order_hk,
        order_id
    from {{ source('raw_vault', 'hub_order') }}

),

products as (

    select
        product_hk,
        product_id
    from {{ source('raw_vault', 'hub_product') }}

),

sellers as (

    select
        seller_hk,
        seller_id
    from {{ source('raw_vault', 'hub_seller') }}

),

current_prices as (

    {{ dvkit_current_rows(source('raw_vault', 'sat_order_item_price'), 'order_item_hk',
                          ['price', 'freight_value', 'shipping_limit_date']) }}

),

current_status as (

    {{ dvkit_current_rows(source('raw_vault', 'sat_order_status'), 'order_hk', ['order_purchase_timestamp']) }}

),

final as (

    select
        orders.order_id,
        order_items.order_item_id,
        coalesce(products.product_id, {{ dvkit_unknown_key() }}) as product_id,
        coalesce(sellers.seller_id, {{ dvkit_unknown_key() }}) as seller_id,
        current_prices.shipping_limit_date as shipping_limit_at,
        {{ dvkit_money('current_prices.price') }} as price,
        {{ dvkit_money('current_prices.freight_value') }} as freight_value,
        cast(current_status.order_purchase_timestamp as date) as purchase_date
    from order_items
    inner join orders
        on order_items.order_hk = orders.order_hk
    left join products
        on order_items.product_hk = products.product_hk
    left join sellers
        on order_items.seller_hk = sellers.seller_hk
    left join current_prices
        on order_items.order_item_hk = current_prices.order_item_hk
    left join current_status
        on order_items.order_hk = current_status.order_hk

)

select * from final
