{{ config(materialized='view', tags=['daily']) }}

with

base as (
    select * from {{ view_ref('base_cio__attributes') }}
),

final as (
    select
        workspace_id,
        internal_customer_id,
        attribute_name,
        attribute_value,
        changed_at,
        seq_num
    from base
    -- Valid rows only, and of each key only the winner; the rest is in stg_quarantine or superseded.
    where quarantine_reason is null and key_rank = 1
)

select * from final
