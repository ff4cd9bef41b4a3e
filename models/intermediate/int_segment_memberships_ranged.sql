{{ config(materialized=incremental_materialization()) }}

-- A person's state in a segment over processing time: each entry or exit holds until the next
-- change of the same person and segment. An entry and an exit at the same instant: the exit is the
-- later change (deterministic; 'entered' < 'exited'), so the person ends that instant outside.
with

changes as (
    select * from {{ ref('stg_tracking__segment_memberships') }}
    where {{ person_batch_filter('internal_customer_id') }}
),

final as (
    select
        workspace_id,
        internal_customer_id as person_id,
        segment_id,
        action,
        occurred_at as state_from,
        lead(occurred_at) over (
            partition by workspace_id, internal_customer_id, segment_id order by occurred_at, action, seq_num
        ) as state_until
    from changes
)

select * from final
