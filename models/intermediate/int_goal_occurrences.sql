{{ config(materialized=incremental_materialization(), meta={'row_key': ['journey_id']}) }}

-- Every goal occurrence of every journey, event or segment change, with the goal version that
-- judged it (rule 2) and that version's basis and window.
with

event_occurrences as (
    select * from {{ ref('int_event_goal_occurrences_matched') }}
    where {{ person_batch_filter('person_id') }}
),

segment_occurrences as (
    select * from {{ ref('int_segment_goal_occurrences') }}
    where {{ person_batch_filter('person_id') }}
),

final as (
    select
        workspace_id,
        journey_id,
        campaign_id,
        person_id,
        event_id as occurrence_id,
        'event' as occurrence_kind,
        received_at as processed_at,
        claimed_at,
        goal_version,
        goal_type,
        basis,
        window_days
    from event_occurrences
    union all
    select
        workspace_id,
        journey_id,
        campaign_id,
        person_id,
        occurrence_id,
        occurrence_kind,
        processed_at,
        claimed_at,
        goal_version,
        goal_type,
        basis,
        window_days
    from segment_occurrences
)

select * from final
