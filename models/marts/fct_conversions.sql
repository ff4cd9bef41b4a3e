{{ config(materialized=incremental_materialization(), meta={'row_key': ['journey_id']}) }}

-- One row per converted journey: the occurrence that converted it, the goal version that judged
-- the occurrence at its processing time, and the delivery credited.
with

conversions as (
    select * from {{ ref('int_journey_conversions') }}
    where {{ person_batch_filter('person_id') }}
),

events as (
    select
        event_id,
        properties
    from {{ ref('stg_tracking__events') }}
    where {{ person_batch_semi_join('event_id', 'select occurrence_id from conversions') }}
),

final as (
    select
        conversions.conversion_id,
        conversions.journey_id,
        conversions.campaign_id,
        conversions.person_id,
        conversions.goal_version,
        conversions.goal_type,
        conversions.basis,
        conversions.occurrence_id,
        conversions.converted_at,
        conversions.occurred_at_claimed,
        conversions.credited_delivery_id,
        conversions.credited_channel,
        conversions.anchor_at,
        {{ seconds_between('conversions.anchor_at', 'conversions.converted_at') }} as seconds_to_convert,
        -- Revenue for the semantic layer: the goal event's first numeric revenue property, if any.
        coalesce(
            {%- for property in var('revenue_properties') %}
                {{ parse_number(json_text('events.properties', "'" ~ property ~ "'"), 'double') }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        ) as revenue
    from conversions
    -- One equality, so DuckDB hash-joins: with the kind test as a second join condition it
    -- compared every conversion with every event (nested loop, minutes at 5M events).
    left join events
        on
            case when conversions.occurrence_kind = 'event' then conversions.occurrence_id end
            = events.event_id
)

select * from final
