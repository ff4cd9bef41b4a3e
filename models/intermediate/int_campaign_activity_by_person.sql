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

delivery_days as (
    -- Per delivery and day first: a delivery opened (or clicked) that day is then one row, so the
    -- grouping below counts unique opens without a distinct count (a sort on Postgres), and joins a
    -- row per delivery and day instead of one per metric.
    select
        delivery_id,
        cast(created_at as date) as activity_date,
        count(case when metric = 'sent' then 1 end) as sent,
        count(case when metric = 'delivered' then 1 end) as delivered,
        count(case when metric = 'opened' then 1 end) as opened,
        count(case when metric = 'clicked' and link_id is not null then 1 end) as clicked,
        count(case when metric = 'bounced' then 1 end) as bounced,
        count(case when metric = 'unsubscribed' then 1 end) as unsubscribed,
        0 as converted
    from metrics
    group by delivery_id, cast(created_at as date)
),

conversion_days as (
    -- Credited conversions on their own day, in the same shape.
    select
        credited_delivery_id as delivery_id,
        cast(converted_at as date) as activity_date,
        0 as sent,
        0 as delivered,
        0 as opened,
        0 as clicked,
        0 as bounced,
        0 as unsubscribed,
        count(*) as converted
    from conversions
    group by credited_delivery_id, cast(converted_at as date)
),

activity_days as (
    select * from delivery_days
    union all
    select * from conversion_days
),

activity as (
    select
        deliveries.workspace_id,
        deliveries.person_id,
        deliveries.campaign_id,
        deliveries.action_id,
        activity_days.activity_date,
        activity_days.sent,
        activity_days.delivered,
        activity_days.opened,
        activity_days.clicked,
        activity_days.bounced,
        activity_days.unsubscribed,
        activity_days.converted
    from activity_days
    inner join deliveries on activity_days.delivery_id = deliveries.delivery_id
),

final as (
    select
        workspace_id,
        person_id,
        campaign_id,
        action_id,
        activity_date,
        cast(sum(sent) as bigint) as sent,
        cast(sum(delivered) as bigint) as delivered,
        cast(sum(opened) as bigint) as opened,
        count(case when opened > 0 then 1 end) as unique_opened,
        cast(sum(clicked) as bigint) as clicked,
        count(case when clicked > 0 then 1 end) as unique_clicked,
        cast(sum(converted) as bigint) as converted,
        cast(sum(bounced) as bigint) as bounced,
        cast(sum(unsubscribed) as bigint) as unsubscribed
    from activity
    group by workspace_id, person_id, campaign_id, action_id, activity_date
)

select * from final
