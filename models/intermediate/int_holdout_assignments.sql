{{ config(materialized='table') }}

-- Each journey assigned to a configured path of a valid random cohort branch (stg_config__branch_paths),
-- at the branch output's created_at. Staging keeps one assignment per journey and branch (the first).
-- Journeys without a goal in force at their start are not counted (they could never convert);
-- assignments to a path the branch does not configure are not counted either.
-- A table rebuilt whole on every run: outputs log no people for the per-person batches.
with

assignments as (
    select
        workspace_id,
        output_id,
        subject_name as journey_id,
        action_id,
        branch_index,
        created_at as assigned_at
    from {{ ref('stg_cio__outputs') }}
    where output_type = 'random_cohort_branch'
),

paths as (
    select * from {{ ref('stg_config__branch_paths') }}
),

journeys as (
    select * from {{ ref('int_journeys_goal_at_start') }}
),

final as (
    select
        assignments.workspace_id,
        paths.campaign_id,
        assignments.action_id,
        assignments.branch_index,
        paths.path_role,
        assignments.output_id,
        assignments.journey_id,
        journeys.person_id,
        journeys.started_at,
        assignments.assigned_at
    from assignments
    inner join paths
        on
            assignments.workspace_id = paths.workspace_id
            and assignments.action_id = paths.action_id
            and assignments.branch_index = paths.branch_index
    inner join journeys
        on
            assignments.workspace_id = journeys.workspace_id
            and assignments.journey_id = journeys.journey_id
    where journeys.has_goal_at_start
)

select * from final
