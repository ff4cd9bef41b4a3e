-- Campaign x action x day, as the platform's campaign overview reports it: metric counts on the day
-- the metric was recorded, conversions on the day they were processed (credited to the action of
-- the credited delivery). Newsletters report under their newsletter_id. conversion_rate divides
-- conversions by the denominator of the campaign's current goal basis: deliveries sent (received),
-- unique opens (opened) or unique tracked clicks (clicked).
with

deliveries as (
    select * from {{ ref('int_deliveries_classified') }}
),

metrics as (
    select * from {{ ref('stg_cio__metrics') }}
),

conversions as (
    select * from {{ ref('int_journey_conversions') }}
),

versions as (
    select * from {{ ref('int_goal_versions_ranged') }}
),

current_basis as (
    select
        workspace_id,
        campaign_id,
        basis
    from versions
    where valid_until is null
),

delivery_keys as (
    select
        workspace_id,
        delivery_id,
        coalesce(campaign_id, newsletter_id) as campaign_id,
        action_id
    from deliveries
),

metric_days as (
    select
        delivery_keys.workspace_id,
        delivery_keys.campaign_id,
        delivery_keys.action_id,
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
    inner join delivery_keys on metrics.delivery_id = delivery_keys.delivery_id
    group by delivery_keys.workspace_id, delivery_keys.campaign_id, delivery_keys.action_id, cast(metrics.created_at as date)
),

conversion_days as (
    select
        delivery_keys.workspace_id,
        delivery_keys.campaign_id,
        delivery_keys.action_id,
        cast(conversions.converted_at as date) as activity_date,
        count(*) as converted
    from conversions
    inner join delivery_keys on conversions.credited_delivery_id = delivery_keys.delivery_id
    group by delivery_keys.workspace_id, delivery_keys.campaign_id, delivery_keys.action_id, cast(conversions.converted_at as date)
),

days as (
    select
        workspace_id,
        campaign_id,
        action_id,
        activity_date
    from metric_days
    union
    select
        workspace_id,
        campaign_id,
        action_id,
        activity_date
    from conversion_days
),

final as (
    select
        days.workspace_id,
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
        coalesce(metric_days.unsubscribed, 0) as unsubscribed,
        current_basis.basis as goal_basis,
        cast(coalesce(conversion_days.converted, 0) as {{ type_double() }})
        / nullif(
            -- No goal version, no basis: no denominator, so no rate (not a 0.0 over sends).
            case current_basis.basis
                when 'received' then metric_days.sent
                when 'opened' then metric_days.unique_opened
                when 'clicked' then metric_days.unique_clicked
            end,
            0
        ) as conversion_rate
    from days
    left join metric_days
        on
            days.workspace_id = metric_days.workspace_id
            and days.campaign_id is not distinct from metric_days.campaign_id
            and days.action_id is not distinct from metric_days.action_id
            and days.activity_date = metric_days.activity_date
    left join conversion_days
        on
            days.workspace_id = conversion_days.workspace_id
            and days.campaign_id is not distinct from conversion_days.campaign_id
            and days.action_id is not distinct from conversion_days.action_id
            and days.activity_date = conversion_days.activity_date
    left join current_basis
        on
            days.workspace_id = current_basis.workspace_id
            and days.campaign_id = current_basis.campaign_id
)

select * from final
