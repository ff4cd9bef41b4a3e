{{ config(materialized='view', tags=['daily']) }}

with

base as (
    select * from {{ view_ref('base_cio__subjects') }}
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
