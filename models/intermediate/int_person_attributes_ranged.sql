{#- Postgres: int_event_goal_occurrences_matched looks up each candidate's attribute by person,
    name and time. Without an index a misestimated nested loop scans every attribute row per
    candidate; with it each lookup is one index probe whatever the estimate (macros/dialect/fence.sql). -#}
{{ config(
    materialized=incremental_materialization(),
    indexes=lookup_indexes(['person_id', 'attribute_name', 'value_from'])
) }}

-- Person attribute values over time, so a goal filter can read the value as of an event's
-- processing time (rule 3).
with

attributes as (
    select * from {{ ref('stg_cio__attributes') }}
    where {{ person_batch_filter('internal_customer_id') }}
),

final as (
    select
        workspace_id,
        internal_customer_id as person_id,
        attribute_name,
        attribute_value,
        changed_at as value_from,
        lead(changed_at) over (
            partition by workspace_id, internal_customer_id, attribute_name order by changed_at
        ) as value_until
    from attributes
)

select * from final
