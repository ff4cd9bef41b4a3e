{{ config(materialized=incremental_materialization(), meta={'row_key': ['journey_id']}) }}

-- The goal version in force at each journey's start (rules 1 and 9) and whether a segment goal was
-- already met then (rule 3): membership at the start includes changes at that same instant.
with

journeys as (
    select * from {{ ref('int_journeys_unified') }}
    where {{ person_batch_filter('person_id') }}
),

versions as (
    select * from {{ ref('int_goal_versions_ranged') }}
),

memberships as (
    select * from {{ ref('int_segment_memberships_ranged') }}
    where {{ person_batch_filter('person_id') }}
),

campaigns as (
    select * from {{ ref('stg_config__campaigns') }}
),

with_version as (
    select
        journeys.*,
        versions.goal_version as goal_version_at_start,
        versions.goal_type as goal_type_at_start,
        versions.segment_id as goal_segment_id,
        coalesce(versions.exit_condition, 'none') as exit_condition_at_start,
        coalesce(versions.goal_type, 'none') <> 'none' as has_goal_at_start
    from journeys
    left join versions
        on
            journeys.workspace_id = versions.workspace_id
            and journeys.campaign_id = versions.campaign_id
            and journeys.started_at >= versions.valid_from
            -- coalesce, not `or ... is null`: an OR in the condition makes DuckDB nested-loop join.
            and journeys.started_at < coalesce(versions.valid_until, {{ end_of_time() }})
),

with_membership as (
    select
        with_version.*,
        coalesce(memberships.action = 'entered', false) as in_goal_segment_at_start
    from with_version
    left join memberships
        on
            with_version.workspace_id = memberships.workspace_id
            and with_version.person_id = memberships.person_id
            and with_version.goal_segment_id = memberships.segment_id
            and with_version.started_at >= memberships.state_from
            and with_version.started_at < coalesce(memberships.state_until, {{ end_of_time() }})
),

final as (
    select
        with_membership.workspace_id,
        with_membership.journey_id,
        with_membership.campaign_id,
        with_membership.person_id,
        with_membership.started_at,
        with_membership.trigger_event_id,
        with_membership.is_newsletter,
        campaigns.trigger_segment_id,
        with_membership.goal_version_at_start,
        with_membership.goal_type_at_start,
        with_membership.exit_condition_at_start,
        with_membership.has_goal_at_start,
        coalesce(
            (with_membership.goal_type_at_start = 'segment_entered' and with_membership.in_goal_segment_at_start)
            or (with_membership.goal_type_at_start = 'segment_exited' and not with_membership.in_goal_segment_at_start),
            false
        ) as goal_met_at_start
    from with_membership
    left join campaigns
        on
            with_membership.workspace_id = campaigns.workspace_id
            and with_membership.campaign_id = campaigns.campaign_id
)

select * from final
