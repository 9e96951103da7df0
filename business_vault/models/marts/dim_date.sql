{#- One row per calendar day, from 1 January of the year of the first order purchase to
    31 December of the year of the latest order timestamp (estimated deliveries included), so that
    every purchase and delivery date of the marts has its day. The spine is a cross join of
    digits (up to 10,000 days, about 27 years) rather than a warehouse-specific series generator.
    The ISO week (weeks start on Monday; week 1 holds the year's first Thursday) is computed from
    day counts, the same way on every warehouse. -#}
with order_status as (

    select
        order_purchase_timestamp,
        order_approved_at,
        order_delivered_carrier_date,
        order_delivered_customer_date,
        order_estimated_delivery_date
    from {{ source('raw_vault', 'sat_order_status') }}
    where record_source <> 'AUTOMATE_DV_SYSTEM'

),

order_timestamps as (

    select order_purchase_timestamp as happened_at from order_status
    union all
    select order_approved_at as happened_at from order_status
    union all
    select order_delivered_carrier_date as happened_at from order_status
    union all
    select order_delivered_customer_date as happened_at from order_status
    union all
    select order_estimated_delivery_date as happened_at from order_status

),

first_purchase as (

    select min(order_purchase_timestamp) as first_purchase_at
    from order_status

),

last_timestamp as (

    select max(happened_at) as last_happened_at
    from order_timestamps

),

bounds as (

    select
        cast({{ dbt.date_trunc("year", "first_purchase_at") }} as date) as first_day,
        cast(
            {{ dbt.dateadd("day", "-1", dbt.dateadd("year", "1", dbt.date_trunc("year", "last_happened_at"))) }}
            as date
        ) as last_day
    from first_purchase
    cross join last_timestamp
    where first_purchase.first_purchase_at is not null

),

digits as (

    select 0 as digit
    union all select 1
    union all select 2
    union all select 3
    union all select 4
    union all select 5
    union all select 6
    union all select 7
    union all select 8
    union all select 9

),

day_numbers as (

    select
        units.digit + 10 * tens.digit + 100 * hundreds.digit + 1000 * thousands.digit as day_number
    from digits as units
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands

),

spine as (

    select
        cast({{ dbt.dateadd("day", "day_numbers.day_number", "bounds.first_day") }} as date) as date_day
    from bounds
    cross join day_numbers
    where day_numbers.day_number <= {{ dbt.datediff("bounds.first_day", "bounds.last_day", "day") }}

),

weekdays as (

    select
        date_day,
        {#- 1900-01-01 was a Monday: 1 = Monday ... 7 = Sunday -#}
        mod({{ dbt.datediff(dbt.cast("'1900-01-01'", "date"), "date_day", "day") }}, 7) + 1 as day_of_week
    from spine

),

week_thursdays as (

    select
        date_day,
        day_of_week,
        cast({{ dbt.dateadd("day", "4 - day_of_week", "date_day") }} as date) as week_thursday
    from weekdays

),

iso_weeks as (

    select
        date_day,
        day_of_week,
        week_thursday,
        {{ dbt.datediff(dbt.cast(dbt.date_trunc("year", "week_thursday"), "date"), "week_thursday", "day") }}
            as days_into_iso_year
    from week_thursdays

),

final as (

    select
        date_day,
        cast(extract(year from date_day) as {{ dbt.type_int() }}) as year,
        cast(extract(quarter from date_day) as {{ dbt.type_int() }}) as quarter,
        cast(extract(month from date_day) as {{ dbt.type_int() }}) as month,
        cast(extract(day from date_day) as {{ dbt.type_int() }}) as day_of_month,
        cast({{ dbt.date_trunc("month", "date_day") }} as date) as month_start,
        case cast(extract(month from date_day) as {{ dbt.type_int() }})
            when 1 then 'January'
            when 2 then 'February'
            when 3 then 'March'
            when 4 then 'April'
            when 5 then 'May'
            when 6 then 'June'
            when 7 then 'July'
            when 8 then 'August'
            when 9 then 'September'
            when 10 then 'October'
            when 11 then 'November'
            when 12 then 'December'
        end as month_name,
        day_of_week,
        case day_of_week
            when 1 then 'Monday'
            when 2 then 'Tuesday'
            when 3 then 'Wednesday'
            when 4 then 'Thursday'
            when 5 then 'Friday'
            when 6 then 'Saturday'
            when 7 then 'Sunday'
        end as day_name,
        day_of_week >= 6 as is_weekend,
        cast(extract(year from week_thursday) as {{ dbt.type_int() }}) as iso_year,
        (days_into_iso_year - mod(days_into_iso_year, 7)) / 7 + 1 as iso_week
    from iso_weeks

)

select * from final
