with

base as (
    select * from {{ ref('base_config__branch_paths') }}
),

final as (
    select
        workspace_id,
        action_id,
        branch_index,
        campaign_id,
        weight_percent,
        path_role
    from base
    -- Valid rows only, and of each key only the winner; the rest is in stg_quarantine or superseded.
    where quarantine_reason is null and key_rank = 1
)

select * from final
