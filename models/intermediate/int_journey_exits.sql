{{ config(materialized=incremental_materialization(), meta={'row_key': ['journey_id']}) }}

-- Expected exit (rule 9), from the exit condition of the version in force at the journey start:
--   converted:          the first goal occurrence after the start (window ignored);
--   stopped_matching:   the first exit from the campaign's trigger segment after the start;
--   converted_or_...:   whichever comes first (a tie reads as `converted`).
-- A segment goal already met at the start exits the journey at its start when the condition
-- includes `converted`. Deliveries created strictly after the expected exit are violations.
with

journeys as (
    select * from {{ ref('int_journeys_goal_at_start') }}
    where {{ person_batch_filter('person_id') }}
),

occurrences as (
    select * from {{ ref('int_goal_occurrences') }}
    where {{ person_batch_filter('person_id') }}
),

changes as (
    select * from {{ ref('stg_tracking__segment_memberships') }}
    where {{ person_batch_filter('internal_customer_id') }}
),

deliveries as (
    select * from {{ ref('int_deliveries_classified') }}
    where {{ person_batch_filter('person_id') }}
),

first_occurrence as (
    select
        journey_id,
        min(processed_at) as first_occurrence_at
    from occurrences
    group by journey_id
),

first_trigger_exit as (
    select
        journeys.journey_id,
        min(changes.occurred_at) as stopped_matching_at
    from journeys
    inner join changes
        on
            journeys.workspace_id = changes.workspace_id
            and journeys.person_id = changes.internal_customer_id
            and journeys.trigger_segment_id = changes.segment_id
            and changes.action = 'exited'
            and journeys.started_at < changes.occurred_at
    group by journeys.journey_id
),

candidates as (
    select
        journeys.journey_id,
        journeys.person_id,
        journeys.started_at,
        journeys.goal_met_at_start,
        journeys.exit_condition_at_start in ('converted', 'converted_or_stopped_matching') as exits_on_conversion,
        journeys.exit_condition_at_start in ('stopped_matching', 'converted_or_stopped_matching')
            as exits_on_stopped_matching,
        first_occurrence.first_occurrence_at,
        first_trigger_exit.stopped_matching_at
    from journeys
    left join first_occurrence on journeys.journey_id = first_occurrence.journey_id
    left join first_trigger_exit on journeys.journey_id = first_trigger_exit.journey_id
),

decided as (
    select
        journey_id,
        person_id,
        case
            when exits_on_conversion and goal_met_at_start then 'goal_met_at_start'
            when
                exits_on_conversion and first_occurrence_at is not null
                and (
                    not exits_on_stopped_matching or stopped_matching_at is null
                    or first_occurrence_at <= stopped_matching_at
                ) then 'converted'
            when exits_on_stopped_matching and stopped_matching_at is not null then 'stopped_matching'
        end as exit_reason,
        started_at,
        first_occurrence_at,
        stopped_matching_at
    from candidates
),

with_exit_time as (
    select
        journey_id,
        person_id,
        exit_reason,
        case exit_reason
            when 'goal_met_at_start' then started_at
            when 'converted' then first_occurrence_at
            when 'stopped_matching' then stopped_matching_at
        end as expected_exit_at
    from decided
),

violations as (
    select
        with_exit_time.journey_id,
        count(deliveries.delivery_id) as deliveries_after_exit
    from with_exit_time
    left join deliveries
        on
            with_exit_time.journey_id = deliveries.journey_id
            and with_exit_time.expected_exit_at < deliveries.created_at
    group by with_exit_time.journey_id
),

final as (
    select
        with_exit_time.journey_id,
        with_exit_time.person_id,
        with_exit_time.expected_exit_at,
        with_exit_time.exit_reason,
        violations.deliveries_after_exit
    from with_exit_time
    inner join violations on with_exit_time.journey_id = violations.journey_id
)

select * from final
