{#-
    dvkit's status-tracking satellite on Spark (tables/status_tracking_sat.sql says what it records):
    the same SQL, except that Spark has no DISTINCT ON; a key's last line of a delivery, and its
    latest stored status, are picked with row_number() instead.
-#}
{%- macro spark__dvkit_status_tracking_sat(src_pk, source_model, source_name, record_source, delete_flag) -%}
{%- set first_batch = env_var('DVKIT_BATCH_FROM', '0') -%}
{%- set last_batch = env_var('DVKIT_BATCH_TO', '9223372036854775807') -%}
{%- set text = dbt.type_string() -%}

with delivered as (

    {#- Each key's status in each delivery holding it: its last line there decides. #}
    select tracked_key, batch_id, load_datetime, status
    from (
        select
            {{ src_pk }} as tracked_key,
            _batch_id as batch_id,
            load_datetime,
            {%- if delete_flag %}
            cast(case when {{ delete_flag }} then 'deleted' else 'present' end as {{ text }}) as status,
            {%- else %}
            cast('present' as {{ text }}) as status,
            {%- endif %}
            row_number() over (partition by {{ src_pk }}, _batch_id order by _source_line desc) as line_order
        from {{ ref(source_model) }}
        where {{ src_pk }} is not null
    ) as lines
    where line_order = 1

),

whole_deliveries as (

    select files.batch_id, batches.load_ts as load_datetime
    from {{ source('landing', 'batch_files') }} as files
    inner join {{ source('landing', 'batches') }} as batches
        on batches.batch_id = files.batch_id
    where files.source = {{ dbt.string_literal(source_name) }}
      and files.full_extract
      and coalesce(files.rows_quarantined, 0) = 0
      and files.batch_id between {{ first_batch }} and {{ last_batch }}

),

stored as (

    {%- if is_incremental() %}
    select tracked_key, status
    from (
        select {{ src_pk }} as tracked_key, status,
               row_number() over (partition by {{ src_pk }} order by load_datetime desc) as recency
        from {{ this }}
    ) as stored_rows
    where recency = 1
    {%- else %}
    select tracked_key, status from delivered where false
    {%- endif %}

),

known as (

    {#- The keys a whole delivery can miss, from the first batch they are known in. #}
    select tracked_key, min(since) as since
    from (
        select tracked_key, cast(0 as bigint) as since from stored where status = 'present'
        union all
        select tracked_key, batch_id as since from delivered
    ) as candidates
    group by tracked_key

),

missing as (

    select known.tracked_key, whole_deliveries.batch_id, whole_deliveries.load_datetime,
           cast('deleted' as {{ text }}) as status
    from known
    inner join whole_deliveries
        on whole_deliveries.batch_id > known.since
    where not exists (
        select 1 from delivered
        where delivered.tracked_key = known.tracked_key
          and delivered.batch_id = whole_deliveries.batch_id
    )

),

observed as (

    select tracked_key, batch_id, load_datetime, status from delivered
    union all
    select tracked_key, batch_id, load_datetime, status from missing

),

changes as (

    select
        observed.tracked_key,
        observed.load_datetime,
        observed.status,
        coalesce(lag(observed.status) over (partition by observed.tracked_key order by observed.batch_id),
                 stored.status) as status_before
    from observed
    left join stored
        on stored.tracked_key = observed.tracked_key

)

select
    tracked_key as {{ src_pk }},
    status,
    load_datetime,
    cast({{ dbt.string_literal(record_source) }} as {{ text }}) as record_source
from changes
where status_before is null or status <> status_before
{%- endmacro -%}
