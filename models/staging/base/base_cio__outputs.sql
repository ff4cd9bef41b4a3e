{#- Incremental by the landing files taken in (the landing manifest, macros/incremental.sql); Spark rebuilds in full. -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    indexes=batch_key_indexes('outputs'),
    pre_hook=[
        "{{ create_landing_batch('outputs') }}",
        "{{ delete_landing_batch('outputs') }}",
    ],
    post_hook="{{ drop_landing_batch() }}",
) }}

{#- The staged columns, in order: the base table's columns and, compared in this order, the
    tie-break between rows of one key with the same seq_num. -#}
{%- set staged_columns = [
    'workspace_id', 'output_id', 'subject_name', 'output_type', 'action_id', 'explanation',
    'delivery_id', 'is_draft', 'is_link_tracked', 'split_test_index', 'branch_index', 'created_at_raw',
    'created_at', 'seq_num', 'landing_file'
] -%}

with

landed as (
    select * from {{ landing_batch_rows(ref('lnd_outputs')) }}
),

repeated_keys as (
    -- Keys landed more than once, the only ones a window has to rank (most keys land once).
    select output_id
    from {{ landing_batch_rows(ref('lnd_outputs')) }}
    group by output_id
    having count(*) > 1
),

typed as (
    select
        landed.workspace_id,
        landed.output_id,
        landed.subject_name,
        landed.output_type,
        landed.action_id,
        landed.explanation,
        landed.delivery_id,
        {{ parse_boolean('draft') }} as is_draft,
        {{ parse_boolean('link_tracked') }} as is_link_tracked,
        split_test_index as split_test_index_raw,
        {{ parse_number('split_test_index', 'integer') }} as split_test_index,
        branch_index as branch_index_raw,
        {{ parse_number('branch_index', 'integer') }} as branch_index,
        created_at as created_at_raw,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_number('seq_num', 'bigint') }} as seq_num,
        landed.landing_file,
        {{ row_struct(['workspace_id', 'output_id', 'subject_name', 'output_type', 'action_id',
            'explanation', 'delivery_id', 'draft', 'link_tracked', 'split_test_index', 'branch_index',
            'created_at', 'seq_num']) }} as landed_row,
        repeated_keys.output_id is not null as is_key_repeated
    from landed
    left join repeated_keys on landed.output_id = repeated_keys.output_id
    -- Each parse once per row on Postgres (macros/dialect/fence.sql).
    {{ evaluate_once() }}
),

checked as (
    select
        *,
        case
            when output_id is null then 'null_key'
            when created_at_raw is null then 'missing_timestamp:created_at'
            when created_at is null then 'unparseable_timestamp:created_at'
            when seq_num is null then 'invalid_seq_num'
            when split_test_index_raw is not null and not coalesce(split_test_index >= 0, false)
                then 'invalid_split_test_index'
            when branch_index_raw is not null and not coalesce(branch_index >= 0, false)
                then 'invalid_branch_index'
            -- A random cohort branch row names the path its journey took: without one (or without
            -- the journey or the branch action) it cannot be an assignment.
            when output_type = 'random_cohort_branch' and branch_index_raw is null
                then 'random_cohort_branch_without_branch_index'
            when output_type = 'random_cohort_branch' and (subject_name is null or action_id is null)
                then 'random_cohort_branch_without_journey_or_action'
        end as quarantine_reason
    from typed
),

ranked as (
    {{ key_ranked('checked', ['output_id'], staged_columns) }}
),

final as (
    select
        {%- for column in staged_columns %}
            {{ column }},
        {%- endfor %}
        quarantine_reason,
        -- The landed row as JSON text on quarantined rows and on the (few) random cohort branch rows,
        -- which base_cio__branch_assignments may quarantine as reassignments.
        case
            when quarantine_reason is not null or output_type = 'random_cohort_branch'
                then {{ struct_as_json('landed_row') }}
        end as raw_row,
        key_rank
    from ranked
)

select * from final
