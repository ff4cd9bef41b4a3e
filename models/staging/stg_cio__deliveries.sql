{{ config(materialized='view', tags=['daily']) }}

with

base as (
    select * from {{ view_ref('base_cio__deliveries') }}
),

final as (
    select
        workspace_id,
        delivery_id,
        internal_customer_id,
        subject_id,
        event_id,
        delivery_type,
        campaign_id,
        action_id,
        newsletter_id,
        content_id,
        trigger_id,
        transactional_message_id,
        created_at,
        seq_num
    from base
    -- Valid rows only, and of each key only the winner; the rest is in stg_quarantine or superseded.
    where quarantine_reason is null and key_rank = 1
)

select * from final
