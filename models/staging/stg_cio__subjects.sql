{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='subject_name',
    on_schema_change='fail',
    tags=['daily'],
) }}

with

base as (
    select * from {{ ref('base_cio__subjects') }}
    -- Incremental runs: only keys with a row in the processing-time batch (macros/incremental.sql).
    where {{ processing_batch_keys(ref('base_cio__subjects'), ['subject_name'], 'coalesce(created_at, started_campaign_at)') }}
),

final as (
    select
        workspace_id,
        subject_name,
        internal_customer_id,
        campaign_id,
        campaign_type,
        event_id,
        trigger_id,
        created_at,
        started_campaign_at,
        seq_num
    from base
    -- Valid rows only, and of each key only the winner; the rest is in stg_quarantine or superseded.
    where quarantine_reason is null and key_rank = 1
)

select * from final
