{#- One row per review and the order it is about (Olist reuses a few review ids for several
    orders). The review's text is personal data and stays in the vault: only whether there is
    one (has_comment) is shown. -#}
with order_reviews as (

    select
        order_hk,
        review_hk
    from {{ source('raw_vault', 'link_order_review') }}

),

reviews as (

    select
        review_hk,
        review_id
    from {{ source('raw_vault', 'hub_review') }}

),

orders as (

    select
        order_hk,
        order_id
    from {{ source('raw_vault', 'hub_order') }}

),

current_scores as (

    {{ dvkit_current_rows(source('raw_vault', 'sat_review_score'), 'review_hk',
                          ['review_score', 'review_creation_date', 'review_answer_timestamp']) }}

),

current_text_rows as (

    {{ dvkit_current_rows(source('raw_vault', 'sat_review_text'), 'review_hk',
                          ['review_comment_title', 'review_comment_message']) }}

),

current_texts as (

    {#- Text made only of spaces, tabs and line breaks (Olist has a message that is just CRLF) is
        no comment. #}
    select
        review_hk,
        {{ dbt.replace(dbt.replace(dbt.replace("review_comment_title", "chr(13)", "' '"), "chr(10)", "' '"),
                       "chr(9)", "' '") }} as title_text,
        {{ dbt.replace(dbt.replace(dbt.replace("review_comment_message", "chr(13)", "' '"), "chr(10)", "' '"),
                       "chr(9)", "' '") }} as message_text
    from current_text_rows

),

final as (

    select
        reviews.review_id,
        orders.order_id,
        current_scores.review_score,
        current_scores.review_creation_date as review_created_at,
        current_scores.review_answer_timestamp as review_answered_at,
        coalesce(trim(current_texts.title_text), '') <> ''
            or coalesce(trim(current_texts.message_text), '') <> '' as has_comment
    from order_reviews
    inner join reviews
        on order_reviews.review_hk = reviews.review_hk
    inner join orders
        on order_reviews.order_hk = orders.order_hk
    left join current_scores
        on order_reviews.review_hk = current_scores.review_hk
    left join current_texts
        on order_reviews.review_hk = current_texts.review_hk

)

select * from final
