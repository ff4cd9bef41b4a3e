{#- Incremental by the landing files taken in (the landing manifest, macros/incremental.sql); Spark rebuilds in full. -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    indexes=batch_key_indexes('metrics'),
    pre_hook=[
        "{{ create_landing_batch('metrics') }}",
        "{{ delete_landing_batch('metrics') }}",
    ],
    post_hook="{{ drop_landing_batch() }}",
) }}

{#- The staged columns, in order: the base table's columns and, compared in this order, the
    tie-break between rows of one key with the same seq_num. -#}
{%- set staged_columns = [
    'event_id', 'workspace_id', 'delivery_id', 'metric', 'reason', 'link_id', 'link_url',
    'created_at_raw', 'created_at', 'seq_num', 'landing_file', 'is_known_metric', 'has_delivery'
] -%}

with

landed as (
    select * from {{ landing_batch_rows(ref('lnd_metrics')) }}
),

repeated_keys as (
    -- Keys landed more than once, the only ones a window has to rank (most keys land once).
    select event_id
    from {{ landing_batch_rows(ref('lnd_metrics')) }}
    group by event_id
    having count(*) > 1
),

vocabulary as (
    select metric from {{ ref('metric_vocabulary') }}
),

deliveries as (
    select delivery_id from {{ ref('stg_cio__deliveries') }}
),

typed as (
    select
        landed.event_id,
        landed.workspace_id,
        landed.delivery_id,
        lower(landed.metric) as metric,
        landed.reason,
        landed.link_id,
        landed.link_url,
        landed.created_at as created_at_raw,
        {{ parse_timestamp('landed.created_at') }} as created_at,
        {{ parse_number('landed.seq_num', 'bigint') }} as seq_num,
        landed.landing_file,
        {{ row_struct(['event_id', 'workspace_id', 'delivery_id', 'metric', 'reason', 'link_id',
            'link_url', 'created_at', 'seq_num']) }} as landed_row,
        vocabulary.metric is not null as is_known_metric,
        deliveries.delivery_id is not null as has_delivery,
        repeated_keys.event_id is not null as is_key_repeated
    from landed
    left join vocabulary on lower(landed.metric) = vocabulary.metric
    left join deliveries on landed.delivery_id = deliveries.delivery_id
    left join repeated_keys on landed.event_id = repeated_keys.event_id
    -- Each parse once per row on Postgres (macros/dialect/fence.sql).
    {{ evaluate_once() }}
),

checked as (
    select
        *,
        case
            when event_id is null then 'null_key'
            when created_at_raw is null then 'missing_timestamp:created_at'
            when created_at is null then 'unparseable_timestamp:created_at'
            when not is_known_metric then 'unknown_metric'
            when not has_delivery then 'orphan_metric:delivery_not_found'
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
