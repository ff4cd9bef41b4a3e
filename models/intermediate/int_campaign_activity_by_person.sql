{{ config(
    materialized=incremental_materialization(),
    meta={'group_by': ['workspace_id', 'campaign_id', 'action_id', 'activity_date']},
) }}

-- fct_campaign_daily's counts per person (of the delivery): campaign x action x day x person. The
-- mart sums them, so a batch recomputes only its people's rows and the mart re-sums only the
-- campaign-days those rows fall on (group_by); unique opens and clicks add up across people
-- because each delivery is one person's.
with

deliveries as (
    select
        workspace_id,
        delivery_id,
        person_id,
        coalesce(campaign_id, newsletter_id) as campaign_id,
        action_id
    from {{ ref('int_deliveries_classified') }}
    where {{ person_batch_filter('person_id') }}
),

metrics as (
    select * from {{ ref('stg_cio__metrics') }}
    where {{ person_batch_semi_join('delivery_id', 'select delivery_id from deliveries') }}
),

conversions as (
    select * from {{ ref('int_journey_conversions') }}
    where {{ person_batch_semi_join('credited_delivery_id', 'select delivery_id from deliveries') }}
),

metric_days as (
    select
        deliveries.workspace_id,
        deliveries.person_id,
        deliveries.campaign_id,
        deliveries.action_id,
        cast(metrics.created_at as date) as activity_date,
        count(case when metrics.metric = 'sent' then 1 end) as sent,
        count(case when metrics.metric = 'delivered' then 1 end) as delivered,
        count(case when metrics.metric = 'opened' then 1 end) as opened,
        count(distinct case when metrics.metric = 'opened' then metrics.delivery_id end) as unique_opened,
        count(case when metrics.metric = 'clicked' and metrics.link_id is not null then 1 end) as clicked,
        count(distinct case when metrics.metric = 'clicked' and metrics.link_id is not null then metrics.delivery_id end)
            as unique_clicked,
        count(case when metrics.metric = 'bounced' then 1 end) as bounced,
        count(case when metrics.metric = 'unsubscribed' then 1 end) as unsubscribed
    from metrics
    inner join deliveries on metrics.delivery_id = deliveries.delivery_id
    group by
        deliveries.workspace_id, deliveries.person_id, deliveries.campaign_id, deliveries.action_id,
        cast(metrics.created_at as date)
),

conversion_days as (
    select
        deliveries.workspace_id,
        deliveries.person_id,
        deliveries.campaign_id,
        deliveries.action_id,
        cast(conversions.converted_at as date) as activity_date,
        count(*) as converted
    from conversions
    inner join deliveries on conversions.credited_delivery_id = deliveries.delivery_id
    group by
        deliveries.workspace_id, deliveries.person_id, deliveries.campaign_id, deliveries.action_id,
        cast(conversions.converted_at as date)
),

days as (
    select
        workspace_id,
        person_id,
        campaign_id,
        action_id,
        activity_date
    from metric_days
    union
    select
        workspace_id,
        person_id,
        campaign_id,
        action_id,
        activity_date
    from conversion_days
),

final as (
    select
        days.workspace_id,
        days.person_id,
        days.campaign_id,
        days.action_id,
        days.activity_date,
        coalesce(metric_days.sent, 0) as sent,
        coalesce(metric_days.delivered, 0) as delivered,
        coalesce(metric_days.opened, 0) as opened,
        coalesce(metric_days.unique_opened, 0) as unique_opened,
        coalesce(metric_days.clicked, 0) as clicked,
        coalesce(metric_days.unique_clicked, 0) as unique_clicked,
        coalesce(conversion_days.converted, 0) as converted,
        coalesce(metric_days.bounced, 0) as bounced,
        coalesce(metric_days.unsubscribed, 0) as unsubscribed
    from days
    left join metric_days
        on
            days.workspace_id = metric_days.workspace_id
            and days.person_id is not distinct from metric_days.person_id
            and days.campaign_id is not distinct from metric_days.campaign_id
            and days.action_id is not distinct from metric_days.action_id
            and days.activity_date = metric_days.activity_date
    left join conversion_days
        on
            days.workspace_id = conversion_days.workspace_id
            and days.person_id is not distinct from conversion_days.person_id
            and days.campaign_id is not distinct from conversion_days.campaign_id
            and days.action_id is not distinct from conversion_days.action_id
            and days.activity_date = conversion_days.activity_date
)

select * from final
