{{ config(materialized=incremental_materialization(), meta={'row_key': ['journey_id']}) }}

-- Segment goal occurrences (rule 3): the person enters (segment_entered) or exits (segment_exited)
-- the goal segment strictly after the journey start, judged by the version in force at the change's
-- processing time (rule 2). A change at the start instant is part of the state at the start.
with

journeys as (
    select * from {{ ref('int_journeys_goal_at_start') }}
    where has_goal_at_start and not goal_met_at_start and {{ person_batch_filter('person_id') }}
),

versions as (
    select * from {{ ref('int_goal_versions_ranged') }}
    where goal_type in ('segment_entered', 'segment_exited')
),

changes as (
    select * from {{ ref('stg_tracking__segment_memberships') }}
    where {{ person_batch_filter('internal_customer_id') }}
),

final as (
    select
        journeys.workspace_id,
        journeys.journey_id,
        journeys.campaign_id,
        journeys.person_id,
        {{ surrogate_key(['changes.workspace_id', 'changes.internal_customer_id', 'changes.segment_id',
            'changes.occurred_at', 'changes.action']) }} as occurrence_id,
        'segment_change' as occurrence_kind,
        changes.occurred_at as processed_at,
        changes.occurred_at as claimed_at,
        versions.goal_version,
        versions.goal_type,
        versions.basis,
        versions.window_days
    from journeys
    inner join changes
        on
            journeys.workspace_id = changes.workspace_id
            and journeys.person_id = changes.internal_customer_id
            and journeys.started_at < changes.occurred_at
    inner join versions
        on
            journeys.workspace_id = versions.workspace_id
            and journeys.campaign_id = versions.campaign_id
            and changes.segment_id = versions.segment_id
            and changes.occurred_at >= versions.valid_from
            and (changes.occurred_at < versions.valid_until or versions.valid_until is null)
    where
        (versions.goal_type = 'segment_entered' and changes.action = 'entered')
        or (versions.goal_type = 'segment_exited' and changes.action = 'exited')
)

select * from final
