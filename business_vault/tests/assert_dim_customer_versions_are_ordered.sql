{#- Every version of dim_customer is valid for a positive time span, and only the last version of a
    customer is current (valid until 9999-12-31). Returns the versions that break this. -#}
select
    customer_unique_id,
    valid_from,
    valid_to,
    is_current
from {{ ref('dim_customer') }}
where valid_to <= valid_from
    or (is_current and valid_to <> {{ dbt.cast("'9999-12-31 00:00:00'", dbt.type_timestamp()) }})
    or (not is_current and valid_to = {{ dbt.cast("'9999-12-31 00:00:00'", dbt.type_timestamp()) }})
