-- Goal versions with the span in which each is in force: from its valid_from until the next
-- version's valid_from (rule 2). Versions saved at the same instant: the higher version wins.
with

versions as (
    select * from {{ ref('stg_config__goal_versions') }}
),

final as (
    select
        workspace_id,
        campaign_id,
        goal_version,
        valid_from,
        lead(valid_from) over (
            partition by workspace_id, campaign_id order by valid_from, goal_version
        ) as valid_until,
        goal_type,
        event_name,
        segment_id,
        filter_json,
        coalesce({{ json_text('filter_json', "'match'") }}, 'all') as filter_match,
        window_days,
        basis,
        exit_condition
    from versions
)

select * from final
