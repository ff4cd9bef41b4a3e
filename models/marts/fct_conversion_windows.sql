{{ config(materialized=incremental_materialization(), meta={'row_key': ['journey_id']}) }}

-- One row per counted delivery and anchor: the conversion window the anchor opens under the goal
-- version in force at the anchor time, for journeys that could convert (goal in force at the start,
-- segment goal not already met). window_ends_at is exclusive; null for legacy goals with no limit.
with

anchors as (
    select * from {{ ref('int_delivery_anchors') }}
    where {{ person_batch_filter('person_id') }}
),

journeys as (
    select * from {{ ref('int_journeys_goal_at_start') }}
    where has_goal_at_start and not goal_met_at_start and {{ person_batch_filter('person_id') }}
),

versions as (
    select * from {{ ref('int_goal_versions_ranged') }}
    where goal_type <> 'none'
),

-- Journey first, then the version: the journey gives the campaign, so the version join is on
-- equal keys. Left to itself DuckDB joined every anchor to every version of the same basis
-- first (10x the anchors; 43 s instead of 2 s at 10M deliveries).
anchored as {{ materialized_cte() }} (
    select
        anchors.delivery_id,
        anchors.journey_id,
        anchors.basis,
        anchors.anchor_at,
        journeys.workspace_id,
        journeys.campaign_id,
        journeys.person_id
    from anchors
    inner join journeys on anchors.journey_id = journeys.journey_id
),

final as (
    select
        anchored.delivery_id,
        anchored.journey_id,
        versions.goal_version,
        anchored.basis,
        anchored.anchor_at,
        case
            when versions.window_days is not null
                then {{ add_days('anchored.anchor_at', 'versions.window_days') }}
        end as window_ends_at,
        anchored.person_id
    from anchored
    inner join versions
        on
            anchored.workspace_id = versions.workspace_id
            and anchored.campaign_id = versions.campaign_id
            and anchored.basis = versions.basis
            and anchored.anchor_at >= versions.valid_from
            and (anchored.anchor_at < versions.valid_until or versions.valid_until is null)
)

select * from final
