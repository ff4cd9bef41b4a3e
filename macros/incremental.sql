{#-
  Processing-time batches for the `daily` models.

  Interface (kept stable for orchestration, see docs/scale.md); applies to the `daily` models:
  the incremental base models (landing rows typed, checked and ranked) and the staging views on
  top of them.
  - vars `processing_start` / `processing_end` (ISO UTC timestamps, half-open [start, end)):
    the run (re)builds exactly the keys that have a landed row whose processing time falls in
    the range; each key is re-processed from ALL its landed rows, so the seq_num winner is the
    same as in a full build (the key's rows are deleted, then inserted again).
  - no vars, existing table: the batch is every row processed at or after the newest processing
    time already in the model minus `incremental_lookback_days` (late-arriving rows).
  - no vars, no table, or --full-refresh (whatever the vars): everything.
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
  The landing files a batch's rows can be in. DuckDB reads landing files, and finding the batch
  parses the processing time of every row read, so the span of processing times of each file is
  kept (`audit.landing_file_spans`) once the file has been read: a batch reads only the files whose
  span meets its window, files with rows without a processing time (they belong to every batch)
  and files not seen before. Landing files are append-only: a file rewritten in place keeps its
  old span until `--full-refresh`, which forgets every span. Other engines read tables: none.
-#}
{% macro landing_batch_files(table_name, spec) %}
  {{ return(adapter.dispatch('landing_batch_files', 'goalline')(table_name, spec)) }}
{% endmacro %}

{% macro default__landing_batch_files(table_name, spec) -%}
  {{ return(none) }}
{%- endmacro %}

{% macro duckdb__landing_batch_files(table_name, spec) -%}
  {#- Tables in place (macros/landing/read_landing.sql) have no files to keep spans of: read as elsewhere. -#}
  {%- if landing_source() == 'tables' -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set spans = audit_relation('landing_file_spans') -%}
  {%- set of_table = "table_name = '" ~ table_name ~ "'" -%}
  {%- set files = landing_files(table_name, 'parquet') + landing_files(table_name, 'csv') -%}
  {%- set known = run_query('select landing_file from ' ~ spans ~ ' where ' ~ of_table).columns[0].values() | list -%}
  {%- set new = files | reject('in', known) | list -%}
  {%- if known | reject('in', files) | list -%}
    {%- do run_query('delete from ' ~ spans ~ ' where ' ~ of_table ~ ' and landing_file not in (' ~ sql_text_list(files) ~ ')') -%}
  {%- endif -%}
  {%- if new -%}
    {%- do run_query(
        "insert into " ~ spans ~ " select '" ~ table_name ~ "', landing_file, min(processed_at), max(processed_at),"
        ~ " count(*) - count(processed_at) from (select landing_file, " ~ spec.landing_processing ~ " as processed_at"
        ~ " from " ~ ref('lnd_' ~ table_name) ~ " where landing_file in (" ~ sql_text_list(new) ~ ")) as new_rows"
        ~ " group by landing_file") -%}
  {%- endif -%}
  {%- set start = var('processing_start', none) -%}
  {%- set end = var('processing_end', none) -%}
  {%- if start is not none or end is not none -%}
    {%- set meets = ("max_processed_at >= cast('" ~ start ~ "' as timestamp)" if start is not none else 'true')
                    ~ ' and ' ~ ("min_processed_at < cast('" ~ end ~ "' as timestamp)" if end is not none else 'true') -%}
  {%- else -%}
    {%- set meets = 'max_processed_at >= ' ~ processing_watermark(spec.processing) -%}
  {%- endif -%}
  {%- set candidates = run_query('select landing_file from ' ~ spans ~ ' where ' ~ of_table
                                 ~ ' and (rows_without_processing_time > 0 or (' ~ meets ~ '))') -%}
  {{ return(candidates.columns[0].values() | list) }}
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
  input, read once); on a full build, the log entry "everyone changed". On DuckDB only the files
  those rows can be in are read: the files the spans put in the window (the batch's new rows) and
  the files the model's table already holds rows of those keys from (their other rows). A row
  never staged (it landed later than the lookback) is not in the table, so until its processing
  day is run again it is also left out of its key's ranking in other batches.
-#}
{% macro create_landing_batch(table_name) -%}
  {%- if processing_batch_active() -%}
    {%- set spec = landing_batch_spec(table_name) -%}
    {%- set files = landing_batch_files(table_name, spec) -%}
    {%- set batch_keys_sql -%}
    select distinct {{ group_key(spec.landing_keys) }} as batch_key
    from {{ ref('lnd_' ~ table_name) }}
    where {{ processing_batch_condition(spec.landing_processing, spec.processing) }}
    {%- if files is not none %}
        and landing_file in ({{ sql_text_list(files) }})
    {%- endif %}
    {%- endset -%}
    {%- do run_query('drop table if exists ' ~ landing_batch_relation()) -%}
    {%- do run_query(get_create_table_as_sql(false, landing_batch_relation(), batch_keys_sql)) -%}
    {%- if files is not none and is_incremental() -%}
      {%- set held = run_query('select distinct landing_file from ' ~ this ~ ' where '
                               ~ landing_batch_match(spec.key_columns)).columns[0].values() | list -%}
      {%- set files = files + (held | reject('in', files) | list) -%}
    {%- elif files is not none -%}
      {#- No table yet: a key's other rows may be in any file. -#}
      {%- set files = none -%}
    {%- endif -%}
    {%- set batch_rows_sql -%}
    select * from {{ ref('lnd_' ~ table_name) }}
    where {{ landing_batch_match(spec.landing_keys) }}
    {%- if files is not none %}
        and landing_file in ({{ sql_text_list(files) }})
    {%- endif %}
    {%- endset %}
    drop table if exists {{ landing_batch_rows_relation() }};
    {{ get_create_table_as_sql(false, landing_batch_rows_relation(), batch_rows_sql) }}
  {%- elif config.get('materialized') == 'incremental' -%}
    {#- A full build changes everyone's rows (macros/person_batch.sql). -#}
    {{ log_person_changes() }}
  {%- else -%}
    select 1
  {%- endif -%}
{%- endmacro %}

{#-
  Post-hook: log the people of the rows the batch inserted, then drop the scratch tables, only
  needed while the model runs. The scratch table exists only after a batch run's pre-hook (after a
  full build everyone was logged by the pre-hook); the catalog is asked, since dbt's relation
  cache does not know tables a hook created (engines with incremental models only: DuckDB, Postgres).
-#}
{% macro drop_landing_batch() -%}
  {%- set scratch = landing_batch_relation() -%}
  {%- if execute and config.get('materialized') == 'incremental' -%}
    {%- set existing = run_query(
        "select count(*) from information_schema.tables where table_catalog = '" ~ this.database
        ~ "' and table_schema = '" ~ this.schema ~ "' and table_name = '" ~ scratch.identifier ~ "'") -%}
    {%- if existing.rows[0][0] > 0 -%}
      {%- set table_name = this.identifier.split('__')[1] -%}
      {%- set people = batch_people_sql(table_name, [landing_batch_match(landing_batch_spec(table_name).key_columns)]) -%}
      {%- if people is not none %}
    {{ log_person_changes(people) }};
      {%- endif %}
    {%- else %}
    {{ record_landing_file_spans(this.identifier.split('__')[1]) }};
    {% endif -%}
  drop table if exists {{ scratch }};
  drop table if exists {{ landing_batch_rows_relation() }}
  {%- else -%}
  {#- A plain table (Spark): no scratch tables, and one statement per hook there. -#}
  select 1
  {%- endif -%}
{%- endmacro %}

{#-
  After a full build of a base model every landed row is in it, with its processing time parsed:
  the spans of all its landing files come from the table itself, so the next batch run reads only
  new files (DuckDB; elsewhere nothing).
-#}
{% macro record_landing_file_spans(table_name) %}
  {{ return(adapter.dispatch('record_landing_file_spans', 'goalline')(table_name)) }}
{% endmacro %}

{% macro default__record_landing_file_spans(table_name) -%}
  select 1
{%- endmacro %}

{% macro duckdb__record_landing_file_spans(table_name) -%}
  {%- if landing_source() == 'tables' -%}
    {{ return(default__record_landing_file_spans(table_name)) }}
  {%- endif -%}
  {%- set processing = landing_batch_spec(table_name).processing -%}
  delete from {{ audit_relation('landing_file_spans') }} where table_name = '{{ table_name }}';
  insert into {{ audit_relation('landing_file_spans') }}
  select '{{ table_name }}', landing_file, min({{ processing }}), max({{ processing }}),
      count(*) - count({{ processing }})
  from {{ this }}
  group by landing_file
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
  a removed file should not leave its rows staged forever). The people of the removed rows are
  logged first (macros/person_batch.sql): their downstream rows are recomputed.
-#}
{% macro delete_landing_batch(table_name) -%}
  {%- if is_incremental() and processing_batch_active() -%}
    {%- set spec = landing_batch_spec(table_name) -%}
    {#- Two conditions, not one `or`: each alone prunes by zone maps or hash-joins the keys. -#}
    {%- set removed = [processing_batch_condition(spec.processing), landing_batch_match(spec.key_columns)] -%}
    {%- set people = batch_people_sql(table_name, removed) -%}
    {%- if people is not none -%}
    {{ log_person_changes(people) }};
    {% endif -%}
    {%- for condition in removed %}
    delete from {{ this }} where {{ condition }}{% if not loop.last %};{% endif %}
    {%- endfor -%}
  {%- else -%}
    select 1
  {%- endif -%}
{%- endmacro %}

{#-
  The people whose downstream rows depend on a base model's rows matching any of `conditions`, as
  a select of person keys. A metric is its delivery's person's; an event is also the person's whose
  journey it triggered (goal filters compare with the trigger event). Outputs feed no per-person
  model.
-#}
{% macro batch_people_sql(table_name, conditions) -%}
  {%- set staging = this.schema -%}
  {%- set selects = [] -%}
  {%- for condition in conditions -%}
    {%- do selects.append('select * from ' ~ this ~ ' where ' ~ condition) -%}
  {%- endfor -%}
  {%- set rows = '(' ~ selects | join(' union all ') ~ ') as matched' -%}
  {%- if table_name == 'metrics' -%}
    {%- set deliveries = api.Relation.create(database=this.database, schema=staging, identifier='base_cio__deliveries') -%}
    {{ return('select ' ~ person_key('internal_customer_id') ~ ' as person_key from ' ~ deliveries
              ~ ' where delivery_id in (select delivery_id from ' ~ rows ~ ')') }}
  {%- elif table_name == 'outputs' -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set own = 'select ' ~ person_key('internal_customer_id') ~ ' as person_key from ' ~ rows -%}
  {%- if table_name != 'events' -%}
    {{ return(own) }}
  {%- endif -%}
  {%- set subjects = api.Relation.create(database=this.database, schema=staging, identifier='base_cio__subjects') -%}
  {%- set events = 'select event_id from ' ~ rows -%}
  {{ return(own
      ~ ' union all select ' ~ person_key('internal_customer_id') ~ ' from ' ~ subjects
      ~ ' where event_id in (' ~ events ~ ')'
      ~ ' union all select ' ~ person_key('internal_customer_id') ~ ' from ' ~ subjects
      ~ ' where trigger_id in (' ~ events ~ ')') }}
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
