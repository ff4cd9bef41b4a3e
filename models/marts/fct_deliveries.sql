{{ config(materialized=incremental_materialization(), meta={'row_key': ['delivery_id']}) }}

-- One row per delivery: where it went, when it left the platform, first engagement, and whether a
-- journey conversion was credited to it.
with

deliveries as (
    select * from {{ ref('int_deliveries_classified') }}
    where {{ person_batch_filter('person_id') }}
),

summaries as (
    select * from {{ ref('int_delivery_metrics_summarised') }}
    where {{ person_batch_filter('person_id') }}
),

conversions as (
    select * from {{ ref('int_journey_conversions') }}
    where {{ person_batch_filter('person_id') }}
),

final as (
    select
        deliveries.delivery_id,
        deliveries.journey_id,
        deliveries.campaign_id,
        deliveries.newsletter_id,
        deliveries.action_id,
        deliveries.person_id,
        deliveries.channel,
        deliveries.created_at,
        summaries.sent_at,
        summaries.delivered_at,
        summaries.first_opened_at,
        summaries.first_clicked_at,
        deliveries.is_attributable,
        coalesce(summaries.left_platform_at is not null and summaries.failed_at is null, false) as left_platform,
        conversions.conversion_id is not null as is_converted,
        conversions.converted_at
    from deliveries
    left join summaries on deliveries.delivery_id = summaries.delivery_id
    left join conversions on deliveries.delivery_id = conversions.credited_delivery_id
)

select * from final
