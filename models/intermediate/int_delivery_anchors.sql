{{ config(materialized=incremental_materialization(), meta={'batch_unit': 'delivery', 'row_key': ['delivery_id']}) }}

-- Anchors of attributable deliveries per basis (rule 5), each with the span of processing times in
-- which it is the delivery's anchor and the delivery counts (rule 4):
--   received: the first sent/delivered time;
--   opened:   every open, until the next open replaces it;
--   clicked:  every tracked click, until the next one replaces it.
-- A delivery counts from its first sent/delivered metric until its first failure metric, so the span
-- starts at greatest(anchor, left_platform_at) and ends (exclusive) at the next anchor or the
-- failure, whichever comes first. Credit then needs one range lookup per occurrence (no product of
-- deliveries and events beyond the journey).
with

deliveries as (
    select * from {{ ref('int_deliveries_classified') }}
    where is_attributable and journey_id is not null and {{ person_batch_filter('delivery_id') }}
),

summaries as (
    select * from {{ ref('int_delivery_metrics_summarised') }}
    where {{ person_batch_filter('delivery_id') }}
),

metrics as (
    select * from {{ ref('stg_cio__metrics') }}
    where {{ person_batch_semi_join('delivery_id', 'select delivery_id from deliveries') }}
),

vocabulary as (
    select * from {{ ref('metric_vocabulary') }}
),

counted as (
    select
        deliveries.workspace_id,
        deliveries.person_id,
        deliveries.delivery_id,
        deliveries.journey_id,
        deliveries.channel,
        deliveries.created_at as delivery_created_at,
        summaries.left_platform_at,
        summaries.failed_at
    from deliveries
    inner join summaries on deliveries.delivery_id = summaries.delivery_id
    where summaries.left_platform_at is not null
),

received_anchors as (
    select
        delivery_id,
        'received' as basis,
        left_platform_at as anchor_at,
        cast(null as timestamp) as next_anchor_at
    from counted
),

engagement_anchors as (
    select
        metrics.delivery_id,
        case when vocabulary.is_open then 'opened' else 'clicked' end as basis,
        metrics.created_at as anchor_at
    from metrics
    inner join vocabulary on metrics.metric = vocabulary.metric
    inner join counted on metrics.delivery_id = counted.delivery_id
    where vocabulary.is_open or (vocabulary.is_click and metrics.link_id is not null)
),

engagement_spans as (
    select
        delivery_id,
        basis,
        anchor_at,
        lead(anchor_at) over (partition by delivery_id, basis order by anchor_at) as next_anchor_at
    from engagement_anchors
),

all_anchors as (
    select * from received_anchors
    union all
    select * from engagement_spans
),

final as (
    select
        counted.workspace_id,
        counted.person_id,
        counted.journey_id,
        counted.delivery_id,
        counted.channel,
        counted.delivery_created_at,
        all_anchors.basis,
        all_anchors.anchor_at,
        greatest(all_anchors.anchor_at, counted.left_platform_at) as counts_from,
        least(all_anchors.next_anchor_at, counted.failed_at) as counts_until
    from all_anchors
    inner join counted on all_anchors.delivery_id = counted.delivery_id
)

select * from final
where counts_until is null or counts_from < counts_until
