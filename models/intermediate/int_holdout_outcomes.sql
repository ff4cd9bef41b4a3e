{{ config(materialized='table') }}

-- Intention to treat: an assigned journey converted when it has a goal occurrence, judged exactly
-- as for conversions (rules 1-3, int_goal_occurrences), with
-- assigned_at <= processed_at < assigned_at + window_days of the version that judged it (90 days
-- when that version has none). Messages play no part: the control path sends none.
with

assignments as (
    select * from {{ ref('int_holdout_assignments') }}
),

occurrences as (
    select * from {{ ref('int_goal_occurrences') }}
),

in_window as (
    select
        assignments.output_id,
        min(occurrences.processed_at) as converted_at
    from assignments
    inner join occurrences
        on
            assignments.workspace_id = occurrences.workspace_id
            and assignments.journey_id = occurrences.journey_id
            and assignments.assigned_at <= occurrences.processed_at
            and {{ add_days('assignments.assigned_at', 'coalesce(occurrences.window_days, 90)') }} > occurrences.processed_at
    group by assignments.output_id
),

final as (
    select
        assignments.workspace_id,
        assignments.campaign_id,
        assignments.action_id,
        assignments.branch_index,
        assignments.path_role,
        assignments.output_id,
        assignments.journey_id,
        assignments.person_id,
        assignments.assigned_at,
        in_window.output_id is not null as is_converted,
        in_window.converted_at
    from assignments
    left join in_window on assignments.output_id = in_window.output_id
)

select * from final
