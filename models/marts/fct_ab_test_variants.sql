{{ config(materialized='table') }}

-- Campaign x action x variant of every A/B-tested message: the variant's deliveries that left the
-- platform (sent), of them the opened, clicked and converted ones, and the variant against the
-- original (variant 0) on conversion rate: chance to beat the original (CTBO), relative lift with
-- its delta-method interval, verdict, and the sample-ratio p-value of the action's split.
-- A table over int_ab_test_variant_deliveries, rebuilt whole like that model.
with

variant_deliveries as (
    select * from {{ ref('int_ab_test_variant_deliveries') }}
),

arms as (
    select
        workspace_id,
        campaign_id,
        action_id,
        variant,
        max(content_id) as content_id,
        sum(case when left_platform then 1 else 0 end) as sent,
        sum(case when left_platform and is_opened then 1 else 0 end) as opened,
        sum(case when left_platform and is_clicked then 1 else 0 end) as clicked,
        sum(case when left_platform and is_converted then 1 else 0 end) as converted
    from variant_deliveries
    group by workspace_id, campaign_id, action_id, variant
),

rated as (
    select
        *,
        cast(converted as {{ type_double() }}) / nullif(sent, 0) as conversion_rate
    from arms
),

-- The sample-ratio test: the variants seen for the action against an even split.
actions as (
    select
        workspace_id,
        campaign_id,
        action_id,
        count(*) as variants,
        cast(sum(sent) as {{ type_double() }}) as total_sent
    from arms
    group by workspace_id, campaign_id, action_id
),

srm_terms as (
    select
        arms.workspace_id,
        arms.campaign_id,
        arms.action_id,
        sum(
            (arms.sent - actions.total_sent / actions.variants) * (arms.sent - actions.total_sent / actions.variants)
            / (actions.total_sent / actions.variants)
        ) as chi_squared,
        max(actions.variants) - 1 as degrees_of_freedom
    from arms
    inner join actions
        on
            arms.workspace_id = actions.workspace_id
            and arms.campaign_id = actions.campaign_id
            and arms.action_id = actions.action_id
    where actions.total_sent > 0 and actions.variants > 1
    group by arms.workspace_id, arms.campaign_id, arms.action_id
),

srm as (
    select
        workspace_id,
        campaign_id,
        action_id,
        {{ chi_squared_survival('chi_squared', 'degrees_of_freedom') }} as srm_p_value
    from srm_terms
),

compared as (
    select
        rated.*,
        coalesce(rated.conversion_rate, 0) as p_variant,
        coalesce(original.conversion_rate, 0) as p_original,
        original.sent as original_sent,
        case
            when rated.variant <> 0
                then {{ rate_difference_z('coalesce(rated.conversion_rate, 0)', 'rated.sent',
                    'coalesce(original.conversion_rate, 0)', 'original.sent') }}
        end as z
    from rated
    left join rated as original
        on
            rated.workspace_id = original.workspace_id
            and rated.campaign_id = original.campaign_id
            and rated.action_id = original.action_id
            and original.variant = 0
),

scored as (
    select
        *,
        {{ normal_cdf('z') }} as ctbo
    from compared
),

final as (
    select
        scored.workspace_id,
        scored.campaign_id,
        scored.action_id,
        scored.variant,
        scored.content_id,
        cast(scored.sent as bigint) as sent,
        cast(scored.opened as bigint) as opened,
        cast(scored.clicked as bigint) as clicked,
        cast(scored.converted as bigint) as converted,
        scored.conversion_rate,
        scored.ctbo,
        case
            when scored.variant <> 0
                then {{ relative_lift('scored.p_variant', 'scored.sent', 'scored.p_original', 'scored.original_sent') }}
        end as relative_lift,
        case
            when scored.variant <> 0
                then {{ relative_lift('scored.p_variant', 'scored.sent', 'scored.p_original', 'scored.original_sent', 'low') }}
        end as lift_ci_low,
        case
            when scored.variant <> 0
                then {{ relative_lift('scored.p_variant', 'scored.sent', 'scored.p_original', 'scored.original_sent', 'high') }}
        end as lift_ci_high,
        case
            when scored.variant = 0 then 'original'
            when scored.ctbo > 0.95 then 'variation winning'
            when scored.ctbo < 0.05 then 'original winning'
            else 'not significant'
        end as verdict,
        srm.srm_p_value
    from scored
    left join srm
        on
            scored.workspace_id = srm.workspace_id
            and scored.campaign_id = srm.campaign_id
            and scored.action_id = srm.action_id
)

select * from final
