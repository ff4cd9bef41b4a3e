{{ config(
    materialized=incremental_materialization(),
    meta={
        'group_by': ['workspace_id', 'newsletter_id'],
        'row_key': ['person_id', 'workspace_id', 'newsletter_id'],
    },
) }}

-- fct_newsletters' counts per person: newsletter x person. A newsletter delivery is a journey of
-- one message (contract section 3), so a converted delivery is a converted journey. The mart sums
-- these, re-summing only the newsletters a batch's people touched (group_by).
with

deliveries as (
    select * from {{ ref('int_deliveries_classified') }}
    where newsletter_id is not null and {{ person_batch_filter('person_id') }}
),

metrics as (
    select * from {{ ref('int_delivery_metrics_summarised') }}
    where {{ person_batch_filter('person_id') }}
),

conversions as (
    select * from {{ ref('fct_conversions') }}
    where {{ person_batch_filter('person_id') }}
),

delivery_outcomes as (
    select
        deliveries.workspace_id,
        deliveries.newsletter_id,
        deliveries.person_id,
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
        workspace_id,
        newsletter_id,
        person_id,
        min(created_at) as first_delivery_at,
        count(*) as deliveries,
        count(case when left_platform then 1 end) as deliveries_sent,
        count(case when was_opened then 1 end) as unique_opened,
        count(case when was_clicked then 1 end) as unique_clicked,
        count(case when is_converted then 1 end) as conversions,
        -- Summed as decimals: exact, so the same in whatever order a build adds the rows (doubles
        -- are not), and an incremental build equals a full one to the bit.
        cast(sum(cast(revenue as decimal(38, 9))) as {{ type_double() }}) as revenue
    from delivery_outcomes
    group by workspace_id, newsletter_id, person_id
)

select * from final
