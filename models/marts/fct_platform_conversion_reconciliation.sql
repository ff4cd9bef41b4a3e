{{ config(materialized=incremental_materialization(), meta={'row_key': ['delivery_id']}) }}

-- Compares the platform's own `converted` metrics with our conversions, per delivery that either
-- side marks converted, and classifies each difference by the first rule that explains it.
-- The platform's converted rows are never an input to our conversions (contract section 1).
with

summaries as (
    select * from {{ ref('int_delivery_metrics_summarised') }}
    where {{ person_batch_filter('person_id') }}
),

deliveries as (
    select * from {{ ref('fct_deliveries') }}
    where {{ person_batch_filter('person_id') }}
),

journeys as (
    select * from {{ ref('int_journeys_goal_at_start') }}
    where {{ person_batch_filter('person_id') }}
),

conversions as (
    select * from {{ ref('int_journey_conversions') }}
    where {{ person_batch_filter('person_id') }}
),

occurrences as (
    select distinct journey_id from {{ ref('int_goal_occurrences') }}
    where {{ person_batch_filter('person_id') }}
),

compared as (
    select
        deliveries.delivery_id,
        deliveries.journey_id,
        deliveries.person_id,
        coalesce(deliveries.campaign_id, deliveries.newsletter_id) as campaign_id,
        deliveries.channel,
        coalesce(summaries.platform_converted_count, 0) > 0 as is_platform_converted,
        deliveries.is_converted,
        deliveries.is_attributable,
        deliveries.left_platform,
        journeys.has_goal_at_start,
        journeys.goal_met_at_start,
        conversions.credited_delivery_id as journey_credited_delivery_id,
        occurrences.journey_id is not null as has_goal_occurrence
    from deliveries
    left join summaries on deliveries.delivery_id = summaries.delivery_id
    left join journeys on deliveries.journey_id = journeys.journey_id
    left join conversions on deliveries.journey_id = conversions.journey_id
    left join occurrences on deliveries.journey_id = occurrences.journey_id
    where deliveries.is_converted or coalesce(summaries.platform_converted_count, 0) > 0
),

final as (
    select
        delivery_id,
        journey_id,
        campaign_id,
        channel,
        is_platform_converted,
        is_converted,
        case
            when is_platform_converted and is_converted then 'agree'
            when is_converted then 'ours_only'
            when not is_attributable then 'platform_only:channel_not_attributable'
            when not left_platform then 'platform_only:did_not_leave_platform'
            when journey_id is null then 'platform_only:no_journey'
            when not coalesce(has_goal_at_start, false) then 'platform_only:no_goal_at_journey_start'
            when goal_met_at_start then 'platform_only:goal_met_at_start'
            when journey_credited_delivery_id is not null then 'platform_only:credited_other_delivery'
            when not has_goal_occurrence then 'platform_only:no_goal_occurrence'
            else 'platform_only:outside_window'
        end as difference,
        person_id
    from compared
)

select * from final
