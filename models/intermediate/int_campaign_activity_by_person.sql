{{ config(
    materialized=incremental_materialization(),
    meta={
        'group_by': ['workspace_id', 'campaign_id', 'action_id', 'activity_date'],
        'row_key': ['person_id', 'workspace_id', 'campaign_id', 'action_id', 'activity_date'],
    },
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

activity as (
    -- Metrics and credited conversions of the batch's deliveries, each on its own day: one
    -- grouping below counts both (a group is a day with either; nulls group together).
    select
        deliveries.workspace_id,
        deliveries.person_id,
        deliveries.campaign_id,
        deliveries.action_id,
        cast(metrics.created_at as date) as activity_date,
        metrics.metric,
        metrics.link_id,
        metrics.delivery_id,
        false as is_conversion
    from metrics
    inner join deliveries on metrics.delivery_id = deliveries.delivery_id
    union all
    select
        deliveries.workspace_id,
        deliveries.person_id,
        deliveries.campaign_id,
        deliveries.action_id,
        cast(conversions.converted_at as date) as activity_date,
        null as metric,
        null as link_id,
        null as delivery_id,
        true as is_conversion
    from conversions
    inner join deliveries on conversions.credited_delivery_id = deliveries.delivery_id
),

final as (
    select
        workspace_id,
        person_id,
        campaign_id,
        action_id,
        activity_date,
        count(case when metric = 'sent' then 1 end) as sent,
        count(case when metric = 'delivered' then 1 end) as delivered,
        count(case when metric = 'opened' then 1 end) as opened,
        count(distinct case when metric = 'opened' then delivery_id end) as unique_opened,
        count(case when metric = 'clicked' and link_id is not null then 1 end) as clicked,
        count(distinct case when metric = 'clicked' and link_id is not null then delivery_id end)
            as unique_clicked,
        count(case when is_conversion then 1 end) as converted,
        count(case when metric = 'bounced' then 1 end) as bounced,
        count(case when metric = 'unsubscribed' then 1 end) as unsubscribed
    from activity
    group by workspace_id, person_id, campaign_id, action_id, activity_date
)

select * from final
