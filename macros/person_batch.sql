{#-
  Per-person batches of the intermediate models and marts (docs/scale.md, "Downstream of staging:
  per-person batches").

  Every journey, occurrence, window, credit and touch belongs to one person, so the person is the
  unit of reprocessing (the pattern of Snowplow's dbt packages):
  - the base models log the people a batch touches (a row of theirs inserted, replaced or
    deleted) in `audit.person_changes`, stamped with the run's start (macros/incremental.sql);
  - each per-person model (an incremental model under intermediate/ or marts/) computes the rows of
    the people logged since it last ran again, from all their rows, and writes those that differ
    (the strategy `person_batch`); four delivery models take the deliveries logged instead (meta
    `batch_unit: delivery`);
  - `audit.processing_manifest` keeps, per model, how far into the log it has processed, the
    fingerprint of its code and configuration, and when it was last rebuilt in full.
  A model rebuilds in full (and says why in the log) when its compiled SQL, the configuration
  tables, the rule seeds or a rule var changed, when a per-person model it reads was rebuilt in full
  since it last ran, or when a base model was rebuilt in full. It never runs ahead of its parents:
  it processes the log only up to the point every per-person parent has reached.
  An aggregate over a per-person model (meta `aggregates: <model>`) is re-aggregated for the groups
  that model's batches changed: the per-person model (meta `group_by: [columns]`) logs, in
  `audit.group_changes`, the groups of the rows it deletes and of those it inserts.
  On Spark (no delete on parquet tables) these models are tables and none of this applies.
-#}

{#-
  The bookkeeping tables in schema `audit`: person_changes and group_changes (the logs),
  landing_files (the landing manifest, macros/incremental.sql) and processing_manifest.
-#}
{% macro audit_relation(identifier) -%}
  {{ return(api.Relation.create(database=target.database, schema='audit', identifier=identifier)) }}
{%- endmacro %}

{#- The scratch table of one model's batch: the keys to reprocess or one `everyone` row, and a state row. -#}
{% macro person_batch_relation() -%}
  {{ return(api.Relation.create(database=this.database, schema=this.schema,
                                identifier=this.identifier ~ '__batch')) }}
{%- endmacro %}

{#-
  A person as a batch key: null persons (deliveries or events without one) are the empty key. Two
  people sharing a key only makes a batch larger, never wrong, and a plain equality hash-joins on
  every engine (Postgres cannot hash `is not distinct from`).
-#}
{% macro person_key(column) -%}
  coalesce(cast({{ column }} as {{ dbt.type_string() }}), '')
{%- endmacro %}

{#- Columns as one text key, e.g. an aggregate's group (null and '' are one key: a larger batch, never wrong). -#}
{% macro group_key(columns) -%}
  {%- set parts = [] -%}
  {%- for column in columns -%}
    {%- do parts.append('coalesce(cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ "), '')") -%}
    {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
  {%- endfor -%}
  {{ dbt.concat(parts) }}
{%- endmacro %}

{% macro run_started_literal() -%}
  cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#-
  on-run-start: the logs, the landing manifest (macros/incremental.sql) and the processing
  manifest (engines with incremental models only).
-#}
{% macro create_person_batch_tables() -%}
  {%- if incremental_materialization() == 'incremental' -%}
  create schema if not exists {{ api.Relation.create(schema='audit').include(database=false, identifier=false) }};
  create table if not exists {{ audit_relation('person_changes') }} (
      changed_at {{ dbt.type_timestamp() }},
      person_key {{ dbt.type_string() }},
      everyone {{ dbt.type_boolean() }},
      base_model {{ dbt.type_string() }}
  );
  {#- A log written before it named its base model: its rows (null) count for every model. -#}
  alter table {{ audit_relation('person_changes') }} add column if not exists base_model {{ dbt.type_string() }};
  {#- The key's unit: `person`, or `delivery` (person_key then holds a delivery id); null is a person. -#}
  alter table {{ audit_relation('person_changes') }} add column if not exists batch_unit {{ dbt.type_string() }};
  create table if not exists {{ audit_relation('group_changes') }} (
      model_name {{ dbt.type_string() }},
      changed_at {{ dbt.type_timestamp() }},
      group_key {{ dbt.type_string() }},
      everyone {{ dbt.type_boolean() }}
  );
  create table if not exists {{ audit_relation('landing_files') }} (
      base_model {{ dbt.type_string() }},
      table_name {{ dbt.type_string() }},
      landing_file {{ dbt.type_string() }},
      fingerprint {{ dbt.type_string() }},
      rows_taken bigint,
      min_processed_at {{ dbt.type_timestamp() }},
      max_processed_at {{ dbt.type_timestamp() }},
      rows_without_processing_time bigint,
      taken_at {{ dbt.type_timestamp() }}
  );
  create table if not exists {{ audit_relation('processing_manifest') }} (
      model_name {{ dbt.type_string() }},
      processed_through {{ dbt.type_timestamp() }},
      fingerprint {{ dbt.type_string() }},
      rebuilt_at {{ dbt.type_timestamp() }},
      processed_at {{ dbt.type_timestamp() }},
      keys_in_batch bigint
  );
  alter table {{ audit_relation('processing_manifest') }} add column if not exists keys_in_batch bigint
  {%- endif -%}
{%- endmacro %}

{#-
  Which of the named tables of the model's schema exist, asked of the catalog on the model's
  connection: dbt's relation cache lists a table another thread is still creating, which a DuckDB
  transaction begun before that thread committed cannot read.
-#}
{% macro existing_tables(identifiers) -%}
  {%- if not execute -%}
    {{ return([]) }}
  {%- endif -%}
  {%- set found = run_query(
      "select table_name from information_schema.tables where table_catalog = '" ~ this.database
      ~ "' and table_schema = '" ~ this.schema ~ "' and table_name in (" ~ sql_text_list(identifiers) ~ ")") -%}
  {{ return(found.columns[0].values() | list) }}
{%- endmacro %}

{#-
  Log who a base model's batch rows touch, or everyone (no `batch`, or a batch run on a database
  still being built, some base tables missing). `batch` is what `batch_changes_sql` returns: the
  batch's rows, read once, and the selects of their people and of their deliveries over them.
  A journey and its deliveries may name different people (the export does not forbid it), so the
  people on the other side of such a delivery are logged too: one person's conversion can change
  the row of another person's delivery. Superseded and quarantined base rows count: a larger batch
  is never wrong. Deliveries are logged for the models whose batch is the delivery (meta
  `batch_unit: delivery`): a delivery's rows there depend on its own delivery row and metrics
  alone, so a metric reprocesses that delivery, not all of its person's history.
-#}
{% macro log_person_changes(batch=none) -%}
  {%- set deliveries = api.Relation.create(database=this.database, schema=this.schema, identifier='base_cio__deliveries') -%}
  {%- set subjects = api.Relation.create(database=this.database, schema=this.schema, identifier='base_cio__subjects') -%}
  insert into {{ audit_relation('person_changes') }} (changed_at, person_key, everyone, base_model, batch_unit)
  {% if batch is none or existing_tables([deliveries.identifier, subjects.identifier]) | length < 2 -%}
  select {{ run_started_literal() }}, cast(null as {{ dbt.type_string() }}), true, '{{ this.identifier }}',
      cast(null as {{ dbt.type_string() }})
  {%- else -%}
  with matched as (
      {{ batch.matched }}
  ),

  changed as (
      select distinct person_key from ({{ batch.people }}) as changed_people
  ),

  linked as (
      select person_key from changed
      union
      select {{ person_key('internal_customer_id') }} from {{ deliveries }}
      where subject_id in (
          select subject_name from {{ subjects }}
          where {{ person_key('internal_customer_id') }} in (select person_key from changed)
      )
      union
      select {{ person_key('internal_customer_id') }} from {{ subjects }}
      where subject_name in (
          select subject_id from {{ deliveries }}
          where {{ person_key('internal_customer_id') }} in (select person_key from changed)
      )
  )

  select {{ run_started_literal() }}, person_key, false, '{{ this.identifier }}', 'person' from linked
  {%- if batch.deliveries is not none %}
  union all
  select distinct {{ run_started_literal() }}, {{ person_key('delivery_id') }}, false, '{{ this.identifier }}', 'delivery'
  from ({{ batch.deliveries }}) as changed_deliveries
  {%- endif %}
  {%- endif %}
{%- endmacro %}

{#-
  This project's name, installed as a package or not: dbt's `project_name` is the root project's,
  so inside a user's project it matched none of these models and every daily run inserted again.
-#}
{% macro own_package_name() -%}
  {{ return('goalline') }}
{%- endmacro %}

{#- A batch model: an incremental intermediate model or mart, per person or (meta `aggregates`) per group. -#}
{% macro is_batch_node(node) -%}
  {{ return(node.resource_type == 'model' and node.package_name == own_package_name()
            and node.config.materialized == 'incremental'
            and node.fqn[1] in ['intermediate', 'marts']) }}
{%- endmacro %}

{% macro is_person_batch_node(node) -%}
  {{ return(is_batch_node(node) and not node.config.meta.get('aggregates')) }}
{%- endmacro %}

{% macro is_person_batch_model() -%}
  {{ return(execute and is_batch_node(model)) }}
{%- endmacro %}

{#-
  The base models (staging/base) a model reads, directly or through other models: a person whose
  rows changed only in other base models has the same rows in it, so its batches skip them (an
  event lands for half of the people on a day, a delivery or metric for about a tenth).
-#}
{% macro upstream_base_models() -%}
  {%- set seen = [] -%}
  {%- set walk = namespace(frontier=model.depends_on.nodes | list) -%}
  {#- A bounded walk (Jinja has no while): the project's chains are far shorter than this. -#}
  {%- for _ in range(100) if walk.frontier -%}
    {%- set next = [] -%}
    {%- for node_id in walk.frontier if node_id not in seen and node_id in graph.nodes -%}
      {%- do seen.append(node_id) -%}
      {%- do next.extend(graph.nodes[node_id].depends_on.nodes) -%}
    {%- endfor -%}
    {%- set walk.frontier = next -%}
  {%- endfor -%}
  {%- set bases = [] -%}
  {%- for node_id in seen if graph.nodes[node_id].fqn[1:3] == ['staging', 'base'] -%}
    {%- do bases.append(graph.nodes[node_id].alias) -%}
  {%- endfor -%}
  {{ return(bases | unique | sort) }}
{%- endmacro %}

{#- An aggregate's per-person source model and its group columns, or none for a per-person model. -#}
{% macro aggregated_source() -%}
  {%- set source_name = model.config.meta.get('aggregates') -%}
  {%- if not source_name -%}{{ return(none) }}{%- endif -%}
  {%- for node in graph.nodes.values() if node.name == source_name and node.package_name == own_package_name() -%}
    {{ return({'name': source_name, 'group_by': node.config.meta.group_by}) }}
  {%- endfor -%}
  {{ exceptions.raise_compiler_error(this.identifier ~ ' aggregates unknown model ' ~ source_name) }}
{%- endmacro %}

{#- Log the groups of this (per-person) model's rows that match a condition, or everyone, at stamp_sql. -#}
{% macro log_group_changes(stamp_sql, condition=none) -%}
  insert into {{ audit_relation('group_changes') }} (model_name, changed_at, group_key, everyone)
  {% if condition is none -%}
  select '{{ this.identifier }}', {{ stamp_sql }}, cast(null as {{ dbt.type_string() }}), true
  {%- else -%}
  select distinct '{{ this.identifier }}', {{ stamp_sql }}, {{ group_key(model.config.meta.group_by) }}, false
  from {{ this }}
  where {{ condition }}
  {%- endif %}
{%- endmacro %}

{#- A timestamp literal as SQL. -#}
{% macro timestamp_literal(text) -%}
  cast('{{ text }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- The batch unit of a per-person model: `person`, or `delivery` (meta `batch_unit`). -#}
{% macro batch_unit() -%}
  {{ return(model.config.meta.get('batch_unit', 'person')) }}
{%- endmacro %}

{#- The batch key of this model's rows: the person (or delivery), or an aggregate's group. -#}
{% macro batch_key_expression() -%}
  {%- set source = aggregated_source() -%}
  {%- if source is not none -%}
    {{ return(group_key(source.group_by)) }}
  {%- endif -%}
  {{ return(person_key('delivery_id' if batch_unit() == 'delivery' else 'person_id')) }}
{%- endmacro %}

{#-
  What a model's output depends on besides the staged rows: its compiled SQL (which holds the
  macros and rule vars it uses), the configuration tables as landed, and the rule seeds.
-#}
{% macro person_batch_fingerprint() -%}
  {#- The batch filters compile differently on incremental runs; they are not the model's logic. -#}
  {#- Nor are the database's name (a copied or renamed DuckDB file) or the landing folder's path. -#}
  {%- set code = modules.re.sub('/[*] person batch [*]/.*?/[*] end person batch [*]/', 'true',
                                model.compiled_code, flags=modules.re.DOTALL) -%}
  {%- set parts = [code | replace('"' ~ this.database ~ '".', '')] -%}
  {%- for node in graph.nodes.values() | sort(attribute='unique_id') -%}
    {%- if node.resource_type == 'seed' and node.package_name == own_package_name() -%}
      {%- do parts.append(node.unique_id ~ ':' ~ node.checksum.checksum) -%}
    {%- endif -%}
  {%- endfor -%}
  {#- By graph lookup, not ref(): a ref in a hook would have to be a dependency of every model.
      Each table is digested where it lives, in one query for the three: reading their rows into
      the model's context took three queries and a loop over every value, per model. A value is
      written as its length, ':' and the text, so no two different rows give the same text.
      (string_agg: per-person models are incremental on DuckDB and Postgres, tables on Spark.) -#}
  {%- set digests = [] -%}
  {%- for node in graph.nodes.values() | sort(attribute='unique_id')
        if node.package_name == own_package_name()
        and node.name in ['lnd_campaigns', 'lnd_campaign_actions', 'lnd_goal_versions'] -%}
    {%- set values = [] -%}
    {%- for column in node.columns.keys() | reject('equalto', 'landing_file') | sort -%}
      {%- set text = 'cast(' ~ adapter.quote(column) ~ ' as ' ~ dbt.type_string() ~ ')' -%}
      {%- do values.append("coalesce(concat(cast(length(" ~ text ~ ") as " ~ dbt.type_string() ~ "), ':', " ~ text ~ "), '<null>')") -%}
    {%- endfor -%}
    {%- do digests.append("select '" ~ node.name ~ "' as table_name, coalesce(md5("
        ~ "string_agg(row_text, '~' order by row_text)), '') as digest from (select concat_ws('|', "
        ~ values | join(', ') ~ ") as row_text from "
        ~ api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)
        ~ ") as landed") -%}
  {%- endfor -%}
  {%- set digested = [] -%}
  {%- for row in run_query(digests | join(' union all ')).rows -%}
    {%- do digested.append(row[0] ~ ':' ~ row[1]) -%}
  {%- endfor -%}
  {%- do parts.extend(digested | sort) -%}
  {{ return(local_md5(parts | join('\x1d'))) }}
{%- endmacro %}

{#-
  The model's state: its manifest row, how far the log may be processed now (through this run's
  start, but no further than any per-person parent has processed), and the parents' newest full
  rebuild. Not "the newest change": a parent that ran before any base model of this run had logged
  would stay at the last run, and hold back a child reading a base model that logs later in the run
  (fct_deliveries a metric), until the next run. Whatever the base models upstream of a model log
  in this run is logged before it runs.
-#}
{% macro person_batch_state() -%}
  {%- set parents = [] -%}
  {%- for node_id in model.depends_on.nodes -%}
    {%- if is_person_batch_node(graph.nodes[node_id]) -%}
      {%- do parents.append("'" ~ graph.nodes[node_id].name ~ "'") -%}
    {%- endif -%}
  {%- endfor -%}
  {%- set parent_filter = 'model_name in (' ~ (parents | join(', ')) ~ ')' if parents else 'false' -%}
  {%- set state_sql -%}
    select
        cast(own.processed_through as {{ dbt.type_string() }}) as processed_through,
        own.fingerprint,
        cast(own.processed_at as {{ dbt.type_string() }}) as processed_at,
        cast(own.rebuilt_at as {{ dbt.type_string() }}) as rebuilt_at,
        cast(reach.through as {{ dbt.type_string() }}) as through,
        coalesce(parent_rebuilds.newest > own.processed_at, false) as parent_rebuilt
    from (
        select min(reached) as through
        from (
            select {{ run_started_literal() }} as reached
            union all
            select processed_through as reached from {{ audit_relation('processing_manifest') }}
            where {{ parent_filter }}
        ) as reached_points
    ) as reach
    left join (
        select * from {{ audit_relation('processing_manifest') }} where model_name = '{{ this.identifier }}'
    ) as own on true
    cross join (
        select max(rebuilt_at) as newest from {{ audit_relation('processing_manifest') }}
        where {{ parent_filter }}
    ) as parent_rebuilds
  {%- endset -%}
  {%- set row = run_query(state_sql).rows[0] -%}
  {{ return({
      'processed_through': row['processed_through'], 'fingerprint': row['fingerprint'],
      'processed_at': row['processed_at'], 'rebuilt_at': row['rebuilt_at'],
      'parent_rebuilt': row['parent_rebuilt'],
      'through': row['through'] or '1900-01-01 00:00:00'}) }}
{%- endmacro %}

{#-
  Why the model must rebuild in full, or none: the batch is the people logged since it ran.
  `upstream` is its `logged_upstream()` filter, which the batch's select uses too (one graph walk).
-#}
{% macro person_batch_full_reason(state, fingerprint, upstream) -%}
  {%- if state.processed_through is none -%}
    {{ return('no record of what the table holds') }}
  {%- elif state.fingerprint != fingerprint -%}
    {{ return('its SQL, the configuration tables, the rule seeds or a rule var changed') }}
  {%- elif state.parent_rebuilt -%}
    {{ return('a model it reads was rebuilt in full') }}
  {%- endif -%}
  {%- set source = aggregated_source() -%}
  {%- if source is not none -%}
    {%- set everyone = run_query('select count(*) from ' ~ audit_relation('group_changes')
        ~ " where everyone and model_name = '" ~ source.name ~ "' and " ~ log_window(state)) -%}
    {{ return(source.name ~ ' was rebuilt in full' if everyone.rows[0][0] > 0 else none) }}
  {%- endif -%}
  {#- Person entries without a unit were written before deliveries were logged on their own (an
      upgrade over a failed build): a delivery model cannot read them as deliveries. -#}
  {%- set counts = run_query(
      'select count(case when everyone then 1 end),'
      ~ ' count(case when not everyone and batch_unit is null and ' ~ upstream ~ ' then 1 end)'
      ~ ' from ' ~ audit_relation('person_changes') ~ ' where ' ~ log_window(state)).rows[0] -%}
  {%- if counts[0] > 0 -%}
    {{ return('a staging base model was rebuilt in full') }}
  {%- elif counts[1] > 0 and batch_unit() == 'delivery' -%}
    {{ return('the person log holds entries from before deliveries were logged') }}
  {%- endif -%}
  {{ return(none) }}
{%- endmacro %}

{#- The log entries a model has not processed yet, up to where it may process now. -#}
{% macro log_window(state) -%}
  changed_at > cast('{{ state.processed_through }}' as {{ dbt.type_timestamp() }})
  and changed_at <= cast('{{ state.through }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- Log entries of the base models a model reads (an entry without one counts for every model). -#}
{% macro logged_upstream() -%}
  (base_model is null or base_model in ({{ sql_text_list(upstream_base_models()) }}))
{%- endmacro %}

{#-
  Pre-hook of every intermediate model and mart (a no-op for the tables among them): write the
  batch's scratch table (the strategy below writes the rows that changed), or, rebuilding in full,
  empty the table (and log every group, for the aggregate over a model with `group_by`). The
  scratch table also holds one row (no key) with the state the post-hook records: how far the log
  is processed, the fingerprint and the last full rebuild, so neither is computed twice.
-#}
{% macro prepare_person_batch() -%}
  {%- if not is_person_batch_model() -%}
    {{ return('') }}
  {%- endif -%}
  {%- set batch = person_batch_relation() -%}
  {%- set source = aggregated_source() -%}
  {%- set group_by = model.config.meta.get('group_by') -%}
  {%- set everyone_sql = 'select cast(null as ' ~ dbt.type_string() ~ ') as batch_key, true as everyone' -%}
  {%- set state = person_batch_state() -%}
  {%- set fingerprint = person_batch_fingerprint() -%}
  {%- set statements = [] -%}
  {%- if not is_incremental() -%}
    {%- set batch_sql = everyone_sql -%}
  {%- else -%}
    {%- set upstream = logged_upstream() -%}
    {%- set reason = person_batch_full_reason(state, fingerprint, upstream) -%}
    {%- if reason is not none -%}
      {{ log(this.identifier ~ ': rebuilt in full: ' ~ reason, info=True) }}
      {%- set batch_sql = everyone_sql -%}
      {%- do statements.append('delete from ' ~ this) -%}
    {%- else -%}
      {%- if source is none -%}
        {%- set batch_sql = 'select distinct person_key as batch_key, false as everyone from '
                            ~ audit_relation('person_changes') ~ ' where not everyone and ' ~ log_window(state)
                            ~ ' and ' ~ upstream
                            ~ " and coalesce(batch_unit, 'person') = '" ~ batch_unit() ~ "'" -%}
      {%- else -%}
        {%- set batch_sql = 'select distinct group_key as batch_key, false as everyone from '
                            ~ audit_relation('group_changes') ~ " where model_name = '" ~ source.name
                            ~ "' and not everyone and " ~ log_window(state) -%}
      {%- endif -%}
    {%- endif -%}
  {%- endif -%}
  {%- if group_by and batch_sql == everyone_sql -%}
    {%- do statements.append(log_group_changes(timestamp_literal(state.through))) -%}
  {%- endif -%}
  {%- set text = dbt.type_string() -%}
  {%- if batch_sql != everyone_sql %}
  {{ without_jit() }};
  {%- endif %}
  drop table if exists {{ batch }};
  {#- Plain SQL: dbt's create-table macro would apply the mart's contract to the scratch table. -#}
  create table {{ batch }} as
  select batch_key, everyone, cast(null as {{ text }}) as processed_through,
      cast(null as {{ text }}) as fingerprint, cast(null as {{ text }}) as rebuilt_at
  from ({{ batch_sql }}) as batch_keys
  union all
  select cast(null as {{ text }}), false, '{{ state.through }}', '{{ fingerprint }}',
      {% if state.rebuilt_at is none %}cast(null as {{ text }}){% else %}'{{ state.rebuilt_at }}'{% endif %}
  {%- for statement in statements %};
  {{ statement }}
  {%- endfor -%}
{%- endmacro %}

{#-
  Post-hook: record how far the model has processed the log, refresh the table's statistics when it
  was rebuilt in full (Postgres, macros/dialect/setup.sql), then drop the scratch table. Not after a
  partial batch: it wrote only the rows that changed, a sliver of a table whose statistics the full
  build gathered, and autovacuum refreshes them when the changes add up.
-#}
{% macro record_person_batch() -%}
  {%- if not is_person_batch_model() -%}
    {{ return('') }}
  {%- endif -%}
  {%- set state = run_query(
      'select max(processed_through), max(fingerprint), max(rebuilt_at),'
      ~ ' count(case when everyone then 1 end), count(batch_key) from ' ~ person_batch_relation()).rows[0] -%}
  {%- set through, fingerprint, rebuilt_at, rebuilt = state[0], state[1], state[2], state[3] > 0 %}
  delete from {{ audit_relation('processing_manifest') }} where model_name = '{{ this.identifier }}';
  insert into {{ audit_relation('processing_manifest') }}
      (model_name, processed_through, fingerprint, rebuilt_at, processed_at, keys_in_batch)
  select
      '{{ this.identifier }}',
      cast('{{ through }}' as {{ dbt.type_timestamp() }}),
      '{{ fingerprint }}',
      {% if rebuilt or rebuilt_at is none -%}
      {{ run_started_literal() }},
      {%- else -%}
      cast('{{ rebuilt_at }}' as {{ dbt.type_timestamp() }}),
      {%- endif %}
      {{ run_started_literal() }},
      {#- People (or an aggregate's groups) the batch took; null when it took everyone. -#}
      {% if rebuilt %}cast(null as bigint){% else %}{{ state[4] }}{% endif %};
  {% if rebuilt -%}
  {{ analyze_table(this) }};
  {% endif -%}
  drop table if exists {{ person_batch_relation() }}
{%- endmacro %}

{#-
  The incremental strategy of the batch models (`incremental_strategy: person_batch`). The model's
  select holds every row of the batch's people (or groups) computed again, and most of them are
  what the table already holds: a busy day's batch takes a sixth of the people, most of whose
  history is final. Rewriting them all made the writes (and DuckDB's checkpoint of them) most of a
  daily run. So only what differs is written: a row key (meta `row_key`, columns; by default the
  batch key) is replaced when its rows in the table and in the select differ as multisets (a
  distinct row counted on each side), and left as it is otherwise; the table ends as a delete and
  insert of the whole batch would leave it. A model with `group_by` logs the groups of the rows it
  deletes and inserts, for the aggregate over it. Rebuilding in full (the `everyone` batch), the
  pre-hook emptied the table and logged every group: both sides of the comparison are empty, so
  nothing is grouped, and every computed row is inserted.
-#}
{% macro get_incremental_person_batch_sql(arg_dict) -%}
  {%- set target = arg_dict['target_relation'] -%}
  {%- set computed = arg_dict['temp_relation'] -%}
  {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
  {%- set batch = person_batch_relation() -%}
  {%- set changed = api.Relation.create(identifier=target.identifier ~ '__changed').include(database=false, schema=false) -%}
  {%- set in_batch = batch_key_expression() ~ ' in (select batch_key from ' ~ batch ~ ')' -%}
  {%- set source = aggregated_source() -%}
  {%- set row_key = group_key(model.config.meta.get('row_key')
                              or (['person_id'] if source is none else source.group_by)) -%}
  {%- set is_changed = row_key ~ ' in (select changed_key from ' ~ changed ~ ')' -%}
  {%- set log_groups = model.config.meta.get('group_by') -%}
  {%- set stamp = '(select cast(max(processed_through) as ' ~ dbt.type_timestamp() ~ ') from ' ~ batch ~ ')' -%}
  {%- set everyone = 'exists (select 1 from ' ~ batch ~ ' where everyone)' -%}
  {%- set changed_groups = in_batch ~ ' and ' ~ is_changed -%}
  {#- One grouping of both sides: except all runs as a window over every column on DuckDB. -#}
  create temporary table {{ changed }} as
  select distinct {{ row_key }} as changed_key
  from (
      select {{ columns }}
      from (
          select {{ columns }}, 1 as goalline_side from {{ target }} where {{ in_batch }}
          union all
          select {{ columns }}, -1 as goalline_side from {{ computed }} where not {{ everyone }}
      ) as both_sides
      group by {{ columns }}
      having sum(goalline_side) <> 0
  ) as differing;
  {% if log_groups -%}
  {{ log_group_changes(stamp, changed_groups) }};
  {% endif -%}
  delete from {{ target }} where {{ in_batch }} and {{ is_changed }};
  insert into {{ target }} ({{ columns }})
  select {{ columns }} from {{ computed }} where {{ is_changed }} or {{ everyone }};
  {% if log_groups -%}
  {{ log_group_changes(stamp, changed_groups) }};
  {% endif -%}
  drop table {{ changed }}
{%- endmacro %}

{#-
  Where-clause of a per-person model's input: its rows of the batch's people. Compiled before the
  pre-hook decides the batch, so on an incremental run it reads the scratch table, which holds
  either the people or the single `everyone` row.
-#}
{% macro person_batch_filter(column) -%}
  {%- if is_person_batch_model() and is_incremental() -%}
    /* person batch */ ({{ person_key(column) }} in (select batch_key from {{ person_batch_relation() }})
    or exists (select 1 from {{ person_batch_relation() }} where everyone)) /* end person batch */
  {%- else -%}
    true
  {%- endif -%}
{%- endmacro %}

{#- Where-clause of an aggregate's per-person source: its rows of the batch's groups. -#}
{% macro group_batch_filter() -%}
  {%- if is_person_batch_model() and is_incremental() -%}
    /* person batch */ ({{ group_key(aggregated_source().group_by) }} in (select batch_key from {{ person_batch_relation() }})
    or exists (select 1 from {{ person_batch_relation() }} where everyone)) /* end person batch */
  {%- else -%}
    true
  {%- endif -%}
{%- endmacro %}

{#-
  Where-clause of an input without a person column (metrics): its rows whose key is among the keys
  of the batch's rows of another input, e.g. the delivery ids of the batch's deliveries.
-#}
{% macro person_batch_semi_join(column, keys_sql) -%}
  {%- if is_person_batch_model() and is_incremental() -%}
    /* person batch */ {{ column }} in ({{ keys_sql }}) /* end person batch */
  {%- else -%}
    true
  {%- endif -%}
{%- endmacro %}

{#-
  on-run-end: drop the log entries every per-person model has processed, but the newest batch
  (the people the last run logged, for a person to query).
-#}
{% macro prune_person_changes() -%}
  {%- if not execute or incremental_materialization() != 'incremental' -%}
    {{ return('') }}
  {%- endif -%}
  {%- set people = [] -%}
  {%- set groups = [] -%}
  {%- for node in graph.nodes.values() if is_batch_node(node) -%}
    {%- do people.append("'" ~ node.name ~ "'") -%}
    {%- if node.config.meta.get('aggregates') -%}
      {%- do groups.append("'" ~ node.name ~ "'") -%}
    {%- endif -%}
  {%- endfor -%}
  {%- for log_relation, names in [(audit_relation('person_changes'), people), (audit_relation('group_changes'), groups)] if names -%}
  delete from {{ log_relation }}
  where changed_at < (
      select min(processed_through) from {{ audit_relation('processing_manifest') }}
      where model_name in ({{ names | join(', ') }})
      having count(*) = {{ names | length }}
  ){% if not loop.last %};{% endif %}
  {% endfor -%}
{%- endmacro %}
