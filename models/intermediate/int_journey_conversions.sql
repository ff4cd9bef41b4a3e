{{ config(materialized=incremental_materialization(), meta={'row_key': ['journey_id']}) }}

-- Once per journey (rule 7): a journey converts at its first credited occurrence by processing
-- time (then occurrence id, for a stable choice between simultaneous ones).
with

credited as (
    select * from {{ ref('int_goal_occurrences_credited') }}
    where {{ person_batch_filter('person_id') }}
),

ranked as (
    select
        *,
        row_number() over (partition by journey_id order by processed_at, occurrence_id) as occurrence_rank
    from credited
),

final as (
    select
        {{ surrogate_key(['journey_id', 'occurrence_id']) }} as conversion_id,
        workspace_id,
        journey_id,
        campaign_id,
        person_id,
        goal_version,
        goal_type,
        basis,
        occurrence_id,
        occurrence_kind,
        processed_at as converted_at,
        claimed_at as occurred_at_claimed,
        credited_delivery_id,
        credited_channel,
        anchor_at,
        window_days
    from ranked
    where occurrence_rank = 1
)

select * from final
