{{ config(materialized=incremental_materialization(), meta={'row_key': ['journey_id']}) }}

-- Events that could be a journey's goal occurrence: same person, processed at or after the journey
-- start, and named as the event goal of the version in force at the event's processing time
-- (rule 2: never the claimed timestamp). Only journeys that had a goal at their start (rule 1) and
-- had not already met a segment goal then (rule 3) can have occurrences.
with

journeys as (
    select * from {{ ref('int_journeys_goal_at_start') }}
    where has_goal_at_start and not goal_met_at_start and {{ person_batch_filter('person_id') }}
),

versions as (
    select * from {{ ref('int_goal_versions_ranged') }}
    where goal_type = 'event'
),

goal_event_names as (
    select distinct
        workspace_id,
        event_name
    from versions
),

events as (
    select events.*
    from {{ ref('stg_tracking__events') }} as events
    inner join goal_event_names
        on
            events.workspace_id = goal_event_names.workspace_id
            and events.event_name = goal_event_names.event_name
    where {{ person_batch_filter('events.internal_customer_id') }}
),

final as (
    select
        journeys.workspace_id,
        journeys.journey_id,
        journeys.campaign_id,
        journeys.person_id,
        journeys.trigger_event_id,
        events.event_id,
        events.properties,
        events.received_at,
        events.claimed_at,
        versions.goal_version,
        versions.goal_type,
        versions.filter_match,
        versions.basis,
        versions.window_days
    from journeys
    inner join events
        on
            journeys.workspace_id = events.workspace_id
            and journeys.person_id = events.internal_customer_id
            and journeys.started_at <= events.received_at
    inner join versions
        on
            journeys.workspace_id = versions.workspace_id
            and journeys.campaign_id = versions.campaign_id
            and events.event_name = versions.event_name
            and events.received_at >= versions.valid_from
            and (events.received_at < versions.valid_until or versions.valid_until is null)
)

select * from final
