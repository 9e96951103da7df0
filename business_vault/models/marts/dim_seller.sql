{#- Every seller of hub_seller, with where it ships from now and, for a seller that came through
    the marketing funnel, its closed deal. Two record sources feed the hub: a seller known only
    from a closed deal has no location (NULL), and a seller that never signed through the funnel
    has no deal (NULL deal columns). One more row, the unknown member (key dvkit_unknown_key(),
    is_unknown), stands for the seller of an order item whose seller is not in the vault. -#}
with sellers as (

    select
        seller_hk,
        seller_id
    from {{ source('raw_vault', 'hub_seller') }}

),

current_locations as (

    {{ dvkit_current_rows(source('raw_vault', 'sat_seller_location'), 'seller_hk',
                          ['seller_zip_code_prefix', 'seller_city', 'seller_state']) }}

),

leads as (

    select
        lead_hk,
        mql_id
    from {{ source('raw_vault', 'hub_lead') }}

),

lead_sellers as (

    select
        lead_seller_hk,
        lead_hk,
        seller_hk,
        load_datetime
    from {{ source('raw_vault', 'link_lead_seller') }}

),

current_deals as (

    {{ dvkit_current_rows(source('raw_vault', 'sat_deal_details'), 'lead_seller_hk',
                          ['won_date', 'business_segment', 'lead_type']) }}

),

seller_deals as (

    select
        lead_sellers.seller_hk,
        leads.mql_id,
        current_deals.won_date,
        current_deals.business_segment,
        current_deals.lead_type,
        row_number() over (
            partition by lead_sellers.seller_hk
            order by current_deals.won_date desc, lead_sellers.load_datetime desc
        ) as deal_rank
    from lead_sellers
    left join leads
        on lead_sellers.lead_hk = leads.lead_hk
    left join current_deals
        on lead_sellers.lead_seller_hk = current_deals.lead_seller_hk

),

latest_deals as (

    select
        seller_hk,
        mql_id,
        won_date,
        business_segment,
        lead_type
    from seller_deals
    where deal_rank = 1

),

final as (

    select
        sellers.seller_id,
        current_locations.seller_zip_code_prefix,
        current_locations.seller_city,
        current_locations.seller_state,
        latest_deals.seller_hk is not null as is_from_marketing_funnel,
        latest_deals.mql_id,
        latest_deals.won_date,
        latest_deals.business_segment,
        latest_deals.lead_type,
        false as is_unknown
    from sellers
    left join current_locations
        on sellers.seller_hk = current_locations.seller_hk
    left join latest_deals
        on sellers.seller_hk = latest_deals.seller_hk

),

unknown_member as (

    select
        {{ dvkit_unknown_key() }} as seller_id,
        {{ dbt.cast("null", dbt.type_string()) }} as seller_zip_code_prefix,
        {{ dbt.cast("null", dbt.type_string()) }} as seller_city,
        {{ dbt.cast("null", dbt.type_string()) }} as seller_state,
        false as is_from_marketing_funnel,
        {{ dbt.cast("null", dbt.type_string()) }} as mql_id,
        {{ dbt.cast("null", dbt.type_timestamp()) }} as won_date,
        {{ dbt.cast("null", dbt.type_string()) }} as business_segment,
        {{ dbt.cast("null", dbt.type_string()) }} as lead_type,
        true as is_unknown

)

select * from final
union all
select * from unknown_member
