{{ config(materialized=incremental_materialization(), meta={'row_key': ['journey_id']}) }}

-- For each occurrence, the delivery it credits (rule 6): among the touches in window, the latest
-- anchor; ties go to the later delivery created_at, then the greater delivery_id.
with

in_window as (
    select * from {{ ref('int_goal_occurrence_touches') }}
    where {{ person_batch_filter('person_id') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by journey_id, occurrence_id
            order by anchor_at desc, delivery_created_at desc, delivery_id desc
        ) as credit_rank
    from in_window
),

final as (
    select
        workspace_id,
        journey_id,
        campaign_id,
        person_id,
        occurrence_id,
        occurrence_kind,
        processed_at,
        claimed_at,
        goal_version,
        goal_type,
        basis,
        window_days,
        delivery_id as credited_delivery_id,
        channel as credited_channel,
        anchor_at
    from ranked
    where credit_rank = 1
)

select * from final
