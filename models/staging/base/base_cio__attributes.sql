{#- Incremental by processing time, like the staging models (macros/incremental.sql). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    tags=['daily'],
    pre_hook=[
        "{{ create_landing_batch('attributes') }}",
        "{{ delete_landing_batch('attributes') }}",
    ],
    post_hook="{{ drop_landing_batch() }}",
) }}

with

landed as (
    select * from {{ ref('lnd_attributes') }}
    -- Incremental runs: only the processing-time batch and every row of its keys.
    where {{ landing_batch_filter('attributes') }}
),

typed as (
    select
        landed.workspace_id,
        landed.internal_customer_id,
        landed.attribute_name,
        landed.attribute_value,
        landed.timestamp as timestamp_raw,
        {{ parse_timestamp('timestamp') }} as changed_at,
        {{ safe_cast('seq_num', 'bigint') }} as seq_num,
        landed.landing_file,
        {{ row_struct(['workspace_id', 'internal_customer_id', 'attribute_name', 'attribute_value',
            'timestamp', 'seq_num']) }} as landed_row
    from landed
),

checked as (
    select
        *,
        case
            when
                workspace_id is null or internal_customer_id is null or attribute_name is null
                or timestamp_raw is null then 'null_key'
            when changed_at is null then 'unparseable_timestamp:timestamp'
            when seq_num is null then 'invalid_seq_num'
        end as quarantine_reason
    from typed
),

-- The landed row leaves here (raw_row, landed_row_hash), so the ranking does not carry its text.
kept as (
    select {{ without_landed_row() }}
    from checked
),

final as (
    select
        {{ star_except(['landed_row_hash']) }},
        {{ latest_by_key_rank(['workspace_id', 'internal_customer_id', 'attribute_name', 'changed_at']) }} as key_rank
    from kept
)

select * from final
