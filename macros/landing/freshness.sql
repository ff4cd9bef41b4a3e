{#-
  `dbt source freshness` on the landing tables. dbt's own query takes max(loaded_at_field) as a
  timestamp, but landing columns are often text (a loader leaves every column as text) and on
  DuckDB the landing is usually a folder of files, not a table. So for the landing schema the
  processing time is parsed as staging parses it (parse_timestamp: ISO text, epoch seconds, or a
  typed timestamp printed as text), and DuckDB file landing reads the table's files. Any other
  source of the project keeps dbt's query.

  Named collect_freshness because dbt calls that name; an installed package's macro of that name
  replaces dbt's own, so it hands every other source straight back to dbt's dispatch.
-#}
{% macro collect_freshness(source, loaded_at_field, filter) %}
  {%- set landing_schema = var('goalline_source_schema', var('source_schema', env_var('CONVERSIONS_SOURCE_SCHEMA', 'landing'))) -%}
  {%- if source.schema != landing_schema -%}
    {{ return(adapter.dispatch('collect_freshness', 'dbt')(source, loaded_at_field, filter)) }}
  {%- endif -%}
  {%- set processing_time = parse_timestamp('cast(' ~ loaded_at_field ~ ' as ' ~ dbt.type_string() ~ ')') -%}
  {%- if target.type == 'duckdb' and landing_source() == 'files' -%}
    {%- set readers = [] -%}
    {%- for extension in ['parquet', 'csv'] -%}
      {%- set files = landing_files(source.identifier, extension) -%}
      {%- if files -%}
        {%- do readers.append("select max(" ~ processing_time ~ ") as newest from "
                              ~ landing_reader("['" ~ files | join("', '") ~ "']", extension)) -%}
      {%- endif -%}
    {%- endfor -%}
    {%- set newest = "select max(newest) from (" ~ (readers | join(' union all ') if readers else 'select cast(null as timestamp) as newest') ~ ") as per_format" -%}
  {%- else -%}
    {%- set newest = "select max(" ~ processing_time ~ ") from " ~ source ~ (" where " ~ filter if filter else "") -%}
  {%- endif -%}
  {% call statement('collect_freshness', fetch_result=True, auto_begin=False) -%}
    select ({{ newest }}) as max_loaded_at, {{ current_timestamp() }} as snapshotted_at
  {%- endcall %}
  {{ return(load_result('collect_freshness')) }}
{% endmacro %}
