{#- Incremental by the landing files taken in (the landing manifest, macros/incremental.sql); Spark rebuilds in full. -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=[
        "{{ create_landing_batch('attributes') }}",
        "{{ delete_landing_batch('attributes') }}",
    ],
    post_hook="{{ drop_landing_batch() }}",
) }}

{#- The staged columns, in order: the base table's columns and, compared in this order, the
    tie-break between rows of one key with the same seq_num. -#}
{%- set staged_columns = [
    'workspace_id', 'internal_customer_id', 'attribute_name', 'attribute_value', 'timestamp_raw',
    'changed_at', 'seq_num', 'landing_file'
] -%}

with

landed as (
    select * from {{ landing_batch_rows(ref('lnd_attributes')) }}
),

repeated_keys as (
    -- Keys landed more than once, the only ones a window has to rank (most keys land once).
    -- Grouped by the key's text columns only: the same instant can be written as different
    -- text, so a coarser group keeps every key with several valid rows in it, and it needs no
    -- timestamp parsed. A batch holds every row of its keys, so its groups are enough.
    select
        workspace_id,
        internal_customer_id,
        attribute_name
    from {{ landing_batch_rows(ref('lnd_attributes')) }}
    group by workspace_id, internal_customer_id, attribute_name
    having count(*) > 1
),

typed as (
    select
        landed.workspace_id,
        landed.internal_customer_id,
        landed.attribute_name,
        landed.attribute_value,
        landed.timestamp as timestamp_raw,
        {{ parse_timestamp('timestamp') }} as changed_at,
        {{ parse_number('seq_num', 'bigint') }} as seq_num,
        landed.landing_file,
        {{ row_struct(['workspace_id', 'internal_customer_id', 'attribute_name', 'attribute_value',
            'timestamp', 'seq_num']) }} as landed_row,
        repeated_keys.workspace_id is not null as is_key_repeated
    from landed
    left join repeated_keys
        on
            landed.workspace_id = repeated_keys.workspace_id
            and landed.internal_customer_id = repeated_keys.internal_customer_id
            and landed.attribute_name = repeated_keys.attribute_name
    -- Each parse once per row on Postgres (macros/dialect/fence.sql).
    {{ evaluate_once() }}
),

checked as (
    select
        *,
        case
            when
                workspace_id is null or internal_customer_id is null or attribute_name is null
                or timestamp_raw is null then 'null_key'
            when changed_at is null then 'unparseable_timestamp:timestamp'
            when seq_num is null then 'invalid_seq_num'
        end as quarantine_reason
    from typed
),

ranked as (
    {{ key_ranked('checked', ['workspace_id', 'internal_customer_id', 'attribute_name', 'changed_at'], staged_columns) }}
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
