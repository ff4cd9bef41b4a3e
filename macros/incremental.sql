{#-
  Batches of the `daily` models: the incremental base models (landing rows typed, checked and
  ranked) and the staging views on top of them.

  Interface (kept stable for orchestration, see docs/incremental.md):
  - no vars, existing table: the batch is every key with a row in a landing file the model has
    not taken before (the landing manifest below), or whose content changed, or that is gone.
  - vars `processing_start` / `processing_end` (ISO UTC timestamps, half-open [start, end)): the
    same, plus every key with a landed row processed in the range (an orchestration window, or an
    operator re-running days).
  - each key is re-processed from ALL its landed rows, so the seq_num winner is the same as in a
    full build (the key's rows are deleted, then inserted again).
  - no table, or --full-refresh (whatever the vars): everything.
  Landing tables without files (a sync in place without `landing_file`) batch by processing time
  instead: without vars, every row processed since the newest one staged minus
  `incremental_lookback_days`.
-#}

{% macro processing_batch_active() -%}
  {#- --full-refresh always rebuilds everything, whatever the vars say; so does an engine whose
      base models are plain tables (Spark, see incremental_materialization). -#}
  {{ return(not flags.FULL_REFRESH and config.get('materialized') == 'incremental'
            and (var('processing_start', none) is not none
            or var('processing_end', none) is not none or is_incremental())) }}
{%- endmacro %}

{#-
  Boolean SQL: the processing-time expression falls in the current batch. A row without a
  processing time (optional timestamps, or one that does not parse) belongs to every batch, so
  it is staged (or re-quarantined) by whichever run sees it first; re-staging it is idempotent.
  Without vars the lower bound is a literal read before the run changes the table, so a
  pre-hook delete and the model's select see the same batch.
-#}
{% macro processing_batch_condition(processing_column, watermark_column=none) -%}
  {%- set start = var('processing_start', none) -%}
  {%- set end = var('processing_end', none) -%}
  {#- coalesce, not `is null or`: the expression (often a parse) is written once per bound. -#}
  coalesce((
  {%- if start is not none or end is not none -%}
    {% if start is not none %}{{ processing_column }} >= cast('{{ start }}' as timestamp){% else %}true{% endif %}
    and {% if end is not none %}{{ processing_column }} < cast('{{ end }}' as timestamp){% else %}true{% endif %}
  {%- elif is_incremental() -%}
    {{ processing_column }} >= {{ processing_watermark(watermark_column or processing_column) }}
  {%- else -%}
    true
  {%- endif -%}
  ), true)
{%- endmacro %}

{#- Newest processing time already in this model, minus the lookback, as a SQL literal. -#}
{% macro processing_watermark(column) -%}
  {%- if not execute -%}{{ return(beginning_of_time()) }}{%- endif -%}
  {%- set result = run_query(
      "select cast(" ~ add_days('max(' ~ column ~ ')', -(var('incremental_lookback_days') | int))
      ~ " as " ~ dbt.type_string() ~ ") from " ~ this) -%}
  {%- set value = result.columns[0].values()[0] -%}
  {%- if value is none -%}
    {{ return(beginning_of_time()) }}
  {%- else -%}
    {{ return("cast('" ~ value ~ "' as timestamp)") }}
  {%- endif -%}
{%- endmacro %}

{#-
  Base models (typed landing rows, bad and superseded ones included) are incremental too, so a
  daily run parses only the batch. The batch is every landed row whose processing time is in
  range, plus every landed row of a key that has one (ranking needs all rows of a key).
  Per landing table: `landing_keys` compute from the landing (text) columns the same values as
  the base model's key columns `key_columns` (the ones its key_rank partitions by); `landing_processing`
  is the processing time parsed from landing text, `processing` the same on the base model.
-#}
{% macro landing_batch_spec(table_name) -%}
  {%- set specs = {
    'deliveries': {'landing_keys': ['delivery_id'], 'key_columns': ['delivery_id'],
                   'landing_processing': parse_timestamp('created_at'), 'processing': 'created_at'},
    'metrics': {'landing_keys': ['event_id'], 'key_columns': ['event_id'],
                'landing_processing': parse_timestamp('created_at'), 'processing': 'created_at'},
    'subjects': {'landing_keys': ['subject_name'], 'key_columns': ['subject_name'],
                 'landing_processing': 'coalesce(' ~ parse_timestamp('created_at') ~ ', '
                                       ~ parse_timestamp('started_campaign_at') ~ ')',
                 'processing': 'coalesce(created_at, started_campaign_at)'},
    'outputs': {'landing_keys': ['output_id'], 'key_columns': ['output_id'],
                'landing_processing': parse_timestamp('created_at'), 'processing': 'created_at'},
    'people': {'landing_keys': ['workspace_id', 'internal_customer_id'],
               'key_columns': ['workspace_id', 'internal_customer_id'],
               'landing_processing': 'coalesce(' ~ parse_timestamp('updated_at') ~ ', '
                                     ~ parse_timestamp('created_at') ~ ')',
               'processing': 'coalesce(updated_at, created_at)'},
    'attributes': {'landing_keys': ['workspace_id', 'internal_customer_id', 'attribute_name',
                                    parse_timestamp('timestamp')],
                   'key_columns': ['workspace_id', 'internal_customer_id', 'attribute_name', 'changed_at'],
                   'landing_processing': parse_timestamp('timestamp'), 'processing': 'changed_at'},
    'events': {'landing_keys': ['event_id'], 'key_columns': ['event_id'],
               'landing_processing': parse_timestamp('received_at'), 'processing': 'received_at'},
    'segment_memberships': {'landing_keys': ['workspace_id', 'internal_customer_id', 'segment_id',
                                             parse_timestamp('occurred_at'), 'lower(action)'],
                            'key_columns': ['workspace_id', 'internal_customer_id', 'segment_id',
                                            'occurred_at', 'action'],
                            'landing_processing': parse_timestamp('occurred_at'),
                            'processing': 'occurred_at'},
  } -%}
  {{ return(specs[table_name]) }}
{%- endmacro %}

{#-
  The batch's keys are found once per run, in a pre-hook, into a scratch table next to the model:
  finding them parses the processing time of every landed row read, the costly part of a daily
  run. The pre-hook delete and the batch's rows then only match keys. A key is one text
  (`group_key`: null parts are '', parts joined by '|'), so the match is a plain `in`, which every
  engine runs as a hash semi-join; keys that collide as text only make a batch larger, and the
  delete and the batch's rows match the same keys, so the table stays exact.
-#}
{% macro landing_batch_relation() -%}
  {{ return(api.Relation.create(database=this.database, schema=this.schema,
                                identifier=this.identifier ~ '__batch_keys')) }}
{%- endmacro %}

{% macro landing_batch_rows_relation() -%}
  {{ return(api.Relation.create(database=this.database, schema=this.schema,
                                identifier=this.identifier ~ '__batch_rows')) }}
{%- endmacro %}

{% macro landing_batch_match(key_expressions) -%}
  {{ group_key(key_expressions) }} in (select batch_key from {{ landing_batch_relation() }})
{%- endmacro %}

{#-
  The landing manifest (`audit.landing_files`, one row per table and landing file taken in: its
  fingerprint, the rows taken, their span of processing times, when). A file not in it, or whose
  fingerprint changed, is new to the base model: a batch takes every row of it, whatever their
  processing time, and a changed or removed file's earlier rows are replaced. The post-hook
  records what the batch took. Fingerprints: DuckDB's landing folder, size and modification time;
  tables loaded by `goalline load`, its manifest's content hash; tables without a `landing_file`
  column (a sync in place) have no files, and batches there go by processing time as before.
-#}
{% macro landing_has_files(table_name) -%}
  {%- if target.type == 'duckdb' and landing_source() == 'files' -%}
    {{ return(true) }}
  {%- endif -%}
  {%- set source_relation = source('landing', table_name) -%}
  {%- set relation = adapter.get_relation(source_relation.database, source_relation.schema,
                                          source_relation.identifier) if execute else none -%}
  {%- if relation is none -%}
    {{ return(false) }}
  {%- endif -%}
  {{ return('landing_file' in adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list) }}
{%- endmacro %}

{#- The manifest's key of a base model: another project building into the same database has its own. -#}
{% macro manifest_key(relation) -%}
  {{ return("'" ~ relation.schema ~ "." ~ relation.identifier ~ "'") }}
{%- endmacro %}

{#- A select of (landing_file, fingerprint), one row per landing file of the table now. -#}
{% macro landed_files_sql(table_name) %}
  {{ return(adapter.dispatch('landed_files_sql', 'goalline')(table_name)) }}
{% endmacro %}

{% macro default__landed_files_sql(table_name) -%}
  {%- set source_relation = source('landing', table_name) -%}
  {%- set loaded = adapter.get_relation(source_relation.database, source_relation.schema, 'goalline_loaded_files') if execute else none -%}
  {%- set landed = 'select distinct landing_file from ' ~ ref('lnd_' ~ table_name) -%}
  {%- if loaded is none -%}
    {{ return('select landing_file, cast(null as ' ~ dbt.type_string() ~ ') as fingerprint from (' ~ landed ~ ') as landed') }}
  {%- endif -%}
  {{ return('select landed.landing_file, max(loaded.content_hash) as fingerprint from (' ~ landed ~ ') as landed'
            ~ ' left join ' ~ loaded ~ " as loaded on loaded.table_name = '" ~ table_name ~ "'"
            ~ ' and loaded.landing_file = landed.landing_file group by landed.landing_file') }}
{%- endmacro %}

{% macro duckdb__landed_files_sql(table_name) -%}
  {%- if landing_source() == 'tables' -%}
    {{ return(default__landed_files_sql(table_name)) }}
  {%- endif -%}
  {%- set files = landing_files(table_name, 'parquet') + landing_files(table_name, 'csv') -%}
  {%- if not files -%}
    {{ return('select cast(null as varchar) as landing_file, cast(null as varchar) as fingerprint where false') }}
  {%- endif -%}
  {#- read_blob reads no content when only these columns are selected. -#}
  {{ return("select filename as landing_file, cast(size as varchar) || ' bytes, modified '"
            ~ " || cast(last_modified as varchar) as fingerprint from read_blob([" ~ sql_text_list(files) ~ "])") }}
{%- endmacro %}

{#- The scratch table of a base model's run: the files it takes (`new`, `changed`) or forgets (`changed`, `gone`). -#}
{% macro landing_batch_files_relation() -%}
  {{ return(api.Relation.create(database=this.database, schema=this.schema,
                                identifier=this.identifier ~ '__batch_files')) }}
{%- endmacro %}

{#- A landing file's name: files are matched by name, so a landing folder moved or mounted elsewhere is the same one. -#}
{% macro landing_file_name(column) -%}
  regexp_replace({{ column }}, '^.*/', '')
{%- endmacro %}

{#-
  Pre-hook: the files of this run, compared by name with the manifest (on a full build every file
  is new), into the scratch table; returns {'taken': the landed paths whose rows the batch takes,
  'forgotten': the paths the model's rows of changed or gone files carry}. Read before the model
  selects, so a file landing while it runs is new to the next build rather than recorded unread.
-#}
{% macro diff_landing_files(table_name) -%}
  {%- set scratch = landing_batch_files_relation() -%}
  {%- if flags.FULL_REFRESH or not is_incremental() -%}
    {%- set files_sql = "select landing_file, cast(null as " ~ dbt.type_string() ~ ") as taken_file, fingerprint,"
                        ~ " 'new' as status from (" ~ landed_files_sql(table_name) ~ ") as landed" -%}
  {%- else -%}
    {%- set files_sql -%}
    select
        landed.landing_file,
        taken.landing_file as taken_file,
        landed.fingerprint,
        case
            when taken.landing_file is null then 'new'
            when landed.landing_file is null then 'gone'
            else 'changed'
        end as status
    from ({{ landed_files_sql(table_name) }}) as landed
    full outer join (
        select landing_file, fingerprint from {{ audit_relation('landing_files') }}
        where base_model = {{ manifest_key(this) }}
    ) as taken
        on {{ landing_file_name('landed.landing_file') }} = {{ landing_file_name('taken.landing_file') }}
    where
        taken.landing_file is null
        or landed.landing_file is null
        or landed.fingerprint is distinct from taken.fingerprint
    {%- endset -%}
  {%- endif -%}
  {%- do run_query('drop table if exists ' ~ scratch) -%}
  {%- do run_query(get_create_table_as_sql(false, scratch, files_sql)) -%}
  {%- set rows = run_query('select landing_file, taken_file from ' ~ scratch).rows -%}
  {{ return({'taken': rows | map(attribute=0) | reject('none') | list,
             'forgotten': rows | map(attribute=1) | reject('none') | list}) }}
{%- endmacro %}

{#-
  The landing folder's path now of each file named by `paths` (DuckDB reads by path, so the
  filter on file names can skip files; a folder moved since keeps the names, not the paths).
-#}
{% macro landed_paths(table_name, paths) -%}
  {%- set by_name = {} -%}
  {%- for path in landing_files(table_name, 'parquet') + landing_files(table_name, 'csv') -%}
    {%- do by_name.update({path.split('/')[-1]: path}) -%}
  {%- endfor -%}
  {%- set found = [] -%}
  {%- for path in paths if path.split('/')[-1] in by_name -%}
    {%- do found.append(by_name[path.split('/')[-1]]) -%}
  {%- endfor -%}
  {{ return(found | unique | list) }}
{%- endmacro %}

{#-
  Post-hook: record what the run took per file (rows, span of processing times, when) and forget
  the files it replaced or that are gone; a full build first forgets the table's every file.
-#}
{% macro record_landing_files(table_name) -%}
  {%- set processing = landing_batch_spec(table_name).processing -%}
  {%- set scratch = landing_batch_files_relation() -%}
  delete from {{ audit_relation('landing_files') }}
  where base_model = {{ manifest_key(this) }}
  {%- if not processing_batch_active() %}
  ;
  {%- else %}
      and landing_file in (select taken_file from {{ scratch }});
  {%- endif %}
  insert into {{ audit_relation('landing_files') }}
  select
      {{ manifest_key(this) }},
      '{{ table_name }}',
      files.landing_file,
      files.fingerprint,
      count(based.landing_file),
      min({{ processing }}),
      max({{ processing }}),
      count(based.landing_file) - count({{ processing }}),
      {{ run_started_literal() }}
  from {{ scratch }} as files
  left join {{ this }} as based
      on files.landing_file = based.landing_file
  where files.status <> 'gone'
  group by files.landing_file, files.fingerprint;
  drop table if exists {{ scratch }}
{%- endmacro %}

{#-
  The files a window's rows can be in (DuckDB's landing folder): the taken files whose span of
  processing times meets the window or that have rows without one. Finding a batch parses the
  processing time of every row read, so the spans keep a window run to its days' files.
-#}
{% macro landing_window_files(table_name) -%}
  {%- set start = var('processing_start', none) -%}
  {%- set end = var('processing_end', none) -%}
  {%- set meets = ("max_processed_at >= cast('" ~ start ~ "' as timestamp)" if start is not none else 'true')
                  ~ ' and ' ~ ("min_processed_at < cast('" ~ end ~ "' as timestamp)" if end is not none else 'true') -%}
  {%- set candidates = run_query('select landing_file from ' ~ audit_relation('landing_files')
                                 ~ ' where base_model = ' ~ manifest_key(this)
                                 ~ ' and (rows_without_processing_time > 0 or (' ~ meets ~ '))') -%}
  {{ return(landed_paths(table_name, candidates.columns[0].values() | list)) }}
{%- endmacro %}

{#- A run with processing_start / processing_end (an orchestration window) rather than the manifest alone. -#}
{% macro processing_window_given() -%}
  {{ return(var('processing_start', none) is not none or var('processing_end', none) is not none) }}
{%- endmacro %}

{#- Texts as a SQL list of literals; never empty (no text matches null). -#}
{% macro sql_text_list(texts) -%}
  {%- set quoted = [] -%}
  {%- for text in texts -%}
    {%- do quoted.append("'" ~ (text | replace("'", "''")) ~ "'") -%}
  {%- endfor -%}
  {{ quoted | join(', ') if quoted else 'null' }}
{%- endmacro %}

{#-
  Pre-hook of a base model: the batch's keys, then every landed row of those keys (the model's
  input, read once); on a full build, the log entry "everyone changed". The keys: every key of a
  file new to the manifest (or changed), whatever its processing time; with a processing window,
  every key with a row processed in it; the keys of the rows of changed or removed files; and,
  where the landing has no files (tables in place without `landing_file`), every key with a row
  processed since the newest one staged minus the lookback. On DuckDB only the files those rows
  can be in are read: the new ones, the window's (by the manifest's spans) and the files the
  model's table already holds rows of those keys from (their other rows).
-#}
{% macro create_landing_batch(table_name) -%}
  {%- if processing_batch_active() -%}
    {%- set spec = landing_batch_spec(table_name) -%}
    {%- set has_files = landing_has_files(table_name) -%}
    {%- set files = diff_landing_files(table_name) -%}
    {%- set reads_files = target.type == 'duckdb' and landing_source() == 'files' -%}
    {%- set window_files = landing_window_files(table_name) if reads_files and processing_window_given() else [] -%}
    {%- set conditions = [] -%}
    {%- if has_files -%}
      {%- do conditions.append('landing_file in (' ~ sql_text_list(files.taken) ~ ')') -%}
    {%- endif -%}
    {%- if processing_window_given() or not has_files -%}
      {%- set in_window = processing_batch_condition(spec.landing_processing, spec.processing) -%}
      {%- if reads_files -%}
        {%- set in_window = in_window ~ ' and landing_file in (' ~ sql_text_list(window_files) ~ ')' -%}
      {%- endif -%}
      {%- do conditions.append('(' ~ in_window ~ ')') -%}
    {%- endif -%}
    {%- set batch_keys_sql -%}
    select {{ group_key(spec.landing_keys) }} as batch_key
    from {{ ref('lnd_' ~ table_name) }}
    where {{ conditions | join(' or ') }}
    {%- if is_incremental() and files.forgotten %}
    union
    select {{ group_key(spec.key_columns) }} from {{ this }}
    where landing_file in ({{ sql_text_list(files.forgotten) }})
    {%- endif %}
    {%- if is_incremental() and table_name == 'metrics' %}
    {#- A metric is judged again when whether its delivery is staged changed since: an orphan
        once its delivery lands, from whichever file and whenever; a staged one once its delivery
        is gone (a deliveries file changed in place or removed). One pass over the metrics. #}
    union
    select {{ group_key(spec.key_columns) }} from {{ this }}
    left join (
        select delivery_id as staged_delivery_id from {{ ref('stg_cio__deliveries') }}
    ) as staged
        on delivery_id = staged.staged_delivery_id
    where has_delivery <> (staged.staged_delivery_id is not null)
    {%- endif %}
    {%- endset -%}
    {%- do run_query('drop table if exists ' ~ landing_batch_relation()) -%}
    {%- do run_query(get_create_table_as_sql(false, landing_batch_relation(),
                                             'select distinct batch_key from (' ~ batch_keys_sql ~ ') as keys')) -%}
    {%- set read = none -%}
    {%- if reads_files and is_incremental() -%}
      {%- set held = run_query('select distinct landing_file from ' ~ this ~ ' where '
                               ~ landing_batch_match(spec.key_columns)).columns[0].values() | list -%}
      {%- set read = (files.taken + window_files + landed_paths(table_name, held)) | unique | list -%}
    {%- endif -%}
    {%- set batch_rows_sql -%}
    select * from {{ ref('lnd_' ~ table_name) }}
    where {{ landing_batch_match(spec.landing_keys) }}
    {%- if read is not none %}
        and landing_file in ({{ sql_text_list(read) }})
    {%- endif %}
    {%- endset %}
    drop table if exists {{ landing_batch_rows_relation() }};
    {{ get_create_table_as_sql(false, landing_batch_rows_relation(), batch_rows_sql) }}
  {%- elif config.get('materialized') == 'incremental' -%}
    {%- do diff_landing_files(table_name) -%}
    {#- A failed batch run's keys left behind would make the post-hook take this build for one. -#}
    drop table if exists {{ landing_batch_relation() }};
    {#- A full build changes everyone's rows (macros/person_batch.sql). -#}
    {{ log_person_changes() }}
  {%- endif -%}
{%- endmacro %}

{#-
  Post-hook: log the people (and deliveries) of the rows the batch inserted, record the files taken
  in the manifest, then drop the scratch tables, only needed while the model runs. The keys' scratch
  table exists only after a batch run's pre-hook (after a full build everyone was logged by the
  pre-hook); the catalog is asked, since dbt's relation cache does not know tables a hook created
  (engines with incremental models only: DuckDB, Postgres). Statistics (Postgres) are refreshed
  after a full build only: a batch adds a day to a table whose statistics the full build gathered,
  and autovacuum refreshes them when the changes add up (as for the per-person models). On a plain
  table (Spark) the hook renders empty: dbt sends no statement for it, where `select 1` was a Spark
  job of about 25 ms, a few per model on every build.
-#}
{% macro drop_landing_batch() -%}
  {%- set scratch = landing_batch_relation() -%}
  {%- if execute and config.get('materialized') == 'incremental' -%}
    {%- set table_name = this.identifier.split('__')[1] -%}
    {%- if existing_tables([scratch.identifier]) -%}
      {%- set batch = batch_changes_sql(table_name, [landing_batch_match(landing_batch_spec(table_name).key_columns)]) -%}
      {%- if batch is not none %}
    {{ log_person_changes(batch) }};
      {%- endif %}
    {%- else %}
    {{ analyze_table(this) }};
    {%- endif %}
  {{ record_landing_files(table_name) }};
  drop table if exists {{ scratch }};
  drop table if exists {{ landing_batch_rows_relation() }}
  {%- endif -%}
{%- endmacro %}

{#-
  The `indexes` config of a base model (Postgres): its batch key, as the hooks match it. Logging
  the people of a batch's keys and deleting their rows then probe the index for the day's keys
  instead of scanning the whole table (at 2.83M landed rows, the events pre-hook 1.0 s to 0.3 s).
  Only keys of text columns: the text of a timestamp depends on a setting (DateStyle), and Postgres
  indexes only immutable expressions. Created with the table, so a warehouse built before has
  them after its next `--full-refresh`.
-#}
{% macro batch_key_indexes(table_name) -%}
  {{ return(lookup_indexes(['(' ~ group_key(landing_batch_spec(table_name).key_columns) ~ ')'])) }}
{%- endmacro %}

{#- A base model's input: every landed row, or on a batch run the batch's rows (the pre-hook's table). -#}
{% macro landing_batch_rows(landed) -%}
  {%- if not processing_batch_active() -%}
    {{ return(landed) }}
  {%- endif -%}
  {{ return(landing_batch_rows_relation()) }}
{%- endmacro %}

{#-
  Pre-hook of an incremental base model: remove the rows the batch inserts again, and rows whose
  processing time is in the batch although their landed row is gone (landing is append-only, but
  a removed file should not leave its rows staged forever). The people (and deliveries) of the
  removed rows are logged first (macros/person_batch.sql): their downstream rows are recomputed.
-#}
{% macro delete_landing_batch(table_name) -%}
  {%- if is_incremental() and processing_batch_active() -%}
    {%- set spec = landing_batch_spec(table_name) -%}
    {#- Separate conditions, not one `or`: each alone prunes by zone maps or hash-joins the keys.
        Rows in a window (or, without files, since the watermark) whose landed row is gone go too. -#}
    {%- set removed = [landing_batch_match(spec.key_columns)] -%}
    {%- if processing_window_given() or not landing_has_files(table_name) -%}
      {%- do removed.insert(0, processing_batch_condition(spec.processing)) -%}
    {%- endif -%}
    {%- set batch = batch_changes_sql(table_name, removed) -%}
    {%- if batch is not none -%}
    {{ log_person_changes(batch) }};
    {% endif -%}
    {%- for condition in removed %}
    delete from {{ this }} where {{ condition }}{% if not loop.last %};{% endif %}
    {%- endfor -%}
  {%- endif -%}
{%- endmacro %}

{#-
  Who depends on a base model's rows matching any of `conditions`, for `log_person_changes`:
  {'matched': the rows (one scan of the base table, however many links read them), 'people': a
  select of person keys over `matched`, 'deliveries': a select of delivery ids over it, or none},
  or none for a table no per-person model reads (outputs). A metric is its delivery's person's.
  An event is its person's only when its name is an event goal's (most events are page views,
  which no model reads by person; a goal edit rebuilds every per-person model through the
  fingerprint), and it is also the person's whose journey it triggered, whatever its name (goal
  filters compare with the trigger event).
-#}
{% macro batch_changes_sql(table_name, conditions) -%}
  {%- if table_name == 'outputs' -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set columns = {'metrics': 'delivery_id', 'deliveries': 'internal_customer_id, delivery_id',
                     'events': 'internal_customer_id, event_id, event_name'}
                    .get(table_name, 'internal_customer_id') -%}
  {%- set selects = [] -%}
  {%- for condition in conditions -%}
    {%- do selects.append('select ' ~ columns ~ ' from ' ~ this ~ ' where ' ~ condition) -%}
  {%- endfor -%}
  {%- set batch = {'matched': selects | join(' union all '),
                   'deliveries': 'select delivery_id from matched' if table_name in ['deliveries', 'metrics'] else none} -%}
  {%- if table_name == 'metrics' -%}
    {%- set deliveries = api.Relation.create(database=this.database, schema=this.schema, identifier='base_cio__deliveries') -%}
    {%- do batch.update({'people': 'select ' ~ person_key('internal_customer_id') ~ ' as person_key from ' ~ deliveries
                                    ~ ' where delivery_id in (select delivery_id from matched)'}) -%}
    {{ return(batch) }}
  {%- endif -%}
  {%- set own = 'select ' ~ person_key('internal_customer_id') ~ ' as person_key from matched' -%}
  {%- if table_name == 'events' -%}
    {#- Not built yet (staging selected alone on a new database): every event's person. -#}
    {%- set goals = load_relation(ref('stg_config__goal_versions')) -%}
    {%- if goals is not none -%}
      {%- set own = own ~ " where event_name in (select event_name from " ~ goals ~ " where goal_type = 'event')" -%}
    {%- endif -%}
    {%- set subjects = api.Relation.create(database=this.database, schema=this.schema, identifier='base_cio__subjects') -%}
    {%- set own = own
        ~ ' union all select ' ~ person_key('internal_customer_id') ~ ' from ' ~ subjects
        ~ ' where event_id in (select event_id from matched)'
        ~ ' union all select ' ~ person_key('internal_customer_id') ~ ' from ' ~ subjects
        ~ ' where trigger_id in (select event_id from matched)' -%}
  {%- endif -%}
  {%- do batch.update({'people': own}) -%}
  {{ return(batch) }}
{%- endmacro %}

{#-
  Materialization of the incremental base models. Their batches delete a key's rows and insert
  them again; Spark without Delta or Iceberg (jars that cannot be fetched here) has no delete, so
  on Spark they are tables and every build is a full one (README, "Engines").
-#}
{% macro incremental_materialization() %}
  {{ return(adapter.dispatch('incremental_materialization', 'goalline')()) }}
{% endmacro %}

{% macro default__incremental_materialization() -%}
  {{ return('incremental') }}
{%- endmacro %}

{% macro spark__incremental_materialization() -%}
  {{ return('table') }}
{%- endmacro %}
