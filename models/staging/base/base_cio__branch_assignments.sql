{#-
  The staged random cohort branch outputs, one per journey and branch: a journey assigned again
  at the same branch keeps its first assignment (earliest created_at, then the smaller
  output_id) and the later rows are quarantined. A table rebuilt whole on every run (branch rows
  are few), so a late-landing earlier assignment takes over as the full build would have it.
-#}
with

branch_outputs as (
    select
        workspace_id,
        output_id,
        subject_name,
        action_id,
        branch_index,
        created_at,
        landing_file,
        raw_row
    from {{ ref('base_cio__outputs') }}
    where
        quarantine_reason is null
        and key_rank = 1
        and output_type = 'random_cohort_branch'
),

ranked as (
    select
        *,
        row_number() over (
            partition by workspace_id, subject_name, action_id
            order by created_at, output_id
        ) as assignment_rank
    from branch_outputs
),

final as (
    select
        workspace_id,
        output_id,
        subject_name,
        action_id,
        branch_index,
        created_at,
        landing_file,
        case when assignment_rank > 1 then 'reassigned_at_branch' end as quarantine_reason,
        case when assignment_rank > 1 then raw_row end as raw_row
    from ranked
)

select * from final
