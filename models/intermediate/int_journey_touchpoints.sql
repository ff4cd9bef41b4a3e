{{ config(materialized=incremental_materialization(), meta={'batch_unit': 'delivery', 'row_key': ['delivery_id']}) }}

-- Touchpoints for the cross-journey model (rule 10): every sent/delivered, opened or tracked
-- clicked metric of an attributable delivery, with the span in which the delivery counts (from its
-- first sent/delivered metric until its first failure, rule 4).
with

deliveries as (
    select * from {{ ref('int_deliveries_classified') }}
    where is_attributable and journey_id is not null and {{ person_batch_filter('delivery_id') }}
),

summaries as (
    select * from {{ ref('int_delivery_metrics_summarised') }}
    where left_platform_at is not null and {{ person_batch_filter('delivery_id') }}
),

metrics as (
    select * from {{ ref('stg_cio__metrics') }}
    where {{ person_batch_semi_join('delivery_id', 'select delivery_id from deliveries') }}
),

vocabulary as (
    select * from {{ ref('metric_vocabulary') }}
),

touch_metrics as (
    select
        metrics.delivery_id,
        metrics.created_at as touch_at
    from metrics
    inner join vocabulary on metrics.metric = vocabulary.metric
    where
        vocabulary.is_left_platform
        or vocabulary.is_open
        or (vocabulary.is_click and metrics.link_id is not null)
),

final as (
    select
        deliveries.workspace_id,
        deliveries.person_id,
        deliveries.journey_id,
        deliveries.delivery_id,
        deliveries.created_at as delivery_created_at,
        touch_metrics.touch_at,
        summaries.left_platform_at as counts_from,
        summaries.failed_at as counts_until
    from touch_metrics
    inner join deliveries on touch_metrics.delivery_id = deliveries.delivery_id
    inner join summaries on touch_metrics.delivery_id = summaries.delivery_id
)

select * from final
