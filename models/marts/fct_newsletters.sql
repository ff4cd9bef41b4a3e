-- The newsletter report: one row per newsletter, its audience, engagement and conversions.
-- A newsletter delivery is a journey of one message (contract section 3), so a converted
-- delivery is a converted journey; the rate is over deliveries that left the platform.
with

deliveries as (
    select * from {{ ref('int_deliveries_classified') }}
    where newsletter_id is not null
),

metrics as (
    select * from {{ ref('int_delivery_metrics_summarised') }}
),

conversions as (
    select * from {{ ref('fct_conversions') }}
),

campaigns as (
    select * from {{ ref('stg_config__campaigns') }}
),

delivery_outcomes as (
    select
        deliveries.workspace_id,
        deliveries.newsletter_id,
        deliveries.delivery_id,
        deliveries.created_at,
        coalesce(metrics.left_platform_at is not null and metrics.failed_at is null, false) as left_platform,
        metrics.first_opened_at is not null as was_opened,
        metrics.first_clicked_at is not null as was_clicked,
        conversions.journey_id is not null as is_converted,
        conversions.revenue
    from deliveries
    left join metrics on deliveries.delivery_id = metrics.delivery_id
    left join conversions on deliveries.delivery_id = conversions.journey_id
),

final as (
    select
        delivery_outcomes.workspace_id,
        delivery_outcomes.newsletter_id,
        campaigns.campaign_name as newsletter_name,
        min(delivery_outcomes.created_at) as first_delivery_at,
        count(*) as deliveries,
        count(case when delivery_outcomes.left_platform then 1 end) as deliveries_sent,
        count(case when delivery_outcomes.was_opened then 1 end) as unique_opened,
        count(case when delivery_outcomes.was_clicked then 1 end) as unique_clicked,
        count(case when delivery_outcomes.is_converted then 1 end) as conversions,
        cast(count(case when delivery_outcomes.is_converted then 1 end) as {{ type_double() }})
        / nullif(count(case when delivery_outcomes.left_platform then 1 end), 0) as conversion_rate,
        sum(delivery_outcomes.revenue) as revenue
    from delivery_outcomes
    left join campaigns
        on
            delivery_outcomes.workspace_id = campaigns.workspace_id
            and delivery_outcomes.newsletter_id = campaigns.campaign_id
    group by delivery_outcomes.workspace_id, delivery_outcomes.newsletter_id, campaigns.campaign_name
)

select * from final
