{#- One row per payment of the current payment set of each order. The payments satellite is
    multi-active: a change to any payment stores the whole set again, so the current set is every
    row of the order's latest load time. -#}
with orders as (

    select
        order_hk,
        order_id
    from {{ source('raw_vault', 'hub_order') }}

),

current_payments as (

    {{ dvkit_current_rows(source('raw_vault', 'ma_sat_order_payments'), 'order_hk',
                          ['payment_sequential', 'payment_type', 'payment_installments', 'payment_value'],
                          multi_active=true) }}

),

final as (

    select
        orders.order_id,
        current_payments.payment_sequential,
        current_payments.payment_type,
        current_payments.payment_installments,
        {{ dvkit_money('current_payments.payment_value') }} as payment_value
    from current_payments
    inner join orders
        on current_payments.order_hk = orders.order_hk

)

select * from final
