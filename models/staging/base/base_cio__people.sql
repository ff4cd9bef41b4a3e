{#- Incremental by the landing files taken in (the landing manifest, macros/incremental.sql); Spark rebuilds in full. -#}
{{ config(
    materialized=incremental_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    indexes=batch_key_indexes('people'),
    pre_hook=[
        "{{ create_landing_batch('people') }}",
        "{{ delete_landing_batch('people') }}",
    ],
    post_hook="{{ drop_landing_batch() }}",
) }}

{#- The staged columns, in order: the base table's columns and, compared in this order, the
    tie-break between rows of one key with the same seq_num. -#}
{%- set staged_columns = [
    'workspace_id', 'customer_id', 'internal_customer_id', 'is_deleted', 'is_suppressed',
    'created_at_raw', 'created_at', 'updated_at_raw', 'updated_at', 'seq_num', 'landing_file'
] -%}

with

landed as (
    select * from {{ landing_batch_rows(ref('lnd_people')) }}
),

repeated_keys as (
    -- Keys landed more than once, the only ones a window has to rank (most keys land once).
    select
        workspace_id,
        internal_customer_id
    from {{ landing_batch_rows(ref('lnd_people')) }}
    group by workspace_id, internal_customer_id
    having count(*) > 1
),

typed as (
    select
        landed.workspace_id,
        landed.customer_id,
        landed.internal_customer_id,
        {{ parse_boolean('deleted') }} as is_deleted,
        {{ parse_boolean('suppressed') }} as is_suppressed,
        created_at as created_at_raw,
        {{ parse_timestamp('created_at') }} as created_at,
        updated_at as updated_at_raw,
        {{ parse_timestamp('updated_at') }} as updated_at,
        {{ parse_number('seq_num', 'bigint') }} as seq_num,
        landed.landing_file,
        {{ row_struct(['workspace_id', 'customer_id', 'internal_customer_id', 'deleted', 'suppressed',
            'created_at', 'updated_at', 'email_addr', 'seq_num']) }} as landed_row,
        repeated_keys.workspace_id is not null as is_key_repeated
    from landed
    left join repeated_keys
        on
            landed.workspace_id = repeated_keys.workspace_id
            and landed.internal_customer_id = repeated_keys.internal_customer_id
    -- Each parse once per row on Postgres (macros/dialect/fence.sql).
    {{ evaluate_once() }}
),

checked as (
    select
        *,
        case
            when workspace_id is null or internal_customer_id is null then 'null_key'
            when created_at_raw is not null and created_at is null then 'unparseable_timestamp:created_at'
            when updated_at_raw is not null and updated_at is null then 'unparseable_timestamp:updated_at'
            when seq_num is null then 'invalid_seq_num'
        end as quarantine_reason
    from typed
),

ranked as (
    {{ key_ranked('checked', ['workspace_id', 'internal_customer_id'], staged_columns) }}
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
