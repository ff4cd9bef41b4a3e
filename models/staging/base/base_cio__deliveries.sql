{#- Incremental by the landing files taken in (the landing manifest, macros/incremental.sql); Spark rebuilds in full. -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    indexes=batch_key_indexes('deliveries'),
    pre_hook=[
        "{{ create_landing_batch('deliveries') }}",
        "{{ delete_landing_batch('deliveries') }}",
    ],
    post_hook="{{ drop_landing_batch() }}",
) }}

{#- The staged columns, in order: the base table's columns and, compared in this order, the
    tie-break between rows of one key with the same seq_num. -#}
{%- set staged_columns = [
    'workspace_id', 'delivery_id', 'internal_customer_id', 'subject_id', 'event_id',
    'delivery_type', 'campaign_id', 'action_id', 'newsletter_id', 'content_id', 'trigger_id',
    'transactional_message_id', 'created_at_raw', 'created_at', 'seq_num', 'landing_file',
    'is_known_delivery_type'
] -%}

with

landed as (
    select * from {{ landing_batch_rows(ref('lnd_deliveries')) }}
),

repeated_keys as (
    -- Keys landed more than once, the only ones a window has to rank (most keys land once).
    select delivery_id
    from {{ landing_batch_rows(ref('lnd_deliveries')) }}
    group by delivery_id
    having count(*) > 1
),

channels as (
    select delivery_type from {{ ref('channel_attribution_rules') }}
),

typed as (
    select
        landed.workspace_id,
        landed.delivery_id,
        landed.internal_customer_id,
        landed.subject_id,
        landed.event_id,
        lower(landed.delivery_type) as delivery_type,
        landed.campaign_id,
        landed.action_id,
        landed.newsletter_id,
        landed.content_id,
        landed.trigger_id,
        landed.transactional_message_id,
        landed.created_at as created_at_raw,
        {{ parse_timestamp('landed.created_at') }} as created_at,
        {{ parse_number('landed.seq_num', 'bigint') }} as seq_num,
        landed.landing_file,
        {{ row_struct(['workspace_id', 'delivery_id', 'internal_customer_id', 'subject_id', 'event_id',
            'delivery_type', 'campaign_id', 'action_id', 'newsletter_id', 'content_id', 'trigger_id',
            'created_at', 'transactional_message_id', 'seq_num']) }} as landed_row,
        channels.delivery_type is not null as is_known_delivery_type,
        repeated_keys.delivery_id is not null as is_key_repeated
    from landed
    left join channels on lower(landed.delivery_type) = channels.delivery_type
    left join repeated_keys on landed.delivery_id = repeated_keys.delivery_id
    -- Each parse once per row on Postgres (macros/dialect/fence.sql).
    {{ evaluate_once() }}
),

checked as (
    select
        *,
        case
            when delivery_id is null then 'null_key'
            when created_at_raw is null then 'missing_timestamp:created_at'
            when created_at is null then 'unparseable_timestamp:created_at'
            when not is_known_delivery_type then 'unknown_delivery_type'
            when seq_num is null then 'invalid_seq_num'
        end as quarantine_reason
    from typed
),

ranked as (
    {{ key_ranked('checked', ['delivery_id'], staged_columns) }}
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
