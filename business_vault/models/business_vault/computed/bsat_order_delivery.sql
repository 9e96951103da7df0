{#- Delivery performance of an order, computed for every version of its status (so the history of
    the rule follows the history of the raw satellite). Day counts are calendar-day boundaries
    (dbt.datediff 'day'), the same on every warehouse. -#}
with order_status as (

    select
        order_hk,
        load_datetime,
        order_purchase_timestamp,
        order_delivered_customer_date,
        order_estimated_delivery_date
    from {{ source('raw_vault', 'sat_order_status') }}
    where record_source <> 'AUTOMATE_DV_SYSTEM'

),

day_counts as (

    select
        order_hk,
        load_datetime,
        case
            when order_delivered_customer_date is not null
                then {{ dbt.datediff("order_purchase_timestamp", "order_delivered_customer_date", "day") }}
        end as days_to_deliver,
        case
            when order_delivered_customer_date is not null
                then {{ dbt.datediff("order_estimated_delivery_date", "order_delivered_customer_date", "day") }}
        end as days_past_estimate
    from order_status

),

final as (

    select
        order_hk,
        load_datetime,
        'dvkit.business_rule' as record_source,
        days_to_deliver,
        days_past_estimate > 0 as delivered_late,
        case
            when days_past_estimate > 0 then days_past_estimate
            when days_past_estimate is not null then 0
        end as days_late
    from day_counts

)

select * from final
