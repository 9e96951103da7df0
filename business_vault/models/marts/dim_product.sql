{#- Every product of hub_product with its current details and the English name of its category.
    The English name is never silently NULL: a product without a category shows '(no category)'
    and a category missing from the translation table 'untranslated: <category>'. One more row, the
    unknown member (key dvkit_unknown_key(), category '(unknown)', is_unknown), stands for the
    product of an order item whose product is not in the vault. -#}
with products as (

    select
        product_hk,
        product_id
    from {{ source('raw_vault', 'hub_product') }}

),

current_details as (

    {{ dvkit_current_rows(source('raw_vault', 'sat_product_details'), 'product_hk', [
        'product_category_name',
        'product_name_lenght',
        'product_description_lenght',
        'product_photos_qty',
        'product_weight_g',
        'product_length_cm',
        'product_height_cm',
        'product_width_cm',
    ]) }}

),

translations as (

    select
        product_category_name,
        product_category_name_english
    from {{ source('raw_vault', 'ref_category_translation') }}

),

final as (

    select
        products.product_id,
        current_details.product_category_name,
        case
            when current_details.product_category_name is null then '(no category)'
            when translations.product_category_name_english is null
                then {{ dbt.concat(["'untranslated: '", "current_details.product_category_name"]) }}
            else translations.product_category_name_english
        end as product_category_name_english,
        translations.product_category_name_english is not null as has_translation,
        current_details.product_name_lenght as product_name_length,
        current_details.product_description_lenght as product_description_length,
        current_details.product_photos_qty,
        current_details.product_weight_g,
        current_details.product_length_cm,
        current_details.product_height_cm,
        current_details.product_width_cm,
        false as is_unknown
    from products
    left join current_details
        on products.product_hk = current_details.product_hk
    left join translations
        on current_details.product_category_name = translations.product_category_name

),

unknown_member as (

    select
        {{ dvkit_unknown_key() }} as product_id,
        {{ dbt.cast("null", dbt.type_string()) }} as product_category_name,
        {{ dbt.cast("'(unknown)'", dbt.type_string()) }} as product_category_name_english,
        false as has_translation,
        {{ dbt.cast("null", dbt.type_int()) }} as product_name_length,
        {{ dbt.cast("null", dbt.type_int()) }} as product_description_length,
        {{ dbt.cast("null", dbt.type_int()) }} as product_photos_qty,
        {{ dbt.cast("null", dbt.type_int()) }} as product_weight_g,
        {{ dbt.cast("null", dbt.type_int()) }} as product_length_cm,
        {{ dbt.cast("null", dbt.type_int()) }} as product_height_cm,
        {{ dbt.cast("null", dbt.type_int()) }} as product_width_cm,
        true as is_unknown

)

select * from final
union all
select * from unknown_member
