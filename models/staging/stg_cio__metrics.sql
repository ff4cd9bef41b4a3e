{{ config(materialized='view', tags=['daily']) }}

with

base as (
    select * from {{ view_ref('base_cio__metrics') }}
),

final as (
    select
        event_id as metric_id,
        workspace_id,
        delivery_id,
        metric,
        reason,
        link_id,
        link_url,
        created_at,
        seq_num
    from base
    -- Valid rows only, and of each key only the winner; the rest is in stg_quarantine or superseded.
    where quarantine_reason is null and key_rank = 1
)

select * from final
