-- The lower bound of the raw vault build: the Olist vault of vault_spec/, written by hand.
--
-- It does the work of the first `dvkit build` and nothing else: read the landing rows, hash every
-- key and hashdiff once (AutomateDV 0.11's standard: text, trimmed, upper case, '' = NULL; keys of
-- several columns joined with '||' and '^^' for NULL; hashdiffs over the columns sorted by name; MD5
-- as 16 raw bytes), and insert the same rows into the same tables (hubs, links, satellites, the
-- multi-active and effectivity satellites, the tracking and status-tracking satellites, reference
-- tables, ghost records)
-- in schema lower_bound, with the same indexes. Tables are created empty, as on a first build;
-- tests/bench/test_lower_bound.py checks at tiny scale that every table holds the same rows as the
-- raw vault's. dbt's data tests, which `dvkit build` runs after the tables, are not part of it.
--
-- Staged rows are computed once per source into temporary tables (the vault's stages are views that
-- every table reads again); DISTINCT ON picks the first arrival of a key. Run it in one session:
--     psql -v ON_ERROR_STOP=1 -f bench/lower_bound.sql

begin;  -- one transaction: the staging tables live until its commit
drop schema if exists lower_bound cascade;
create schema lower_bound;

-- == staging: one pass over each landing table ================================================

