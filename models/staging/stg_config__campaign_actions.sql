with

base as (
    select * from {{ ref('base_config__campaign_actions') }}
),

final as (
    select
        workspace_id,
        action_id,
        campaign_id,
        action_type,
        action_name,
        coalesce(webhook_conversions_enabled, false) as webhook_conversions_enabled
    from base
    -- Valid rows only, and of each key only the winner; the rest is in stg_quarantine or superseded.
    where quarantine_reason is null and key_rank = 1
)

select * from final
