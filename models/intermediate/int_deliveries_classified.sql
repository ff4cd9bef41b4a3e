{{ config(materialized=incremental_materialization(), meta={'batch_unit': 'delivery', 'row_key': ['delivery_id']}) }}

-- Each delivery with its journey and whether its channel can carry a conversion (rule 4, from the
-- seeds channel_attribution_rules and action_type_rules).
with

deliveries as (
    select * from {{ ref('stg_cio__deliveries') }}
    where {{ person_batch_filter('delivery_id') }}
),

actions as (
    select * from {{ ref('stg_config__campaign_actions') }}
),

channel_rules as (
    select * from {{ ref('channel_attribution_rules') }}
),

action_rules as (
    select * from {{ ref('action_type_rules') }}
),

with_journey as (
    select
        *,
        case
            when subject_id is not null then subject_id
            when newsletter_id is not null then delivery_id
        end as journey_id
    from deliveries
),

classified as (
    select
        with_journey.workspace_id,
        with_journey.delivery_id,
        with_journey.journey_id,
        with_journey.campaign_id,
        with_journey.newsletter_id,
        with_journey.action_id,
        with_journey.internal_customer_id as person_id,
        with_journey.delivery_type as channel,
        with_journey.created_at,
        actions.action_type,
        coalesce(actions.webhook_conversions_enabled, false) as webhook_conversions_enabled,
        channel_rules.is_attributable
        and (not channel_rules.requires_webhook_opt_in or coalesce(actions.webhook_conversions_enabled, false))
        and coalesce(action_rules.is_message_action, true) as is_attributable
    from with_journey
    inner join channel_rules on with_journey.delivery_type = channel_rules.delivery_type
    left join actions
        on
            with_journey.workspace_id = actions.workspace_id
            and with_journey.action_id = actions.action_id
    left join action_rules on actions.action_type = action_rules.action_type
)

select * from classified
