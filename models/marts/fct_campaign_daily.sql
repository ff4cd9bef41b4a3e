{{ config(
    materialized=incremental_materialization(),
    meta={'aggregates': 'int_campaign_activity_by_person'},
) }}

-- Campaign x action x day, as the platform's campaign overview reports it: metric counts on the day
-- the metric was recorded, conversions on the day they were processed (credited to the action of
-- the credited delivery). Newsletters report under their newsletter_id. conversion_rate divides
-- conversions by the denominator of the campaign's current goal basis: deliveries sent (received),
-- unique opens (opened) or unique tracked clicks (clicked).
with

activity as (
    select * from {{ ref('int_campaign_activity_by_person') }}
    -- A daily run re-sums the campaign-days its people's rows fall on, before and after.
    where {{ group_batch_filter() }}
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

days as (
    select
        workspace_id,
        campaign_id,
        action_id,
        activity_date,
        cast(sum(sent) as bigint) as sent,
        cast(sum(delivered) as bigint) as delivered,
        cast(sum(opened) as bigint) as opened,
        cast(sum(unique_opened) as bigint) as unique_opened,
        cast(sum(clicked) as bigint) as clicked,
        cast(sum(unique_clicked) as bigint) as unique_clicked,
        cast(sum(converted) as bigint) as converted,
        cast(sum(bounced) as bigint) as bounced,
        cast(sum(unsubscribed) as bigint) as unsubscribed
    from activity
    -- Sums of bigints are wider types on DuckDB (hugeint) and Postgres (numeric).
    group by workspace_id, campaign_id, action_id, activity_date
),

final as (
    select
        days.workspace_id,
        days.campaign_id,
        days.action_id,
        days.activity_date,
        days.sent,
        days.delivered,
        days.opened,
        days.unique_opened,
        days.clicked,
        days.unique_clicked,
        days.converted,
        days.bounced,
        days.unsubscribed,
        current_basis.basis as goal_basis,
        cast(days.converted as {{ type_double() }})
        / nullif(
            -- No goal version, no basis: no denominator, so no rate (not a 0.0 over sends).
            case current_basis.basis
                when 'received' then days.sent
                when 'opened' then days.unique_opened
                when 'clicked' then days.unique_clicked
            end,
            0
        ) as conversion_rate
    from days
    left join current_basis
        on
            days.workspace_id = current_basis.workspace_id
            and days.campaign_id = current_basis.campaign_id
)

select * from final
