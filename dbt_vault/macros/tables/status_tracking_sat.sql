{#-
    dvkit's status-tracking satellite (sts): one row per change of a key's status in one source.
    AutomateDV has no such table, so the project carries it, with either package.

    'present' is written by the delivery that brings a key (first, or again after it was gone);
    'deleted' by the delivery that no longer holds it: a whole delivery (a full extract, as
    landing.batch_files records it) without the key, or a row of the key whose delete flag is true.
    A whole delivery with quarantined lines marks nothing deleted: a line set aside may hold a key
    that is still there; the next whole delivery without it marks it.

    Insert-only, like every raw vault table: the batches a run stages (DVKIT_BATCH_FROM..TO) are
    compared with each key's last stored status, and with each other in batch order, so one run over
    several batches writes what one run per batch would.
-#}
{%- macro dvkit_status_tracking_sat(src_pk, source_model, source_name, record_source, delete_flag=none) -%}
    {{- return(adapter.dispatch('dvkit_status_tracking_sat')(src_pk, source_model, source_name, record_source,
                                                             delete_flag)) -}}
{%- endmacro -%}

{#- One body for every engine: the lines that keep one row per group use dvkit_first_per. -#}
{%- macro default__dvkit_status_tracking_sat(src_pk, source_model, source_name, record_source, delete_flag) -%}
{%- set first_batch = env_var('DVKIT_BATCH_FROM', '0') -%}
{%- set last_batch = env_var('DVKIT_BATCH_TO', '9223372036854775807') -%}
{%- set text = dbt.type_string() -%}

with delivered as (

    {#- Each key's status in each delivery holding it: its last line there decides. #}
    {%- if delete_flag %}
    {%- set status = "case when " ~ delete_flag ~ " then 'deleted' else 'present' end" %}
    {%- else %}
    {%- set status = "'present'" %}
    {%- endif %}
    {% call dvkit_first_per(src_pk ~ ', _batch_id', src_pk ~ ', _batch_id, _source_line desc',
                            src_pk ~ ' as tracked_key, _batch_id as batch_id, load_datetime, cast('
                            ~ status ~ ' as ' ~ text ~ ') as status') %}
    from {{ ref(source_model) }}
    where {{ src_pk }} is not null
    {% endcall %}

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
    {% call dvkit_first_per(src_pk, src_pk ~ ', load_datetime desc', src_pk ~ ' as tracked_key, status') %}
    from {{ this }}
    {% endcall %}
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
