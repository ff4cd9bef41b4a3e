{{ config(materialized=incremental_materialization(), meta={'batch_unit': 'delivery', 'row_key': ['delivery_id']}) }}

-- Per delivery, the first time of each metric that matters to the rules. Clicks count only on a
-- tracked link (link_id not null). The delivery is the batch key (batch_unit: a delivery's row
-- depends on its own delivery row and metrics alone; staging keeps only metrics whose delivery is
-- staged).
with

deliveries as (
    select
        delivery_id,
        internal_customer_id as person_id
    from {{ ref('stg_cio__deliveries') }}
    where {{ person_batch_filter('delivery_id') }}
),

metrics as (
    select * from {{ ref('stg_cio__metrics') }}
    where {{ person_batch_semi_join('delivery_id', 'select delivery_id from deliveries') }}
),

vocabulary as (
    select * from {{ ref('metric_vocabulary') }}
),

tagged as (
    select
        metrics.delivery_id,
        metrics.metric,
        metrics.created_at,
        vocabulary.is_left_platform,
        vocabulary.is_delivery_failure,
        vocabulary.is_open,
        vocabulary.is_click and metrics.link_id is not null as is_tracked_click
    from metrics
    inner join vocabulary on metrics.metric = vocabulary.metric
),

summarised as (
    select
        delivery_id,
        min(case when metric = 'sent' then created_at end) as sent_at,
        min(case when metric = 'delivered' then created_at end) as delivered_at,
        min(case when is_left_platform then created_at end) as left_platform_at,
        min(case when is_delivery_failure then created_at end) as failed_at,
        min(case when is_open then created_at end) as first_opened_at,
        min(case when is_tracked_click then created_at end) as first_clicked_at,
        count(case when metric = 'sent' then 1 end) as sent_count,
        count(case when metric = 'delivered' then 1 end) as delivered_count,
        count(case when is_open then 1 end) as opened_count,
        count(case when is_tracked_click then 1 end) as tracked_clicked_count,
        count(case when metric = 'bounced' then 1 end) as bounced_count,
        count(case when metric = 'unsubscribed' then 1 end) as unsubscribed_count,
        count(case when metric = 'converted' then 1 end) as platform_converted_count
    from tagged
    group by delivery_id
),

final as (
    select
        deliveries.person_id,
        summarised.*
    from summarised
    inner join deliveries on summarised.delivery_id = deliveries.delivery_id
)

select * from final
