{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['workspace_id', 'internal_customer_id'],
    on_schema_change='fail',
    tags=['daily'],
) }}

with

base as (
    select * from {{ ref('base_cio__people') }}
    -- Incremental runs: only keys with a row in the processing-time batch (macros/incremental.sql).
    where {{ processing_batch_keys(ref('base_cio__people'), ['workspace_id', 'internal_customer_id'], 'coalesce(updated_at, created_at)') }}
),

final as (
    select
        workspace_id,
        customer_id,
        internal_customer_id,
        is_deleted,
        is_suppressed,
        created_at,
        updated_at,
        seq_num
    from base
    -- Valid rows only, and of each key only the winner; the rest is in stg_quarantine or superseded.
    where quarantine_reason is null and key_rank = 1
)

select * from final
