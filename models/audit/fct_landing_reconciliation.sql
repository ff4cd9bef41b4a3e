{#- Postgres: no JIT compilation for this one wide statement (macros/dialect/setup.sql). -#}
{{ config(pre_hook="{{ without_jit() }}") }}

-- Per landing table: rows landed = rows staged + rows quarantined + duplicate rows superseded
-- + rows pending (landed in files no build has taken in yet).
-- Each count comes from a different model, so a row lost between them shows as a difference.
--
-- Pending is known row by row: the daily base tables hold exactly the landed rows some batch
-- processed (a batch re-inserts every landed row of its keys), so a landed row is pending when its
-- (file name, processing time) group has fewer rows in the base table than in the landing files.
-- A build takes every file the landing manifest (audit.landing_files, macros/incremental.sql) has
-- not taken in, so a pending row of a file the manifest says was taken, unchanged, is lost: it is
-- overdue and fails the reconciliation. Landing tables without files (a sync in place without
-- `landing_file`) batch by processing time: there a pending row is overdue once it is processed
-- before the newest one minus incremental_lookback_days (no build without vars picks it up).
{#- (table, landing model, base model, staging model, batched by processing day) -#}
{%- set tables = [
    ('deliveries', 'lnd_deliveries', 'base_cio__deliveries', 'stg_cio__deliveries', true),
    ('metrics', 'lnd_metrics', 'base_cio__metrics', 'stg_cio__metrics', true),
    ('subjects', 'lnd_subjects', 'base_cio__subjects', 'stg_cio__subjects', true),
    ('outputs', 'lnd_outputs', 'base_cio__outputs', 'stg_cio__outputs', true),
    ('people', 'lnd_people', 'base_cio__people', 'stg_cio__people', true),
    ('attributes', 'lnd_attributes', 'base_cio__attributes', 'stg_cio__attributes', true),
    ('events', 'lnd_events', 'base_tracking__events', 'stg_tracking__events', true),
    ('segment_memberships', 'lnd_segment_memberships', 'base_tracking__segment_memberships', 'stg_tracking__segment_memberships', true),
    ('campaigns', 'lnd_campaigns', 'base_config__campaigns', 'stg_config__campaigns', false),
    ('campaign_actions', 'lnd_campaign_actions', 'base_config__campaign_actions', 'stg_config__campaign_actions', false),
    ('goal_versions', 'lnd_goal_versions', 'base_config__goal_versions', 'stg_config__goal_versions', false),
    ('branch_paths', 'lnd_branch_paths', 'base_config__branch_paths', 'stg_config__branch_paths', false),
] %}
{%- set lookback_days = var('incremental_lookback_days') | int %}
{#- Whether base models take batches (DuckDB, Postgres) or are rebuilt from every landed row (Spark). #}
{%- set batches_base_models = incremental_materialization() == 'incremental' %}
{#- The files with rows missing from the base table, per table, found first by one grouped count:
    only their processing times are parsed and compared, and with none (the usual case) the
    statement reads no row for pending ones (Spark ran that comparison as about 27 s of jobs at
    scale 0.03 whatever it found). Engines whose base models are tables rebuilt from every landed
    row (Spark, incremental_materialization) have nothing pending: a row missing there shows in
    the sum itself, and the count would be about a third of the model's scans for nothing. #}
{%- set short_files = {} %}
{%- if execute and batches_base_models %}
    {%- set selects = [] %}
    {#- Compiled without a build (a linter on an empty database): nothing to count yet. #}
    {%- for table_name, landing_model, base_model, staging_model, is_daily in tables
        if is_daily and load_relation(ref(landing_model)) is not none and load_relation(ref(base_model)) is not none %}
        {%- set short_sql %}
            {#- Counted per path, then summed per name: the name's regex runs once per file, not per row. #}
            select '{{ table_name }}' as table_name, landed.file_name
            from (
                select {{ landing_file_name('landing_file') }} as file_name, sum(rows_landed) as rows_landed
                from (select landing_file, count(*) as rows_landed from {{ ref(landing_model) }} group by landing_file) as files
                group by {{ landing_file_name('landing_file') }}
            ) as landed
            left join (
                select {{ landing_file_name('landing_file') }} as file_name, sum(rows_based) as rows_based
                from (select landing_file, count(*) as rows_based from {{ ref(base_model) }} group by landing_file) as files
                group by {{ landing_file_name('landing_file') }}
            ) as based on landed.file_name = based.file_name
            where landed.rows_landed > coalesce(based.rows_based, 0)
        {%- endset %}
        {%- do selects.append(short_sql) %}
    {%- endfor %}
    {%- for row in (run_query(selects | join(' union all ')).rows if selects else []) %}
        {%- do short_files.setdefault(row[0], []).append(row[1]) %}
    {%- endfor %}
{%- endif %}

with

quarantine as (
    select
        table_name,
        count(*) as rows_quarantined
    from {{ ref('stg_quarantine') }}
    group by table_name
),

{% for table_name, landing_model, base_model, staging_model, is_daily in tables %}
    {%- if is_daily %}
        {%- set spec = landing_batch_spec(table_name) %}
        {%- if short_files.get(table_name) %}
            {#- Rows per file and processing time, in the landing files and in the base table. #}
            {%- for side, relation, processing, counted in [
                ('landed', ref(landing_model), spec.landing_processing, 'rows_landed'),
                ('based', ref(base_model), spec.processing, 'rows_based')] %}
                {{ side }}_times_{{ table_name }} as (
                    select
                        {{ landing_file_name('landing_file') }} as file_name,
                        {{ processing }} as processing_at,
                        count(*) as {{ counted }}
                    from {{ relation }}
                    where {{ landing_file_name('landing_file') }} in ({{ sql_text_list(short_files[table_name]) }})
                    group by {{ landing_file_name('landing_file') }}, {{ processing }}
                ),
            {%- endfor %}

            -- Both sides in one grouping, not a join on `is not distinct from`: Postgres cannot
            -- hash that, and compared every time of a file with every other (quadratic when many
            -- files are short, as after a folder loaded twice).
            times_{{ table_name }} as (
                select file_name, processing_at, rows_landed, 0 as rows_based
                from landed_times_{{ table_name }}
                union all
                select file_name, processing_at, 0 as rows_landed, rows_based
                from based_times_{{ table_name }}
            ),

            pending_{{ table_name }} as (
                select
                    file_name,
                    processing_at,
                    sum(rows_landed) - sum(rows_based) as rows_pending
                from times_{{ table_name }}
                group by file_name, processing_at
                having sum(rows_landed) > sum(rows_based)
            ),
        {%- else %}
            pending_{{ table_name }} as (
                select
                    cast(null as {{ dbt.type_string() }}) as file_name,
                    cast(null as timestamp) as processing_at,
                    cast(0 as bigint) as rows_pending
                where false
            ),
        {%- endif %}

        {%- if landing_has_files(table_name) %}
            -- Files the manifest has taken as they are now (engines without one rebuild in full).
            taken_{{ table_name }} as (
                {%- if batches_base_models %}
                    select {{ landing_file_name('landed.landing_file') }} as file_name
                    from ({{ landed_files_sql(table_name) }}) as landed
                    inner join {{ audit_relation('landing_files') }} as taken
                        on
                            taken.base_model = {{ manifest_key(ref(base_model)) }}
                            and {{ landing_file_name('landed.landing_file') }} = {{ landing_file_name('taken.landing_file') }}
                            and landed.fingerprint is not distinct from taken.fingerprint
                {%- else %}
                    select {{ landing_file_name('landing_file') }} as file_name from {{ ref(landing_model) }}
                {%- endif %}
            ),

            pending_summary_{{ table_name }} as (
                select
                    cast(null as timestamp) as overdue_before,
                    coalesce(sum(pending.rows_pending), 0) as rows_pending,
                    min(pending.processing_at) as oldest_pending_at,
                    coalesce(sum(case
                        when pending.file_name in (select taken.file_name from taken_{{ table_name }} as taken)
                            then pending.rows_pending
                        else 0
                    end), 0) as rows_overdue
                from pending_{{ table_name }} as pending
            ),
        {%- else %}
            -- What the next build without vars re-reads (processing_watermark in macros/incremental.sql).
            cutoff_{{ table_name }} as (
                select {{ add_days('max(' ~ spec.processing ~ ')', -lookback_days) }} as overdue_before
                from {{ ref(base_model) }}
            ),

            pending_summary_{{ table_name }} as (
                select
                    cutoff.overdue_before,
                    coalesce(sum(pending.rows_pending), 0) as rows_pending,
                    min(pending.processing_at) as oldest_pending_at,
                    -- Rows without a processing time belong to every batch: pending, they are overdue.
                    coalesce(sum(case
                        when pending.processing_at < cutoff.overdue_before then pending.rows_pending
                        when pending.processing_at is null and cutoff.overdue_before is not null
                            then pending.rows_pending
                        else 0
                    end), 0) as rows_overdue
                from cutoff_{{ table_name }} as cutoff
                left join pending_{{ table_name }} as pending on true
                group by cutoff.overdue_before
            ),
        {%- endif %}

    {%- else %}
        -- Configuration tables are rebuilt whole on every run: nothing waits for a batch.
        pending_summary_{{ table_name }} as (
            select
                0 as rows_pending,
                0 as rows_overdue,
                cast(null as timestamp) as oldest_pending_at,
                cast(null as timestamp) as overdue_before
        ),
    {%- endif %}

    -- A plain count, not one per file: answered from parquet footers on DuckDB and Spark, and
    -- without hashing every row's file path on Postgres (the pending rows above are per file).
    landed_{{ table_name }} as (
        select count(*) as rows_landed
        from {{ ref(landing_model) }}
    ),

    -- Steps of the one statement rather than scalar subqueries, which Spark runs as jobs of their own.
    staged_{{ table_name }} as (
        select count(*) as rows_staged
        from {{ ref(staging_model) }}
    ),

    superseded_{{ table_name }} as (
        select count(*) as rows_superseded
        from {{ ref(base_model) }} as based
        where based.quarantine_reason is null and based.key_rank > 1
    ),

    counts_{{ table_name }} as (
        select
            '{{ table_name }}' as table_name,
            landed.rows_landed,
            staged.rows_staged,
            superseded.rows_superseded,
            pending_summary.rows_pending,
            pending_summary.rows_overdue,
            pending_summary.oldest_pending_at,
            pending_summary.overdue_before
        from landed_{{ table_name }} as landed
        cross join pending_summary_{{ table_name }} as pending_summary
        cross join staged_{{ table_name }} as staged
        cross join superseded_{{ table_name }} as superseded
    ),
{% endfor %}

counted as (
    {%- for table_name, landing_model, base_model, staging_model, is_daily in tables %}
        select * from counts_{{ table_name }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        counted.table_name,
        coalesce(counted.rows_landed, 0) as rows_landed,
        counted.rows_staged,
        coalesce(quarantine.rows_quarantined, 0) as rows_quarantined,
        counted.rows_superseded,
        counted.rows_pending,
        counted.rows_overdue,
        counted.oldest_pending_at,
        counted.overdue_before,
        coalesce(counted.rows_landed, 0) = counted.rows_staged
        + coalesce(quarantine.rows_quarantined, 0) + counted.rows_superseded
        + counted.rows_pending
        and counted.rows_overdue = 0 as is_reconciled
    from counted
    left join quarantine on counted.table_name = quarantine.table_name
)

select * from final
