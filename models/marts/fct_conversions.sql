-- One row per converted journey: the occurrence that converted it, the goal version that judged
-- the occurrence at its processing time, and the delivery credited.
with

conversions as (
    select * from {{ ref('int_journey_conversions') }}
),

events as (
    select event_id, properties from {{ ref('stg_tracking__events') }}
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
        {{ seconds_between('conversions.anchor_at', 'conversions.converted_at') }} as seconds_to_convert,
        -- Revenue for the semantic layer: the goal event's first numeric revenue property, if any.
        coalesce(
            {%- for property in var('revenue_properties') %}
            {{ safe_cast(json_text('events.properties', "'" ~ property ~ "'"), 'double') }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        ) as revenue
    from conversions
    -- One equality, so DuckDB hash-joins: with the kind test as a second join condition it
    -- compared every conversion with every event (nested loop, minutes at 5M events).
    left join events
        on case when conversions.occurrence_kind = 'event' then conversions.occurrence_id end
        = events.event_id
)

select * from final
