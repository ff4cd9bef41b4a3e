-- Restatements (issue 24): a recorded conversion (audit.conversion_history, appended by each
-- successful `goalline check`) that changed or disappeared because rows with earlier processing
-- times landed after it was recorded. Rule 8 takes every input as of the occurrence's processing
-- time, so a late row can change a conversion only if it was processed at or before the recorded
-- converted_at; the late file behind a restatement is the first file the landing manifest took
-- after the conversion was recorded that holds such a row of the journey's person. A change with
-- no such file is not listed here: it stays a blocking retroactive-conversion failure.
-- Without a history yet, or on an engine without the manifest (Spark), the table is empty.
{%- set person_tables = [
    ('base_cio__deliveries', 'created_at'),
    ('base_cio__subjects', 'coalesce(created_at, started_campaign_at)'),
    ('base_cio__people', 'coalesce(updated_at, created_at)'),
    ('base_cio__attributes', 'changed_at'),
    ('base_tracking__events', 'received_at'),
    ('base_tracking__segment_memberships', 'occurred_at'),
] %}
{%- set history = adapter.get_relation(target.database, 'audit', 'conversion_history') if execute else none %}
{%- set has_person_batches = incremental_materialization() == 'incremental' %}
-- depends_on: {{ ref('fct_conversions') }} {{ ref('fct_journeys') }} {{ ref('base_cio__metrics') }} {% for base_model, _ in person_tables %}{{ ref(base_model) }} {% endfor %}

with

{% if history is not none and has_person_batches %}
    history as (
        select * from {{ history }}
    ),

    conversions as (
        select * from {{ ref('fct_conversions') }}
    ),

    journeys as (
        select * from {{ ref('fct_journeys') }}
    ),

    -- The conversion as it is now: the same conversion_id, else the journey's conversion now (a
    -- conversion is named by its occurrence, so an earlier occurrence renames it).
    changed as (
        select
            history.conversion_id,
            history.journey_id,
            journeys.person_id,
            history.recorded_at,
            history.converted_at as old_converted_at,
            coalesce(conversions.conversion_id, journey_now.conversion_id) as new_conversion_id,
            coalesce(conversions.converted_at, journey_now.converted_at) as new_converted_at,
            history.credited_delivery_id as old_credited_delivery_id,
            case when conversions.conversion_id is not null
                then conversions.credited_delivery_id
                else journey_now.credited_delivery_id
            end as new_credited_delivery_id,
            history.goal_version as old_goal_version,
            coalesce(conversions.goal_version, journey_now.goal_version) as new_goal_version
        from history
        left join conversions on history.conversion_id = conversions.conversion_id
        left join conversions as journey_now on history.journey_id = journey_now.journey_id
        left join journeys on history.journey_id = journeys.journey_id
        where
            conversions.conversion_id is null
            or conversions.journey_id is distinct from history.journey_id
            or conversions.converted_at is distinct from history.converted_at
            or conversions.credited_delivery_id is distinct from history.credited_delivery_id
            or conversions.goal_version is distinct from history.goal_version
    ),

    -- Files taken after the oldest changed conversion was recorded: the only candidates.
    late_files as (
        select
            landing_file,
            taken_at
        from {{ audit_relation('landing_files') }}
        where
            taken_at > (select min(changed.recorded_at) from changed)
            and base_model in (
                {%- for base_model, _ in person_tables %}
                    {{ manifest_key(ref(base_model)) }},
                {%- endfor %}
                {{ manifest_key(ref('base_cio__metrics')) }}
            )
    ),

    late_rows as (
        {%- for base_model, processing in person_tables %}
            select
                internal_customer_id as person_id,
                {{ processing }} as processed_at,
                landing_file
            from {{ ref(base_model) }}
            where landing_file in (select late_files.landing_file from late_files)
            union all
        {%- endfor %}
        -- A metric is its delivery's person's.
        select
            deliveries.internal_customer_id as person_id,
            metrics.created_at as processed_at,
            metrics.landing_file
        from {{ ref('base_cio__metrics') }} as metrics
        inner join {{ ref('base_cio__deliveries') }} as deliveries
            on metrics.delivery_id = deliveries.delivery_id
        where metrics.landing_file in (select late_files.landing_file from late_files)
    ),

    behind as (
        select
            changed.conversion_id,
            late_rows.landing_file,
            late_files.taken_at,
            row_number() over (
                partition by changed.conversion_id
                order by late_files.taken_at, late_rows.landing_file
            ) as file_rank
        from changed
        inner join late_rows
            on
                changed.person_id = late_rows.person_id
                and late_rows.processed_at <= changed.old_converted_at
        inner join late_files
            on
                late_rows.landing_file = late_files.landing_file
                and late_files.taken_at > changed.recorded_at
    ),

    restated as (
        select
            changed.conversion_id,
            changed.journey_id,
            changed.person_id,
            changed.recorded_at,
            changed.old_converted_at,
            changed.new_conversion_id,
            changed.new_converted_at,
            changed.old_credited_delivery_id,
            changed.new_credited_delivery_id,
            changed.old_goal_version,
            changed.new_goal_version,
            behind.landing_file as late_file,
            behind.taken_at as late_file_taken_at
        from changed
        inner join behind
            on
                changed.conversion_id = behind.conversion_id
                and behind.file_rank = 1
    ),
{% else %}
    restated as (
        select
            cast(null as {{ dbt.type_string() }}) as conversion_id,
            cast(null as {{ dbt.type_string() }}) as journey_id,
            cast(null as {{ dbt.type_string() }}) as person_id,
            cast(null as timestamp) as recorded_at,
            cast(null as timestamp) as old_converted_at,
            cast(null as {{ dbt.type_string() }}) as new_conversion_id,
            cast(null as timestamp) as new_converted_at,
            cast(null as {{ dbt.type_string() }}) as old_credited_delivery_id,
            cast(null as {{ dbt.type_string() }}) as new_credited_delivery_id,
            cast(null as integer) as old_goal_version,
            cast(null as integer) as new_goal_version,
            cast(null as {{ dbt.type_string() }}) as late_file,
            cast(null as timestamp) as late_file_taken_at
        from (select 1 as one) as no_history
        where 1 = 0
    ),
{% endif %}

final as (
    select
        cast(conversion_id as {{ dbt.type_string() }}) as conversion_id,
        cast(journey_id as {{ dbt.type_string() }}) as journey_id,
        cast(person_id as {{ dbt.type_string() }}) as person_id,
        cast(recorded_at as timestamp) as recorded_at,
        cast(old_converted_at as timestamp) as old_converted_at,
        cast(new_conversion_id as {{ dbt.type_string() }}) as new_conversion_id,
        cast(new_converted_at as timestamp) as new_converted_at,
        cast(old_credited_delivery_id as {{ dbt.type_string() }}) as old_credited_delivery_id,
        cast(new_credited_delivery_id as {{ dbt.type_string() }}) as new_credited_delivery_id,
        cast(old_goal_version as integer) as old_goal_version,
        cast(new_goal_version as integer) as new_goal_version,
        cast(late_file as {{ dbt.type_string() }}) as late_file,
        cast(late_file_taken_at as timestamp) as late_file_taken_at
    from restated
)

select * from final
