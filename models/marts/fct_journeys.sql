{{ config(materialized=incremental_materialization(), meta={'row_key': ['journey_id']}) }}

-- One row per journey (campaign journeys and newsletter deliveries): goal at the start, conversion,
-- expected exit and deliveries sent after it.
with

journeys as (
    select * from {{ ref('int_journeys_goal_at_start') }}
    where {{ person_batch_filter('person_id') }}
),

conversions as (
    select * from {{ ref('int_journey_conversions') }}
    where {{ person_batch_filter('person_id') }}
),

exits as (
    select * from {{ ref('int_journey_exits') }}
    where {{ person_batch_filter('person_id') }}
),

deliveries as (
    select * from {{ ref('fct_deliveries') }}
    where {{ person_batch_filter('person_id') }}
),

sent_counts as (
    select
        journey_id,
        count(*) as deliveries_sent
    from deliveries
    where sent_at is not null or delivered_at is not null
    group by journey_id
),

final as (
    select
        journeys.journey_id,
        journeys.campaign_id,
        journeys.person_id,
        journeys.started_at,
        journeys.goal_version_at_start,
        journeys.goal_met_at_start,
        conversions.conversion_id is not null as is_converted,
        conversions.converted_at,
        conversions.credited_delivery_id,
        exits.expected_exit_at,
        exits.exit_reason,
        coalesce(sent_counts.deliveries_sent, 0) as deliveries_sent,
        coalesce(exits.deliveries_after_exit, 0) as deliveries_after_exit
    from journeys
    left join conversions on journeys.journey_id = conversions.journey_id
    left join exits on journeys.journey_id = exits.journey_id
    left join sent_counts on journeys.journey_id = sent_counts.journey_id
)

select * from final
