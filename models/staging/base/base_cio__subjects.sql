{#- Incremental by the landing files taken in (the landing manifest, macros/incremental.sql); Spark rebuilds in full. -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    indexes=batch_key_indexes('subjects'),
    pre_hook=[
        "{{ create_landing_batch('subjects') }}",
        "{{ delete_landing_batch('subjects') }}",
    ],
    post_hook="{{ drop_landing_batch() }}",
) }}

{#- The staged columns, in order: the base table's columns and, compared in this order, the
    tie-break between rows of one key with the same seq_num. -#}
{%- set staged_columns = [
    'workspace_id', 'subject_name', 'internal_customer_id', 'campaign_id', 'campaign_type',
    'event_id', 'trigger_id', 'created_at', 'created_at_raw', 'started_campaign_at_raw',
    'started_campaign_at', 'seq_num', 'landing_file'
] -%}

with

landed as (
    select * from {{ landing_batch_rows(ref('lnd_subjects')) }}
),

repeated_keys as (
    -- Keys landed more than once, the only ones a window has to rank (most keys land once).
    select subject_name
    from {{ landing_batch_rows(ref('lnd_subjects')) }}
    group by subject_name
    having count(*) > 1
),

typed as (
    select
        landed.workspace_id,
        landed.subject_name,
        landed.internal_customer_id,
        landed.campaign_id,
        landed.campaign_type,
        landed.event_id,
        landed.trigger_id,
        {{ parse_timestamp('created_at') }} as created_at,
        created_at as created_at_raw,
        started_campaign_at as started_campaign_at_raw,
        {{ parse_timestamp('started_campaign_at') }} as started_campaign_at,
        {{ parse_number('seq_num', 'bigint') }} as seq_num,
        landed.landing_file,
        {{ row_struct(['workspace_id', 'subject_name', 'internal_customer_id', 'campaign_id',
            'campaign_type', 'event_id', 'trigger_id', 'created_at', 'started_campaign_at', 'seq_num']) }} as landed_row,
        repeated_keys.subject_name is not null as is_key_repeated
    from landed
    left join repeated_keys on landed.subject_name = repeated_keys.subject_name
    -- Each parse once per row on Postgres (macros/dialect/fence.sql).
    {{ evaluate_once() }}
),

checked as (
    select
        *,
        case
            when subject_name is null then 'null_key'
            when started_campaign_at_raw is null then 'missing_timestamp:started_campaign_at'
            when started_campaign_at is null then 'unparseable_timestamp:started_campaign_at'
            when created_at_raw is not null and created_at is null then 'unparseable_timestamp:created_at'
            when internal_customer_id is null then 'missing_person'
            when campaign_id is null then 'missing_campaign'
            when seq_num is null then 'invalid_seq_num'
        end as quarantine_reason
    from typed
),

ranked as (
    {{ key_ranked('checked', ['subject_name'], staged_columns) }}
),

final as (
    select
        {%- for column in staged_columns %}
            {{ column }},
        {%- endfor %}
        quarantine_reason,
        -- The landed row as JSON text on quarantined rows only, the one place it is read.
        case when quarantine_reason is not null then {{ struct_as_json('landed_row') }} end as raw_row,
        key_rank
    from ranked
)

select * from final
