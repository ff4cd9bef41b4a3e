with

base as (
    select * from {{ ref('base_config__goal_versions') }}
),

final as (
    select
        workspace_id,
        campaign_id,
        goal_version,
        valid_from,
        goal_type,
        event_name,
        segment_id,
        filter_json,
        window_days,
        basis,
        coalesce(exit_condition, 'none') as exit_condition
    from base
    -- Valid rows only, and of each key only the winner; the rest is in stg_quarantine or superseded.
    where quarantine_reason is null and key_rank = 1
)

select * from final
