{{ config(materialized='view', tags=['daily']) }}

with

base as (
    select * from {{ view_ref('base_cio__outputs') }}
),

reassignments as (
    -- A journey's later assignments at one branch, quarantined by base_cio__branch_assignments.
    select output_id
    from {{ view_ref('base_cio__branch_assignments') }}
    where quarantine_reason is not null
),

final as (
    select
        base.workspace_id,
        base.output_id,
        base.subject_name,
        base.output_type,
        base.action_id,
        base.explanation,
        base.delivery_id,
        base.is_draft,
        base.is_link_tracked,
        base.split_test_index,
        base.branch_index,
        base.created_at,
        base.seq_num
    from base
    left join reassignments on base.output_id = reassignments.output_id
    -- Valid rows only, and of each key only the winner; the rest is in stg_quarantine or superseded.
    where
        base.quarantine_reason is null
        and base.key_rank = 1
        and reassignments.output_id is null
)

select * from final
