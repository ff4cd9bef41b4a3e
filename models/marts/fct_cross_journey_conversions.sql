{{ config(materialized=incremental_materialization(), meta={'row_key': ['occurrence_id']}) }}

-- Exclusive cross-journey credit (rule 10): a goal event that matches the goals (rules 1-3) of
-- several of a person's journeys is credited to exactly one of them, the journey with the latest
-- touchpoint at or before the event's processing time and at most
-- `cross_journey_lookback_days` (30) before it; ties go to the later journey start, then the greater
-- journey_id. Windows, basis and once-per-journey do not apply. No touchpoint in range: no credit.
with

matches as (
    select * from {{ ref('int_event_goal_occurrences_matched') }}
    where {{ person_batch_filter('person_id') }}
),

journeys as (
    select * from {{ ref('int_journeys_unified') }}
    where {{ person_batch_filter('person_id') }}
),

touchpoints as (
    select * from {{ ref('int_journey_touchpoints') }}
    where {{ person_batch_filter('person_id') }}
),

-- A grouped count, not a distinct window count: Postgres and Spark have no distinct window aggregates.
candidate_counts as (
    select
        event_id,
        count(distinct journey_id) as candidate_journeys
    from matches
    group by event_id
),

candidates as (
    select
        matches.event_id,
        matches.person_id,
        matches.received_at,
        candidate_counts.candidate_journeys,
        matches.journey_id
    from matches
    inner join candidate_counts on matches.event_id = candidate_counts.event_id
),

touched as (
    select
        candidates.event_id,
        candidates.journey_id,
        journeys.campaign_id,
        journeys.started_at,
        touchpoints.delivery_id,
        touchpoints.touch_at,
        touchpoints.delivery_created_at
    from candidates
    inner join journeys on candidates.journey_id = journeys.journey_id
    inner join touchpoints
        on
            candidates.journey_id = touchpoints.journey_id
            and candidates.received_at >= touchpoints.touch_at
            and touchpoints.touch_at >= {{ add_days('candidates.received_at', '-' ~ var('cross_journey_lookback_days')) }}
            -- The delivery must count at the event's processing time (rule 4).
            and candidates.received_at >= touchpoints.counts_from
            and (candidates.received_at < touchpoints.counts_until or touchpoints.counts_until is null)
),

ranked as (
    select
        *,
        row_number() over (
            partition by event_id
            order by touch_at desc, started_at desc, journey_id desc, delivery_created_at desc, delivery_id desc
        ) as credit_rank
    from touched
),

events as (
    select distinct
        event_id,
        person_id,
        received_at,
        candidate_journeys
    from candidates
),

final as (
    select
        events.event_id as occurrence_id,
        events.person_id,
        events.received_at as converted_at,
        events.candidate_journeys,
        ranked.journey_id as credited_journey_id,
        ranked.campaign_id as credited_campaign_id,
        ranked.delivery_id as touch_delivery_id,
        ranked.touch_at
    from events
    left join ranked
        on
            events.event_id = ranked.event_id
            and ranked.credit_rank = 1
)

select * from final
