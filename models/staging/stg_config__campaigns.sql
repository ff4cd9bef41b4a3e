with

base as (
    select * from {{ ref('base_config__campaigns') }}
),

final as (
    select
        workspace_id,
        campaign_id,
        campaign_name,
        kind,
        trigger_segment_id,
        created_at
    from base
    -- Valid rows only, and of each key only the winner; the rest is in stg_quarantine or superseded.
    where quarantine_reason is null and key_rank = 1
)

select * from final
