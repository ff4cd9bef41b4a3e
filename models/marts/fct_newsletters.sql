{{ config(
    materialized=incremental_materialization(),
    meta={'aggregates': 'int_newsletter_activity_by_person'},
) }}

-- The newsletter report: one row per newsletter, its audience, engagement and conversions.
-- A newsletter delivery is a journey of one message (contract section 3), so a converted
-- delivery is a converted journey; the rate is over deliveries that left the platform.
with

activity as (
    select * from {{ ref('int_newsletter_activity_by_person') }}
    -- A daily run re-sums the newsletters its people's rows fall on, before and after.
    where {{ group_batch_filter() }}
),

campaigns as (
    select * from {{ ref('stg_config__campaigns') }}
),

totals as (
    select
        workspace_id,
        newsletter_id,
        min(first_delivery_at) as first_delivery_at,
        -- Sums of bigints are wider types on DuckDB (hugeint) and Postgres (numeric).
        cast(sum(deliveries) as bigint) as deliveries,
        cast(sum(deliveries_sent) as bigint) as deliveries_sent,
        cast(sum(unique_opened) as bigint) as unique_opened,
        cast(sum(unique_clicked) as bigint) as unique_clicked,
        cast(sum(conversions) as bigint) as conversions,
        -- Exact, as in int_newsletter_activity_by_person.
        cast(sum(cast(revenue as decimal(38, 9))) as {{ type_double() }}) as revenue
    from activity
    group by workspace_id, newsletter_id
),

final as (
    select
        totals.workspace_id,
        totals.newsletter_id,
        campaigns.campaign_name as newsletter_name,
        totals.first_delivery_at,
        totals.deliveries,
        totals.deliveries_sent,
        totals.unique_opened,
        totals.unique_clicked,
        totals.conversions,
        cast(totals.conversions as {{ type_double() }}) / nullif(totals.deliveries_sent, 0) as conversion_rate,
        totals.revenue
    from totals
    left join campaigns
        on
            totals.workspace_id = campaigns.workspace_id
            and totals.newsletter_id = campaigns.campaign_id
)

select * from final
