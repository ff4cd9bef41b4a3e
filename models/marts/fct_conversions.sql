-- One row per converted journey: the occurrence that converted it, the goal version that judged
-- the occurrence at its processing time, and the delivery credited.
with

conversions as (
    select * from {{ ref('int_journey_conversions') }}
),

final as (
    select
        conversion_id,
        journey_id,
        campaign_id,
        person_id,
        goal_version,
        goal_type,
        basis,
        occurrence_id,
        converted_at,
        occurred_at_claimed,
        credited_delivery_id,
        credited_channel,
        anchor_at,
        {{ seconds_between('anchor_at', 'converted_at') }} as seconds_to_convert
    from conversions
)

select * from final