create temporary table stg_orders on commit drop as
with customers as (
    -- the newest delivery of each customer_id: the person behind the order
    select distinct on (customer_id) customer_id, customer_unique_id
    from landing.customers
    order by customer_id, _batch_id desc, _source_line desc
)
select
    o.order_id, o.order_status, o.order_purchase_timestamp, o.order_approved_at,
    o.order_delivered_carrier_date, o.order_delivered_customer_date, o.order_estimated_delivery_date,
    c.customer_unique_id,
    o._load_ts as load_datetime,
    o._record_source as record_source,
    decode(md5(nullif(upper(trim(o.order_id::varchar)), '')), 'hex') as order_hk,
    decode(md5(nullif(upper(trim(c.customer_unique_id::varchar)), '')), 'hex') as customer_hk,
    decode(md5(nullif(concat_ws('||',
        coalesce(nullif(upper(trim(o.order_id::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(c.customer_unique_id::varchar)), ''), '^^')), '^^||^^')), 'hex')
        as order_customer_hk,
    decode(md5(concat_ws('||',
        coalesce(nullif(upper(trim(o.order_approved_at::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(o.order_delivered_carrier_date::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(o.order_delivered_customer_date::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(o.order_estimated_delivery_date::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(o.order_purchase_timestamp::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(o.order_status::varchar)), ''), '^^'))), 'hex') as order_status_hashdiff
from landing.orders o
left join customers c on c.customer_id = o.customer_id;

create temporary table stg_customers on commit drop as
select
    customer_unique_id, customer_zip_code_prefix, customer_city, customer_state,
    _load_ts as load_datetime,
    _record_source as record_source,
    decode(md5(nullif(upper(trim(customer_unique_id::varchar)), '')), 'hex') as customer_hk,
    decode(md5(concat_ws('||',
        coalesce(nullif(upper(trim(customer_city::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(customer_state::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(customer_zip_code_prefix::varchar)), ''), '^^'))), 'hex')
        as customer_location_hashdiff
from landing.customers;

create temporary table stg_order_items on commit drop as
select
    order_id, order_item_id, product_id, seller_id, shipping_limit_date, price, freight_value,
    _load_ts as load_datetime,
    _record_source as record_source,
    decode(md5(nullif(upper(trim(order_id::varchar)), '')), 'hex') as order_hk,
    decode(md5(nullif(upper(trim(product_id::varchar)), '')), 'hex') as product_hk,
    decode(md5(nullif(upper(trim(seller_id::varchar)), '')), 'hex') as seller_hk,
    decode(md5(nullif(concat_ws('||',
        coalesce(nullif(upper(trim(order_id::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(product_id::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(seller_id::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(order_item_id::varchar)), ''), '^^')), '^^||^^||^^||^^')), 'hex')
        as order_item_hk,
    decode(md5(concat_ws('||',
        coalesce(nullif(upper(trim(freight_value::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(price::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(shipping_limit_date::varchar)), ''), '^^'))), 'hex')
        as order_item_price_hashdiff
from landing.order_items;

create temporary table stg_order_payments on commit drop as
select
    order_id, payment_sequential, payment_type, payment_installments, payment_value,
    _load_ts as load_datetime,
    _record_source as record_source,
    decode(md5(nullif(upper(trim(order_id::varchar)), '')), 'hex') as order_hk,
    decode(md5(concat_ws('||',
        coalesce(nullif(upper(trim(payment_installments::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(payment_sequential::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(payment_type::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(payment_value::varchar)), ''), '^^'))), 'hex') as order_payments_hashdiff
from landing.order_payments;

create temporary table stg_order_reviews on commit drop as
select
    review_id, order_id, review_score, review_comment_title, review_comment_message,
    review_creation_date, review_answer_timestamp,
    _load_ts as load_datetime,
    _record_source as record_source,
    decode(md5(nullif(upper(trim(order_id::varchar)), '')), 'hex') as order_hk,
    decode(md5(nullif(upper(trim(review_id::varchar)), '')), 'hex') as review_hk,
    decode(md5(nullif(concat_ws('||',
        coalesce(nullif(upper(trim(order_id::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(review_id::varchar)), ''), '^^')), '^^||^^')), 'hex') as order_review_hk,
    decode(md5(concat_ws('||',
        coalesce(nullif(upper(trim(review_answer_timestamp::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(review_creation_date::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(review_score::varchar)), ''), '^^'))), 'hex') as review_score_hashdiff,
    decode(md5(concat_ws('||',
        coalesce(nullif(upper(trim(review_comment_message::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(review_comment_title::varchar)), ''), '^^'))), 'hex') as review_text_hashdiff
from landing.order_reviews;

create temporary table stg_products on commit drop as
select
    product_id, product_category_name, product_name_lenght, product_description_lenght, product_photos_qty,
    product_weight_g, product_length_cm, product_height_cm, product_width_cm,
    _load_ts as load_datetime,
    _record_source as record_source,
    decode(md5(nullif(upper(trim(product_id::varchar)), '')), 'hex') as product_hk,
    decode(md5(concat_ws('||',
        coalesce(nullif(upper(trim(product_category_name::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(product_description_lenght::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(product_height_cm::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(product_length_cm::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(product_name_lenght::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(product_photos_qty::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(product_weight_g::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(product_width_cm::varchar)), ''), '^^'))), 'hex') as product_details_hashdiff
from landing.products;

create temporary table stg_sellers on commit drop as
select
    seller_id, seller_zip_code_prefix, seller_city, seller_state,
    _load_ts as load_datetime,
    _record_source as record_source,
    decode(md5(nullif(upper(trim(seller_id::varchar)), '')), 'hex') as seller_hk,
    decode(md5(concat_ws('||',
        coalesce(nullif(upper(trim(seller_city::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(seller_state::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(seller_zip_code_prefix::varchar)), ''), '^^'))), 'hex')
        as seller_location_hashdiff
from landing.sellers;

create temporary table stg_leads on commit drop as
select
    mql_id, first_contact_date, landing_page_id, origin,
    _load_ts as load_datetime,
    _record_source as record_source,
    decode(md5(nullif(upper(trim(mql_id::varchar)), '')), 'hex') as lead_hk,
    decode(md5(concat_ws('||',
        coalesce(nullif(upper(trim(first_contact_date::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(landing_page_id::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(origin::varchar)), ''), '^^'))), 'hex') as lead_details_hashdiff
from landing.marketing_qualified_leads;

create temporary table stg_closed_deals on commit drop as
select
    mql_id, seller_id, sdr_id, sr_id, won_date, business_segment, lead_type, lead_behaviour_profile,
    has_company, has_gtin, average_stock, business_type, declared_product_catalog_size,
    declared_monthly_revenue,
    _load_ts as load_datetime,
    _record_source as record_source,
    decode(md5(nullif(upper(trim(mql_id::varchar)), '')), 'hex') as lead_hk,
    decode(md5(nullif(upper(trim(seller_id::varchar)), '')), 'hex') as seller_hk,
    decode(md5(nullif(concat_ws('||',
        coalesce(nullif(upper(trim(mql_id::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(seller_id::varchar)), ''), '^^')), '^^||^^')), 'hex') as lead_seller_hk,
    decode(md5(concat_ws('||',
        coalesce(nullif(upper(trim(average_stock::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(business_segment::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(business_type::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(declared_monthly_revenue::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(declared_product_catalog_size::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(has_company::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(has_gtin::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(lead_behaviour_profile::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(lead_type::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(sdr_id::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(sr_id::varchar)), ''), '^^'),
        coalesce(nullif(upper(trim(won_date::varchar)), ''), '^^'))), 'hex') as deal_details_hashdiff
from landing.closed_deals;

-- == hubs: the first arrival of each key (load time, record source, business key) ============

create table lower_bound.hub_customer (customer_hk bytea, customer_unique_id text,
                                       load_datetime timestamp, record_source text);
insert into lower_bound.hub_customer
select distinct on (customer_hk) customer_hk, customer_unique_id, load_datetime, record_source
from (select customer_hk, customer_unique_id, load_datetime, record_source from stg_customers
      union all
      select customer_hk, customer_unique_id, load_datetime, record_source from stg_orders) as keys
where customer_hk is not null
order by customer_hk, load_datetime, record_source, customer_unique_id;

create table lower_bound.hub_order (order_hk bytea, order_id text, load_datetime timestamp, record_source text);
insert into lower_bound.hub_order
select distinct on (order_hk) order_hk, order_id, load_datetime, record_source
from (select order_hk, order_id, load_datetime, record_source from stg_order_items
      union all
      select order_hk, order_id, load_datetime, record_source from stg_order_payments
      union all
      select order_hk, order_id, load_datetime, record_source from stg_order_reviews
      union all
      select order_hk, order_id, load_datetime, record_source from stg_orders) as keys
where order_hk is not null
order by order_hk, load_datetime, record_source, order_id;

create table lower_bound.hub_product (product_hk bytea, product_id text, load_datetime timestamp,
                                      record_source text);
insert into lower_bound.hub_product
select distinct on (product_hk) product_hk, product_id, load_datetime, record_source
from (select product_hk, product_id, load_datetime, record_source from stg_order_items
      union all
      select product_hk, product_id, load_datetime, record_source from stg_products) as keys
where product_hk is not null
order by product_hk, load_datetime, record_source, product_id;

create table lower_bound.hub_seller (seller_hk bytea, seller_id text, load_datetime timestamp, record_source text);
insert into lower_bound.hub_seller
select distinct on (seller_hk) seller_hk, seller_id, load_datetime, record_source
from (select seller_hk, seller_id, load_datetime, record_source from stg_closed_deals
      union all
      select seller_hk, seller_id, load_datetime, record_source from stg_order_items
      union all
      select seller_hk, seller_id, load_datetime, record_source from stg_sellers) as keys
where seller_hk is not null
order by seller_hk, load_datetime, record_source, seller_id;

create table lower_bound.hub_review (review_hk bytea, review_id text, load_datetime timestamp, record_source text);
insert into lower_bound.hub_review
select distinct on (review_hk) review_hk, review_id, load_datetime, record_source
from stg_order_reviews
where review_hk is not null
order by review_hk, load_datetime, record_source, review_id;

create table lower_bound.hub_lead (lead_hk bytea, mql_id text, load_datetime timestamp, record_source text);
insert into lower_bound.hub_lead
select distinct on (lead_hk) lead_hk, mql_id, load_datetime, record_source
from (select lead_hk, mql_id, load_datetime, record_source from stg_closed_deals
      union all
      select lead_hk, mql_id, load_datetime, record_source from stg_leads) as keys
where lead_hk is not null
order by lead_hk, load_datetime, record_source, mql_id;

-- == links: the first arrival of each link key whose hub keys are all present ================

create table lower_bound.link_order_customer (order_customer_hk bytea, order_hk bytea, customer_hk bytea,
                                              load_datetime timestamp, record_source text);
insert into lower_bound.link_order_customer
select distinct on (order_customer_hk) order_customer_hk, order_hk, customer_hk, load_datetime, record_source
from stg_orders
where order_customer_hk is not null and order_hk is not null and customer_hk is not null
order by order_customer_hk, load_datetime, record_source, order_hk, customer_hk;

create table lower_bound.link_order_item (order_item_hk bytea, order_hk bytea, product_hk bytea, seller_hk bytea,
                                          order_item_id integer, load_datetime timestamp, record_source text);
insert into lower_bound.link_order_item
select distinct on (order_item_hk)
    order_item_hk, order_hk, product_hk, seller_hk, order_item_id, load_datetime, record_source
from stg_order_items
where order_item_hk is not null and order_hk is not null and product_hk is not null and seller_hk is not null
order by order_item_hk, load_datetime, record_source, order_hk, product_hk, seller_hk;

create table lower_bound.link_order_review (order_review_hk bytea, order_hk bytea, review_hk bytea,
                                            load_datetime timestamp, record_source text);
insert into lower_bound.link_order_review
select distinct on (order_review_hk) order_review_hk, order_hk, review_hk, load_datetime, record_source
from stg_order_reviews
where order_review_hk is not null and order_hk is not null and review_hk is not null
order by order_review_hk, load_datetime, record_source, order_hk, review_hk;

create table lower_bound.link_lead_seller (lead_seller_hk bytea, lead_hk bytea, seller_hk bytea,
                                           load_datetime timestamp, record_source text);
insert into lower_bound.link_lead_seller
select distinct on (lead_seller_hk) lead_seller_hk, lead_hk, seller_hk, load_datetime, record_source
from stg_closed_deals
where lead_seller_hk is not null and lead_hk is not null and seller_hk is not null
order by lead_seller_hk, load_datetime, record_source, lead_hk, seller_hk;

-- == satellites ================================================================================
-- Per key and load time one row (greatest effective-from = load time here, then greatest hashdiff);
-- in load-time order a row is stored when its hashdiff differs from the key's row before it.
-- Each sat table also gets its ghost record ('0' x 32 as bytes, 1900-01-01, AUTOMATE_DV_SYSTEM).

create table lower_bound.sat_order_status (
    order_hk bytea, order_status_hashdiff bytea, order_status text, order_purchase_timestamp timestamp,
    order_approved_at timestamp, order_delivered_carrier_date timestamp,
    order_delivered_customer_date timestamp, order_estimated_delivery_date timestamp,
    effective_from timestamp, load_datetime timestamp, record_source text);
insert into lower_bound.sat_order_status
select order_hk, order_status_hashdiff, order_status, order_purchase_timestamp, order_approved_at,
       order_delivered_carrier_date, order_delivered_customer_date, order_estimated_delivery_date,
       load_datetime, load_datetime, record_source
from (select *, lag(order_status_hashdiff) over (partition by order_hk order by load_datetime) as previous
      from (select distinct on (order_hk, load_datetime) *
            from stg_orders where order_hk is not null
            order by order_hk, load_datetime, order_status_hashdiff desc) as one_per_load) as compared
where previous is null or previous <> order_status_hashdiff
union all
select convert_to(repeat('0', 32), 'UTF8'), convert_to(repeat('0', 32), 'UTF8'), null, null, null, null, null,
       null, '1900-01-01', '1900-01-01', 'AUTOMATE_DV_SYSTEM';

create table lower_bound.sat_customer_location (
    customer_hk bytea, customer_location_hashdiff bytea, customer_zip_code_prefix text, customer_city text,
    customer_state text, effective_from timestamp, load_datetime timestamp, record_source text);
insert into lower_bound.sat_customer_location
select customer_hk, customer_location_hashdiff, customer_zip_code_prefix, customer_city, customer_state,
       load_datetime, load_datetime, record_source
from (select *, lag(customer_location_hashdiff) over (partition by customer_hk order by load_datetime) as previous
      from (select distinct on (customer_hk, load_datetime) *
            from stg_customers where customer_hk is not null
            order by customer_hk, load_datetime, customer_location_hashdiff desc) as one_per_load) as compared
where previous is null or previous <> customer_location_hashdiff
union all
select convert_to(repeat('0', 32), 'UTF8'), convert_to(repeat('0', 32), 'UTF8'), null, null, null,
       '1900-01-01', '1900-01-01', 'AUTOMATE_DV_SYSTEM';

create table lower_bound.sat_product_details (
    product_hk bytea, product_details_hashdiff bytea, product_category_name text, product_name_lenght integer,
    product_description_lenght integer, product_photos_qty integer, product_weight_g integer,
    product_length_cm integer, product_height_cm integer, product_width_cm integer,
    effective_from timestamp, load_datetime timestamp, record_source text);
insert into lower_bound.sat_product_details
select product_hk, product_details_hashdiff, product_category_name, product_name_lenght,
       product_description_lenght, product_photos_qty, product_weight_g, product_length_cm, product_height_cm,
       product_width_cm, load_datetime, load_datetime, record_source
from (select *, lag(product_details_hashdiff) over (partition by product_hk order by load_datetime) as previous
      from (select distinct on (product_hk, load_datetime) *
            from stg_products where product_hk is not null
            order by product_hk, load_datetime, product_details_hashdiff desc) as one_per_load) as compared
where previous is null or previous <> product_details_hashdiff
union all
select convert_to(repeat('0', 32), 'UTF8'), convert_to(repeat('0', 32), 'UTF8'), null, null, null, null, null,
       null, null, null, '1900-01-01', '1900-01-01', 'AUTOMATE_DV_SYSTEM';

create table lower_bound.sat_seller_location (
    seller_hk bytea, seller_location_hashdiff bytea, seller_zip_code_prefix text, seller_city text,
    seller_state text, effective_from timestamp, load_datetime timestamp, record_source text);
insert into lower_bound.sat_seller_location
select seller_hk, seller_location_hashdiff, seller_zip_code_prefix, seller_city, seller_state,
       load_datetime, load_datetime, record_source
from (select *, lag(seller_location_hashdiff) over (partition by seller_hk order by load_datetime) as previous
      from (select distinct on (seller_hk, load_datetime) *
            from stg_sellers where seller_hk is not null
            order by seller_hk, load_datetime, seller_location_hashdiff desc) as one_per_load) as compared
where previous is null or previous <> seller_location_hashdiff
union all
select convert_to(repeat('0', 32), 'UTF8'), convert_to(repeat('0', 32), 'UTF8'), null, null, null,
       '1900-01-01', '1900-01-01', 'AUTOMATE_DV_SYSTEM';

create table lower_bound.sat_review_score (
    review_hk bytea, review_score_hashdiff bytea, review_score integer, review_creation_date timestamp,
    review_answer_timestamp timestamp, effective_from timestamp, load_datetime timestamp, record_source text);
insert into lower_bound.sat_review_score
select review_hk, review_score_hashdiff, review_score, review_creation_date, review_answer_timestamp,
       load_datetime, load_datetime, record_source
from (select *, lag(review_score_hashdiff) over (partition by review_hk order by load_datetime) as previous
      from (select distinct on (review_hk, load_datetime) *
            from stg_order_reviews where review_hk is not null
            order by review_hk, load_datetime, review_score_hashdiff desc) as one_per_load) as compared
where previous is null or previous <> review_score_hashdiff
union all
select convert_to(repeat('0', 32), 'UTF8'), convert_to(repeat('0', 32), 'UTF8'), null, null, null,
       '1900-01-01', '1900-01-01', 'AUTOMATE_DV_SYSTEM';

create table lower_bound.sat_review_text (
    review_hk bytea, review_text_hashdiff bytea, review_comment_title text, review_comment_message text,
    effective_from timestamp, load_datetime timestamp, record_source text);
insert into lower_bound.sat_review_text
select review_hk, review_text_hashdiff, review_comment_title, review_comment_message,
       load_datetime, load_datetime, record_source
from (select *, lag(review_text_hashdiff) over (partition by review_hk order by load_datetime) as previous
      from (select distinct on (review_hk, load_datetime) *
            from stg_order_reviews where review_hk is not null
            order by review_hk, load_datetime, review_text_hashdiff desc) as one_per_load) as compared
where previous is null or previous <> review_text_hashdiff
union all
select convert_to(repeat('0', 32), 'UTF8'), convert_to(repeat('0', 32), 'UTF8'), null, null,
       '1900-01-01', '1900-01-01', 'AUTOMATE_DV_SYSTEM';

create table lower_bound.sat_order_item_price (
    order_item_hk bytea, order_item_price_hashdiff bytea, price numeric, freight_value numeric,
    shipping_limit_date timestamp, effective_from timestamp, load_datetime timestamp, record_source text);
insert into lower_bound.sat_order_item_price
select order_item_hk, order_item_price_hashdiff, price, freight_value, shipping_limit_date,
       load_datetime, load_datetime, record_source
from (select *, lag(order_item_price_hashdiff) over (partition by order_item_hk order by load_datetime) as previous
      from (select distinct on (order_item_hk, load_datetime) *
            from stg_order_items where order_item_hk is not null
            order by order_item_hk, load_datetime, order_item_price_hashdiff desc) as one_per_load) as compared
where previous is null or previous <> order_item_price_hashdiff
union all
select convert_to(repeat('0', 32), 'UTF8'), convert_to(repeat('0', 32), 'UTF8'), null, null, null,
       '1900-01-01', '1900-01-01', 'AUTOMATE_DV_SYSTEM';

create table lower_bound.sat_lead_details (
    lead_hk bytea, lead_details_hashdiff bytea, first_contact_date date, landing_page_id text, origin text,
    effective_from timestamp, load_datetime timestamp, record_source text);
insert into lower_bound.sat_lead_details
select lead_hk, lead_details_hashdiff, first_contact_date, landing_page_id, origin,
       load_datetime, load_datetime, record_source
from (select *, lag(lead_details_hashdiff) over (partition by lead_hk order by load_datetime) as previous
      from (select distinct on (lead_hk, load_datetime) *
            from stg_leads where lead_hk is not null
            order by lead_hk, load_datetime, lead_details_hashdiff desc) as one_per_load) as compared
where previous is null or previous <> lead_details_hashdiff
union all
select convert_to(repeat('0', 32), 'UTF8'), convert_to(repeat('0', 32), 'UTF8'), null, null, null,
       '1900-01-01', '1900-01-01', 'AUTOMATE_DV_SYSTEM';

create table lower_bound.sat_deal_details (
    lead_seller_hk bytea, deal_details_hashdiff bytea, sdr_id text, sr_id text, won_date timestamp,
    business_segment text, lead_type text, lead_behaviour_profile text, has_company boolean, has_gtin boolean,
    average_stock text, business_type text, declared_product_catalog_size numeric,
    declared_monthly_revenue numeric, effective_from timestamp, load_datetime timestamp, record_source text);
insert into lower_bound.sat_deal_details
select lead_seller_hk, deal_details_hashdiff, sdr_id, sr_id, won_date, business_segment, lead_type,
       lead_behaviour_profile, has_company, has_gtin, average_stock, business_type,
       declared_product_catalog_size, declared_monthly_revenue, load_datetime, load_datetime, record_source
from (select *, lag(deal_details_hashdiff) over (partition by lead_seller_hk order by load_datetime) as previous
      from (select distinct on (lead_seller_hk, load_datetime) *
            from stg_closed_deals where lead_seller_hk is not null
            order by lead_seller_hk, load_datetime, deal_details_hashdiff desc) as one_per_load) as compared
where previous is null or previous <> deal_details_hashdiff
union all
select convert_to(repeat('0', 32), 'UTF8'), convert_to(repeat('0', 32), 'UTF8'), null, null, null, null, null,
       null, null, null, null, null, null, null, '1900-01-01', '1900-01-01', 'AUTOMATE_DV_SYSTEM';

-- == multi-active satellite: the set of an order's payments is the unit of change =============

create table lower_bound.ma_sat_order_payments (
    order_hk bytea, payment_sequential integer, payment_type text, payment_installments integer,
    payment_value numeric, order_payments_hashdiff bytea, effective_from timestamp, load_datetime timestamp,
    record_source text);
create temporary table payments_one_per_child on commit drop as
select distinct on (order_hk, payment_sequential, load_datetime) *
from stg_order_payments
where order_hk is not null and payment_sequential is not null
order by order_hk, payment_sequential, load_datetime, order_payments_hashdiff desc;
insert into lower_bound.ma_sat_order_payments
select p.order_hk, p.payment_sequential, p.payment_type, p.payment_installments, p.payment_value,
       p.order_payments_hashdiff, p.load_datetime, p.load_datetime, p.record_source
from payments_one_per_child p
join (select order_hk, load_datetime
      from (select order_hk, load_datetime, signature,
                   lag(signature) over (partition by order_hk order by load_datetime) as previous
            from (select order_hk, load_datetime,
                         array_agg(order_payments_hashdiff order by order_payments_hashdiff) as signature
                  from payments_one_per_child
                  group by order_hk, load_datetime) as sets) as compared
      where previous is null or previous <> signature) as changed
  on changed.order_hk = p.order_hk and changed.load_datetime = p.load_datetime;

-- == effectivity satellite: the order drives; a new customer closes the previous link =========

create table lower_bound.eff_sat_order_customer (
    order_customer_hk bytea, order_hk bytea, customer_hk bytea, start_date timestamp, end_date timestamp,
    effective_from timestamp, load_datetime timestamp, record_source text);
create temporary table eff_changes on commit drop as
select *,
       lag(order_customer_hk) over by_order as ended_hk,
       lag(customer_hk) over by_order as ended_customer_hk,
       lag(start_date) over by_order as ended_start_date,
       lag(record_source) over by_order as ended_record_source
from (select *, lag(order_customer_hk) over (partition by order_hk order by load_datetime) as previous
      from (select distinct on (order_hk, load_datetime)
                   order_customer_hk, order_hk, customer_hk, load_datetime as start_date, load_datetime,
                   record_source
            from stg_orders
            where order_customer_hk is not null and order_hk is not null and customer_hk is not null
            order by order_hk, load_datetime, order_customer_hk desc) as one_per_load) as compared
where previous is null or previous <> order_customer_hk
window by_order as (partition by order_hk order by load_datetime);
insert into lower_bound.eff_sat_order_customer
select ended_hk, order_hk, ended_customer_hk, ended_start_date, load_datetime, load_datetime, load_datetime,
       ended_record_source
from eff_changes where ended_hk is not null
union all
select order_customer_hk, order_hk, customer_hk, start_date, timestamp '9999-12-31', load_datetime,
       load_datetime, record_source
from eff_changes;

-- == tracking satellite: every delivery of the order status, changed or not ==================

create table lower_bound.xts_order (order_hk bytea, hashdiff bytea, satellite_name text,
                                    load_datetime timestamp, record_source text);
insert into lower_bound.xts_order
select distinct on (order_hk, order_status_hashdiff, load_datetime)
       order_hk, order_status_hashdiff, 'sat_order_status', load_datetime, record_source
from stg_orders
where order_hk is not null
order by order_hk, order_status_hashdiff, load_datetime, record_source;

-- == status-tracking satellite: the orders file is a delta, so no delivery marks a key deleted ==
-- (a full extract would; none is loaded here): each order is present from its first delivery.

create table lower_bound.sts_order (order_hk bytea, status text, load_datetime timestamp,
                                    record_source text);
insert into lower_bound.sts_order
select distinct on (order_hk) order_hk, 'present', load_datetime, record_source
from stg_orders
where order_hk is not null
order by order_hk, load_datetime;

-- == reference tables: natural key, the first delivery wins (ties: payload, then source) =====

create table lower_bound.ref_category_translation (product_category_name text, product_category_name_english text,
                                                   load_datetime timestamp, record_source text);
insert into lower_bound.ref_category_translation
select distinct on (product_category_name)
       product_category_name, product_category_name_english, _load_ts, _record_source
from landing.category_translation
where product_category_name is not null
order by product_category_name, _load_ts, product_category_name_english nulls last, _record_source;

create table lower_bound.ref_geolocation (
    geolocation_zip_code_prefix text, geolocation_lat double precision, geolocation_lng double precision,
    geolocation_city text, geolocation_state text, load_datetime timestamp, record_source text);
insert into lower_bound.ref_geolocation
select distinct on (geolocation_zip_code_prefix)
       geolocation_zip_code_prefix, geolocation_lat, geolocation_lng, geolocation_city, geolocation_state,
       _load_ts, _record_source
from landing.geolocation
where geolocation_zip_code_prefix is not null
order by geolocation_zip_code_prefix, _load_ts, _source_line;  -- one_row_per_key: the first line

-- == the indexes the generated models declare (hash keys and load times), built once filled ==

create index on lower_bound.hub_customer (customer_hk);
create index on lower_bound.hub_order (order_hk);
create index on lower_bound.hub_product (product_hk);
create index on lower_bound.hub_seller (seller_hk);
create index on lower_bound.hub_review (review_hk);
create index on lower_bound.hub_lead (lead_hk);
create index on lower_bound.link_order_customer (order_customer_hk);
create index on lower_bound.link_order_item (order_item_hk);
create index on lower_bound.link_order_review (order_review_hk);
create index on lower_bound.link_lead_seller (lead_seller_hk);
create index on lower_bound.sat_order_status (order_hk, load_datetime);
create index on lower_bound.sat_customer_location (customer_hk, load_datetime);
create index on lower_bound.sat_product_details (product_hk, load_datetime);
create index on lower_bound.sat_seller_location (seller_hk, load_datetime);
create index on lower_bound.sat_review_score (review_hk, load_datetime);
create index on lower_bound.sat_review_text (review_hk, load_datetime);
create index on lower_bound.sat_order_item_price (order_item_hk, load_datetime);
create index on lower_bound.sat_lead_details (lead_hk, load_datetime);
create index on lower_bound.sat_deal_details (lead_seller_hk, load_datetime);
create index on lower_bound.ma_sat_order_payments (order_hk, load_datetime);
create index on lower_bound.eff_sat_order_customer (order_hk, load_datetime);
create index on lower_bound.xts_order (order_hk, load_datetime);
create index on lower_bound.sts_order (order_hk, load_datetime);
create index on lower_bound.ref_category_translation (product_category_name);
create index on lower_bound.ref_geolocation (geolocation_zip_code_prefix);

commit;
