{#-
  Batches of the incremental base models on Spark (docs/decisions.md, "Spark's base models append
  new keys"). Parquet tables without Delta have no delete, so a key's rows cannot be replaced in
  place. Most landed files bring only keys the table has never seen, and then appending their
  rows gives the table a full build would: every row of a key is in one batch, so its ranking
  and supersession are the same. Anything else rebuilds the table from every landed row, as every
  Spark build did before. The batch appends when all of these hold, else it rebuilds:
  - the table exists and carries `goalline_loaded_through` (the newest load it took: a property,
    so no scratch table or manifest row is written per model), and no processing window is given;
  - the landing table's files are recorded by `goalline load` (`goalline_loaded_files`);
  - no file the table took is gone from the landing table or was loaded again since (changed);
  - no key of a new file's rows is in the table yet (a re-sent or updated row);
  - metrics: no metric's delivery was staged or removed since it was judged (it is judged again).
  The batch's rows are a temporary view (`<model>__batch_rows`): no metastore write.
-#}

{% macro spark_batch_rows_view() -%}
  {{ return(this.identifier ~ '__batch_rows') }}
{%- endmacro %}

{% macro spark_loaded_through_view() -%}
  {{ return(this.identifier ~ '__loaded_through') }}
{%- endmacro %}

{% macro spark_loaded_through_property() -%}
  {{ return('goalline_loaded_through') }}
{%- endmacro %}

{#- The table's property, or none (a table built by a release before, or by a rebuild that failed). -#}
{% macro spark_loaded_through() -%}
  {%- for row in run_query('show tblproperties ' ~ this).rows -%}
    {%- if row[0] == spark_loaded_through_property() -%}
      {{ return(row[1]) }}
    {%- endif -%}
  {%- endfor -%}
  {{ return(none) }}
{%- endmacro %}

{#-
  {'append': the files whose rows the batch appends, or none to rebuild; 'loaded_through': the
  newest load of the files now landed, or none}. Read once, in the pre-hook.
-#}
{% macro spark_batch_plan(table_name) -%}
  {%- set rebuild = {'append': none, 'loaded_through': none} -%}
  {%- set landing = source('landing', table_name) -%}
  {%- set loaded = adapter.get_relation(landing.database, landing.schema, 'goalline_loaded_files') -%}
  {%- if loaded is none -%}
    {{ return(rebuild) }}
  {%- endif -%}
  {%- set files_sql -%}
    with landed as (
        select distinct landing_file from {{ ref('lnd_' ~ table_name) }}
    ),
    recorded as (
        select landing_file, max(loaded_at) as loaded_at from {{ loaded }}
        where table_name = '{{ table_name }}'
        group by landing_file
    ),
    taken as (
        {%- if is_incremental() %}
        select distinct landing_file from {{ this }}
        {%- else %}
        select landing_file from landed where false
        {%- endif %}
    ),
    files as (
        select
            landed.landing_file,
            recorded.loaded_at,
            taken.landing_file as taken_file
        from landed
        left join recorded on landed.landing_file = recorded.landing_file
        full outer join taken on landed.landing_file = taken.landing_file
    )
    select
        landing_file,
        taken_file,
        cast(loaded_at as {{ dbt.type_string() }}),
        cast(max(loaded_at) over () as {{ dbt.type_string() }})
    from files
  {%- endset -%}
  {%- set files = run_query(files_sql).rows -%}
  {%- set loaded_through = (files | map(attribute=3) | reject('none') | list or [none])[0] -%}
  {%- do rebuild.update({'loaded_through': loaded_through}) -%}
  {%- if not is_incremental() or processing_window_given() -%}
    {{ return(rebuild) }}
  {%- endif -%}
  {%- set taken_through = spark_loaded_through() -%}
  {%- if taken_through is none -%}
    {{ return(rebuild) }}
  {%- endif -%}
  {%- set new_files = [] -%}
  {%- for landing_file, taken_file, loaded_at, _ in files -%}
    {%- if landing_file is none or loaded_at is none -%}
      {#- Gone from the landing table, or landed without the load's record: rebuild. -#}
      {{ return(rebuild) }}
    {%- elif taken_file is none -%}
      {%- do new_files.append(landing_file) -%}
    {%- elif loaded_at > taken_through -%}
      {{ return(rebuild) }}
    {%- endif -%}
  {%- endfor -%}
  {%- if new_files or table_name == 'metrics' -%}
    {%- set spec = landing_batch_spec(table_name) -%}
    {%- set conflicts_sql -%}
      select 1 from {{ this }}
      where {{ group_key(spec.key_columns) }} in (
          select {{ group_key(spec.landing_keys) }} from {{ ref('lnd_' ~ table_name) }}
          where landing_file in ({{ sql_text_list(new_files) }})
      )
      {%- if table_name == 'metrics' %}
      {#- Whatever files landed: a delivery staged or removed by its own table's batch. #}
      union all
      select 1 from {{ this }} as metrics
      left join (select distinct delivery_id from {{ ref('stg_cio__deliveries') }}) as deliveries
          on metrics.delivery_id = deliveries.delivery_id
      where metrics.has_delivery <> (deliveries.delivery_id is not null)
      {%- endif %}
      limit 1
    {%- endset -%}
    {%- if run_query(conflicts_sql).rows | length > 0 -%}
      {{ return(rebuild) }}
    {%- endif -%}
  {%- endif -%}
  {{ return({'append': new_files, 'loaded_through': loaded_through}) }}
{%- endmacro %}

{#-
  Pre-hook on Spark: the batch's rows as a temporary view, after emptying the table for a rebuild.
  Spark takes one statement per call, so the hooks run theirs and render empty (no statement).
-#}
{% macro spark_create_landing_batch(table_name) -%}
  {%- if execute -%}
    {%- set plan = spark_batch_plan(table_name) -%}
    {%- if plan.append is none and is_incremental() -%}
      {%- do run_query('truncate table ' ~ this) -%}
    {%- endif -%}
    {%- do run_query('create or replace temporary view ' ~ spark_loaded_through_view() ~ ' as select cast('
                     ~ ("'" ~ plan.loaded_through ~ "'" if plan.loaded_through is not none else 'null')
                     ~ ' as ' ~ dbt.type_string() ~ ') as loaded_through') -%}
    {%- do run_query('create or replace temporary view ' ~ spark_batch_rows_view() ~ ' as select * from '
                     ~ ref('lnd_' ~ table_name)
                     ~ (' where landing_file in (' ~ sql_text_list(plan.append) ~ ')' if plan.append is not none else '')) -%}
  {%- endif -%}
{%- endmacro %}

{#- Post-hook on Spark: what the table took, for the next build's plan. -#}
{% macro spark_drop_landing_batch() -%}
  {%- if execute -%}
    {%- set loaded_through = run_query('select loaded_through from ' ~ spark_loaded_through_view()).columns[0].values()[0] -%}
    {%- if loaded_through is none -%}
      {%- do run_query('alter table ' ~ this ~ " unset tblproperties if exists ('" ~ spark_loaded_through_property() ~ "')") -%}
    {%- else -%}
      {%- do run_query('alter table ' ~ this ~ " set tblproperties ('" ~ spark_loaded_through_property()
                       ~ "' = '" ~ loaded_through ~ "')") -%}
    {%- endif -%}
    {%- do run_query('drop view if exists ' ~ spark_loaded_through_view()) -%}
    {%- do run_query('drop view if exists ' ~ spark_batch_rows_view()) -%}
  {%- endif -%}
{%- endmacro %}
