{{ config(materialized='view', tags=['daily']) }}

with

base as (
    select * from {{ view_ref('base_cio__outputs') }}
),

final as (
    select
        workspace_id,
        output_id,
        subject_name,
        output_type,
        action_id,
        explanation,
        delivery_id,
        is_draft,
        is_link_tracked,
        created_at,
        seq_num
    from base
    -- Valid rows only, and of each key only the winner; the rest is in stg_quarantine or superseded.
    where quarantine_reason is null and key_rank = 1
)

select * from final
