{#- Incremental by the landing files taken in (the landing manifest, macros/incremental.sql); Spark rebuilds in full. -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    indexes=batch_key_indexes('events'),
    pre_hook=[
        "{{ create_landing_batch('events') }}",
        "{{ delete_landing_batch('events') }}",
    ],
    post_hook="{{ drop_landing_batch() }}",
) }}

{#- The staged columns, in order: the base table's columns and, compared in this order, the
    tie-break between rows of one key with the same seq_num. -#}
{%- set staged_columns = [
    'workspace_id', 'event_id', 'internal_customer_id', 'event_name', 'properties',
    'timestamp_raw', 'claimed_at', 'received_at_raw', 'received_at', 'seq_num', 'landing_file',
    'is_properties_object'
] -%}

-- The person log of its batches (its hooks) reads which event names are goals:
-- depends_on: {{ ref('stg_config__goal_versions') }}

with

landed as (
    select * from {{ landing_batch_rows(ref('lnd_events')) }}
),

repeated_keys as (
    -- Keys landed more than once, the only ones a window has to rank (most keys land once).
    select event_id
    from {{ landing_batch_rows(ref('lnd_events')) }}
    group by event_id
    having count(*) > 1
),

typed as (
    select
        landed.workspace_id,
        landed.event_id,
        landed.internal_customer_id,
        landed.name as event_name,
        landed.properties,
        landed.timestamp as timestamp_raw,
        {{ parse_timestamp('timestamp') }} as claimed_at,
        received_at as received_at_raw,
        {{ parse_timestamp('received_at') }} as received_at,
        {{ parse_number('seq_num', 'bigint') }} as seq_num,
        landed.landing_file,
        {{ row_struct(['workspace_id', 'event_id', 'internal_customer_id', 'name', 'properties',
            'timestamp', 'received_at', 'seq_num']) }} as landed_row,
        {{ is_json_object('properties') }} as is_properties_object,
        repeated_keys.event_id is not null as is_key_repeated
    from landed
    left join repeated_keys on landed.event_id = repeated_keys.event_id
    -- Each parse once per row on Postgres (macros/dialect/fence.sql).
    {{ evaluate_once() }}
),

checked as (
    select
        *,
        case
            when event_id is null then 'null_key'
            when received_at_raw is null then 'missing_timestamp:received_at'
            when received_at is null then 'unparseable_timestamp:received_at'
            when timestamp_raw is null then 'missing_timestamp:timestamp'
            when claimed_at is null then 'unparseable_timestamp:timestamp'
            when properties is not null and not is_properties_object then 'properties_not_json_object'
            when seq_num is null then 'invalid_seq_num'
        end as quarantine_reason
    from typed
),

ranked as (
    {{ key_ranked('checked', ['event_id'], staged_columns) }}
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
