-- The landing manifest, per landing file: what the build took in and when (macros/incremental.sql).
-- A file a build has not taken yet is absent; a file changed since is listed as it was taken.
-- On an engine whose base models are rebuilt whole (Spark) there is no manifest: every file is
-- taken by every build, and its rows come from the base tables, with no fingerprint or time.
{%- set tables = [
    ('deliveries', 'base_cio__deliveries'),
    ('metrics', 'base_cio__metrics'),
    ('subjects', 'base_cio__subjects'),
    ('outputs', 'base_cio__outputs'),
    ('people', 'base_cio__people'),
    ('attributes', 'base_cio__attributes'),
    ('events', 'base_tracking__events'),
    ('segment_memberships', 'base_tracking__segment_memberships'),
] %}

with

{% if incremental_materialization() == 'incremental' %}
    -- depends_on: {% for _, base_model in tables %}{{ ref(base_model) }} {% endfor %}
    taken as (
        select
            table_name,
            landing_file,
            fingerprint,
            rows_taken,
            min_processed_at,
            max_processed_at,
            rows_without_processing_time,
            taken_at
        from {{ audit_relation('landing_files') }}
        where base_model in (
            {%- for _, base_model in tables %}
                {{ manifest_key(ref(base_model)) }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        )
    ),
{% else %}
    taken as (
        {%- for table_name, base_model in tables %}
            {%- set processing = landing_batch_spec(table_name).processing %}
            select
                '{{ table_name }}' as table_name,
                landing_file,
                cast(null as {{ dbt.type_string() }}) as fingerprint,
                count(*) as rows_taken,
                min({{ processing }}) as min_processed_at,
                max({{ processing }}) as max_processed_at,
                count(*) - count({{ processing }}) as rows_without_processing_time,
                cast(null as timestamp) as taken_at
            from {{ ref(base_model) }}
            group by landing_file
            {%- if not loop.last %}
                union all
            {%- endif %}
        {%- endfor %}
    ),
{% endif %}

final as (
    select
        cast(table_name as {{ dbt.type_string() }}) as table_name,
        cast(landing_file as {{ dbt.type_string() }}) as landing_file,
        cast(fingerprint as {{ dbt.type_string() }}) as fingerprint,
        cast(rows_taken as bigint) as rows_taken,
        cast(min_processed_at as timestamp) as min_processed_at,
        cast(max_processed_at as timestamp) as max_processed_at,
        cast(rows_without_processing_time as bigint) as rows_without_processing_time,
        cast(taken_at as timestamp) as taken_at
    from taken
)

select * from final
