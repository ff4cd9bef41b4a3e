{{ config(materialized='table') }}

-- Each A/B-tested campaign delivery with its variant: the split_test_index of the output row naming
-- the delivery (the first such row by created_at, then output_id, should two name it), and its
-- outcome from fct_deliveries. A table rebuilt whole on every run: outputs log no people for the
-- per-person batches (macros/incremental.sql), and the tested deliveries are few.
with

variant_outputs as (
    select
        workspace_id,
        delivery_id,
        split_test_index,
        row_number() over (
            partition by workspace_id, delivery_id
            order by created_at, output_id
        ) as output_rank
    from {{ ref('stg_cio__outputs') }}
    where split_test_index is not null and delivery_id is not null
),

staged_deliveries as (
    select * from {{ ref('stg_cio__deliveries') }}
),

delivery_outcomes as (
    select * from {{ ref('fct_deliveries') }}
),

final as (
    select
        staged_deliveries.workspace_id,
        delivery_outcomes.campaign_id,
        delivery_outcomes.action_id,
        cast(variant_outputs.split_test_index as bigint) as variant,
        staged_deliveries.content_id,
        delivery_outcomes.delivery_id,
        delivery_outcomes.created_at,
        delivery_outcomes.left_platform,
        delivery_outcomes.first_opened_at is not null as is_opened,
        delivery_outcomes.first_clicked_at is not null as is_clicked,
        delivery_outcomes.is_converted
    from variant_outputs
    inner join staged_deliveries
        on
            variant_outputs.workspace_id = staged_deliveries.workspace_id
            and variant_outputs.delivery_id = staged_deliveries.delivery_id
    inner join delivery_outcomes on staged_deliveries.delivery_id = delivery_outcomes.delivery_id
    -- Campaign messages only: a newsletter's own tests are out of scope.
    where variant_outputs.output_rank = 1 and delivery_outcomes.campaign_id is not null
)

select * from final
