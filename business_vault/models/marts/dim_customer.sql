{#- The customer (a person: customer_unique_id) with the history of where they live: one row per
    version of sat_customer_location, valid from its load time to the next version's. A customer
    without any location gets one row with an empty location, so every customer is in the
    dimension. One more row, the unknown member (key dvkit_unknown_key(), is_unknown), stands for
    the customer of an order whose customer row has not arrived yet. -#}
with customers as (

    select
        customer_hk,
        customer_unique_id,
        load_datetime
    from {{ source('raw_vault', 'hub_customer') }}

),

locations as (

    select
        customer_hk,
        customer_zip_code_prefix,
        customer_city,
        customer_state,
        load_datetime
    from {{ source('raw_vault', 'sat_customer_location') }}
    where record_source <> 'AUTOMATE_DV_SYSTEM'

),

located_versions as (

    select
        customers.customer_unique_id,
        locations.customer_zip_code_prefix,
        locations.customer_city,
        locations.customer_state,
        locations.load_datetime as valid_from
    from customers
    inner join locations
        on customers.customer_hk = locations.customer_hk

),

customers_without_location as (

    select
        customers.customer_unique_id,
        {{ dbt.cast("null", dbt.type_string()) }} as customer_zip_code_prefix,
        {{ dbt.cast("null", dbt.type_string()) }} as customer_city,
        {{ dbt.cast("null", dbt.type_string()) }} as customer_state,
        customers.load_datetime as valid_from
    from customers
    left join locations
        on customers.customer_hk = locations.customer_hk
    where locations.customer_hk is null

),

versions as (

    select * from located_versions
    union all
    select * from customers_without_location

),

final as (

    select
        customer_unique_id,
        customer_zip_code_prefix,
        customer_city,
        customer_state,
        valid_from,
        coalesce(
            lead(valid_from) over (partition by customer_unique_id order by valid_from),
            {{ dbt.cast("'9999-12-31 00:00:00'", dbt.type_timestamp()) }}
        ) as valid_to,
        lead(valid_from) over (partition by customer_unique_id order by valid_from) is null as is_current,
        false as is_unknown
    from versions

),

unknown_member as (

    select
        {{ dvkit_unknown_key() }} as customer_unique_id,
        {{ dbt.cast("null", dbt.type_string()) }} as customer_zip_code_prefix,
        {{ dbt.cast("null", dbt.type_string()) }} as customer_city,
        {{ dbt.cast("null", dbt.type_string()) }} as customer_state,
        {{ dvkit_ghost_date() }} as valid_from,
        {{ dbt.cast("'9999-12-31 00:00:00'", dbt.type_timestamp()) }} as valid_to,
        true as is_current,
        true as is_unknown

)

select * from final
union all
select * from unknown_member
