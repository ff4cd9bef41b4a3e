{{ config(materialized=incremental_materialization(), meta={'row_key': ['journey_id']}) }}

-- One row per journey: campaign journeys from `subjects`, plus newsletter deliveries, each a
-- journey of one message that starts when the delivery is created (journey_id = delivery_id).
with

subjects as (
    select * from {{ ref('stg_cio__subjects') }}
    where {{ person_batch_filter('internal_customer_id') }}
),

deliveries as (
    select * from {{ ref('stg_cio__deliveries') }}
    where {{ person_batch_filter('internal_customer_id') }}
),

campaign_journeys as (
    select
        workspace_id,
        subject_name as journey_id,
        campaign_id,
        internal_customer_id as person_id,
        started_campaign_at as started_at,
        -- The export names the triggering event in event_id; trigger_id is the older column.
        coalesce(event_id, trigger_id) as trigger_event_id,
        false as is_newsletter
    from subjects
),

newsletter_journeys as (
    select
        workspace_id,
        delivery_id as journey_id,
        newsletter_id as campaign_id,
        internal_customer_id as person_id,
        created_at as started_at,
        cast(null as {{ dbt.type_string() }}) as trigger_event_id,
        true as is_newsletter
    from deliveries
    where subject_id is null and newsletter_id is not null
),

final as (
    select * from campaign_journeys
    union all
    select * from newsletter_journeys
)

select * from final
