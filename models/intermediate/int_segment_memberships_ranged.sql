-- A person's state in a segment over processing time: each entry or exit holds until the next
-- change of the same person and segment.
with

changes as (
    select * from {{ ref('stg_tracking__segment_memberships') }}
),

final as (
    select
        workspace_id,
        internal_customer_id as person_id,
        segment_id,
        action,
        occurred_at as state_from,
        lead(occurred_at) over (
            partition by workspace_id, internal_customer_id, segment_id order by occurred_at, seq_num
        ) as state_until
    from changes
)

select * from final
