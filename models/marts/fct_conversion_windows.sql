-- One row per counted delivery and anchor: the conversion window the anchor opens under the goal
-- version in force at the anchor time, for journeys that could convert (goal in force at the start,
-- segment goal not already met). window_ends_at is exclusive; null for legacy goals with no limit.
with

anchors as (
    select * from {{ ref('int_delivery_anchors') }}
),

journeys as (
    select * from {{ ref('int_journeys_goal_at_start') }}
    where has_goal_at_start and not goal_met_at_start
),

versions as (
    select * from {{ ref('int_goal_versions_ranged') }}
    where goal_type <> 'none'
),

final as (
    select
        anchors.delivery_id,
        anchors.journey_id,
        versions.goal_version,
        anchors.basis,
        anchors.anchor_at,
        case
            when versions.window_days is not null
                then {{ add_days('anchors.anchor_at', 'versions.window_days') }}
        end as window_ends_at
    from anchors
    inner join journeys on anchors.journey_id = journeys.journey_id
    inner join versions
        on
            journeys.workspace_id = versions.workspace_id
            and journeys.campaign_id = versions.campaign_id
            and anchors.basis = versions.basis
            and anchors.anchor_at >= versions.valid_from
            and (anchors.anchor_at < versions.valid_until or versions.valid_until is null)
)

select * from final
