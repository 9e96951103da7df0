{#- How active a person (customer_unique_id) is, in the current state: the orders they hold now
    (the order-customer relationships still in force in the effectivity satellite, the order
    being the driving key; for an order it holds no row of, the link's, as fct_orders reads it)
    and the purchase time of each order's current status. Every customer
    of the hub gets a row; one without orders has order_count 0 and no order times. -#}
with customers as (

    select
        customer_hk,
        load_datetime
    from {{ source('raw_vault', 'hub_customer') }}

),

orders as (

    select order_hk
    from {{ source('raw_vault', 'hub_order') }}

),

order_customer_versions as (

    select
        order_hk,
        customer_hk,
        load_datetime
    from {{ source('raw_vault', 'eff_sat_order_customer') }}
    where record_source <> 'AUTOMATE_DV_SYSTEM'

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
        last (an order staged before its customer row arrived, linked when that row arrived alone). #}
    {{ dvkit_current_rows(source('raw_vault', 'link_order_customer'), 'order_hk', ['customer_hk', 'load_datetime'],
                          tie_breakers=['customer_hk']) }}

),

linked_only as (

    select
        order_hk,
        customer_hk,
        load_datetime
    from linked_order_customers
    where not exists (
        select 1 from latest_order_customer_rows
        where latest_order_customer_rows.order_hk = linked_order_customers.order_hk
    )

),

current_order_status as (

    {{ dvkit_current_rows(source('raw_vault', 'sat_order_status'), 'order_hk',
                          ['order_purchase_timestamp', 'load_datetime']) }}

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
    from linked_only

),

order_facts as (

    {#- Both current-version sets are joined to the hub by its key (left joins), never to each
        other: the planner cannot size a row_number() = 1 filter, and a join between two of them
        can end as a nested loop over every row. #}
    select
        orders.order_hk,
        current_order_customers.customer_hk,
        current_order_status.order_purchase_timestamp,
        current_order_status.load_datetime as status_load_datetime
    from orders
    left join current_order_customers
        on orders.order_hk = current_order_customers.order_hk
    left join current_order_status
        on orders.order_hk = current_order_status.order_hk

),

order_summary as (

    select
        customer_hk,
        count(distinct order_hk) as order_count,
        min(order_purchase_timestamp) as first_order_at,
        max(order_purchase_timestamp) as last_order_at,
        max(status_load_datetime) as status_load_datetime
    from order_facts
    group by customer_hk

),

used_load_times as (

    {#- Every relationship row of the customer counts, open or closed: an order moving away changes
        the customer's activity as much as a new one. #}
    select customer_hk, load_datetime from customers
    union all
    select customer_hk, load_datetime from order_customer_versions
    union all
    select customer_hk, load_datetime from linked_only
    union all
    select customer_hk, status_load_datetime as load_datetime from order_summary
    where customer_hk is not null
        and status_load_datetime is not null

),

latest_load_times as (

    select
        customer_hk,
        max(load_datetime) as load_datetime
    from used_load_times
    group by customer_hk

),

final as (

    select
        customers.customer_hk,
        latest_load_times.load_datetime,
        'dvkit.business_rule' as record_source,
        coalesce(order_summary.order_count, 0) as order_count,
        order_summary.first_order_at,
        order_summary.last_order_at
    from customers
    inner join latest_load_times
        on customers.customer_hk = latest_load_times.customer_hk
    left join order_summary
        on customers.customer_hk = order_summary.customer_hk

)

select * from final
