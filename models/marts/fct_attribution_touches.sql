{{ config(materialized=incremental_materialization(), meta={'row_key': ['journey_id']}) }}

-- Multi-touch attribution: per conversion, every touch in the journey's window at the converting
-- occurrence (the deliveries rule 6 chose from), with its share of the conversion under five
-- models. Each model's credits sum to 1 per conversion; last_touch gives 1 to the delivery that
-- fct_conversions credits (same order: latest anchor, later created_at, greater delivery_id).
with

conversions as (
    select * from {{ ref('int_journey_conversions') }}
    where {{ person_batch_filter('person_id') }}
),

touches as (
    select * from {{ ref('int_goal_occurrence_touches') }}
    where {{ person_batch_filter('person_id') }}
),

conversion_touches as (
    select
        conversions.conversion_id,
        conversions.journey_id,
        conversions.person_id,
        conversions.converted_at,
        touches.delivery_id,
        touches.channel,
        touches.anchor_at,
        -- bigint on every engine (Spark's row_number is an int).
        cast(row_number() over (
            partition by conversions.conversion_id
            order by touches.anchor_at, touches.delivery_created_at, touches.delivery_id
        ) as bigint) as touch_position,
        count(*) over (partition by conversions.conversion_id) as touch_count,
        -- Half the weight per half-life between the touch and the conversion.
        power(
            0.5,
            {{ seconds_between('touches.anchor_at', 'conversions.converted_at') }}
            -- Doubles, not decimal literals: Spark's decimal division rounds to its own scale.
            / cast(86400 * {{ var('attribution_half_life_days') }} as {{ type_double() }})
        ) as decay_weight
    from conversions
    inner join touches
        on
            conversions.journey_id = touches.journey_id
            and conversions.occurrence_id = touches.occurrence_id
),

weighted as (
    select
        *,
        sum(decay_weight) over (partition by conversion_id) as decay_weight_total
    from conversion_touches
),

credits as (
    select
        conversion_id,
        journey_id,
        person_id,
        delivery_id,
        channel,
        anchor_at,
        converted_at,
        touch_position,
        touch_count,
        case when touch_position = touch_count then 1.0 else 0.0 end as last_touch,
        case when touch_position = 1 then 1.0 else 0.0 end as first_touch,
        1 / cast(touch_count as {{ type_double() }}) as linear,
        case
            when touch_count = 1 then 1.0
            when touch_count = 2 then 0.5
            when touch_position = 1 or touch_position = touch_count then 0.4
            else 0.2 / cast(touch_count - 2 as {{ type_double() }})
        end as position_based,
        decay_weight / decay_weight_total as time_decay
    from weighted
),

unpivoted as (
    {%- set attribution_models = ['last_touch', 'first_touch', 'linear', 'position_based', 'time_decay'] %}
    {%- for attribution_model in attribution_models %}
        select
            conversion_id,
            journey_id,
            '{{ attribution_model }}' as model,  -- noqa: RF04
            delivery_id,
            channel,
            anchor_at,
            converted_at,
            touch_position,
            touch_count,
            cast({{ attribution_model }} as {{ type_double() }}) as credit,
            person_id
        from credits
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select * from unpivoted
)

select * from final
