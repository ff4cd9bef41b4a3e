{#- Incremental by processing time, like the staging models (macros/incremental.sql). -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    tags=['daily'],
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
    'delivery_id', 'is_draft', 'is_link_tracked', 'created_at_raw', 'created_at', 'seq_num',
    'landing_file'
] -%}

with

landed as (
    select * from {{ ref('lnd_outputs') }}
    -- Incremental runs: only the processing-time batch and every row of its keys.
    where {{ landing_batch_filter('outputs') }}
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
        created_at as created_at_raw,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_number('seq_num', 'bigint') }} as seq_num,
        landed.landing_file,
        {{ row_struct(['workspace_id', 'output_id', 'subject_name', 'output_type', 'action_id',
            'explanation', 'delivery_id', 'draft', 'link_tracked', 'created_at', 'seq_num']) }} as landed_row
    from landed
),

checked as (
    select
        *,
        case
            when output_id is null then 'null_key'
            when created_at_raw is null then 'missing_timestamp:created_at'
            when created_at is null then 'unparseable_timestamp:created_at'
            when seq_num is null then 'invalid_seq_num'
        end as quarantine_reason
    from typed
),

final as (
    select
        {%- for column in staged_columns %}
            {{ column }},
        {%- endfor %}
        quarantine_reason,
        -- The landed row as JSON text on quarantined rows only, the one place it is read.
        case when quarantine_reason is not null then {{ struct_as_json('landed_row') }} end as raw_row,
        {{ latest_by_key_rank(['output_id'], tie_break=staged_columns) }} as key_rank
    from checked
)

select * from final
