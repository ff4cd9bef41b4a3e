{#-
  Reads every landing file of one table (`<table>*.parquet`, `<table>*.csv`) as text.

  Columns come from the calling model's YAML: every described column is selected
  as varchar (typing happens in staging, where a bad value becomes a quarantine
  row instead of a failed load). Columns marked `meta: {required: true}` must be
  present in every file; a missing one stops the build with an error naming the
  file and the column. Unknown extra columns are ignored.
-#}
{% macro read_landing(table_name) %}
  {{ return(adapter.dispatch('read_landing', 'goalline')(table_name)) }}
{% endmacro %}

{#-
  Where DuckDB's landing comes from: `files` (the landing folder, var landing_dir) or `tables`
  (tables already in the DuckDB file, as a loader leaves them; the `landing` source). Var
  `goalline_landing_source`, else env CONVERSIONS_LANDING_SOURCE, else `tables` when this project
  is installed as a package or var goalline_source_schema names the tables' schema (the user
  points at tables in place, and has no landing folder), else `files`. Other engines always read
  tables.
-#}
{% macro landing_source() %}
  {%- set in_place = project_name != own_package_name() or var('goalline_source_schema', none) is not none -%}
  {%- set fallback = env_var('CONVERSIONS_LANDING_SOURCE', 'tables' if in_place else 'files') -%}
  {%- set choice = var('goalline_landing_source', fallback) | trim | lower -%}
  {%- if choice not in ['files', 'tables'] -%}
    {{ exceptions.raise_compiler_error("goalline_landing_source must be 'files' or 'tables', not '" ~ choice ~ "'") }}
  {%- endif -%}
  {{ return(choice) }}
{% endmacro %}

{% macro landing_files(table_name, extension) %}
  {%- set pattern = var('landing_dir').rstrip('/') ~ '/' ~ table_name ~ '*.' ~ extension -%}
  {%- if not execute -%}{{ return([]) }}{%- endif -%}
  {%- set result = run_query("select file from glob('" ~ pattern ~ "') order by file") -%}
  {{ return(result.columns[0].values() | list) }}
{% endmacro %}

{#- CSV is RFC 4180 (comma, double quotes doubled): fixed, so no sniffing can misread a file. -#}
{% macro landing_reader(file_list, extension) %}
  {%- if extension == 'parquet' -%}
    {{ return("read_parquet(" ~ file_list ~ ", union_by_name = true, filename = true)") }}
  {%- else -%}
    {{ return("read_csv(" ~ file_list ~ ", header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', union_by_name = true, filename = true)") }}
  {%- endif -%}
{% endmacro %}

{#-
  File -> (column name, lower case -> DuckDB type) of parquet files, from their footers in one query:
  a query per file cost about 10 ms, so a table's view took longer with every file ever landed.
  parquet_schema lists a nested column's parts as rows of their own; a file with one (more than the
  root has children) is described on its own instead.
-#}
{% macro parquet_file_schemas(files) %}
  {%- set schemas = {} -%}
  {%- if not files -%}{{ return(schemas) }}{%- endif -%}
  {%- set result = run_query(
      "select file_name, lower(name), duckdb_type, num_children is not null from parquet_schema(["
      ~ sql_text_list(files) ~ "])") -%}
  {%- set parents = {} -%}
  {%- for file_name, column, data_type, is_parent in result.rows -%}
    {%- if file_name not in schemas -%}
      {%- do schemas.update({file_name: {}}) -%}
      {%- do parents.update({file_name: 0}) -%}
    {%- endif -%}
    {%- if is_parent -%}
      {%- do parents.update({file_name: parents[file_name] + 1}) -%}
    {%- elif column != 'filename' -%}
      {%- do schemas[file_name].update({column: data_type}) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- for file_name in files if file_name not in schemas or parents[file_name] > 1 -%}
    {%- do schemas.update({file_name: landing_file_schema(file_name, 'parquet')}) -%}
  {%- endfor -%}
  {{ return(schemas) }}
{% endmacro %}

{#- Column name (lower case) -> DuckDB type of one landing file. -#}
{% macro landing_file_schema(file_path, extension) %}
  {%- set result = run_query("describe select * from " ~ landing_reader("'" ~ file_path ~ "'", extension) ~ " limit 0") -%}
  {%- set schema = {} -%}
  {%- for row in result.rows if row[0] != 'filename' -%}
    {%- do schema.update({row[0] | lower: row[1]}) -%}
  {%- endfor -%}
  {{ return(schema) }}
{% endmacro %}

{#-
  A landed value as text. Typed parquet timestamps become ISO text with at most microseconds (the
  precision staging parses; nanoseconds are cut), UTC (the profile's TimeZone), so a timestamp
  typed in one file and written as text in another parse to the same instant.
-#}
{% macro landing_text(column_name, data_type) %}
  {%- set quoted = adapter.quote(column_name) -%}
  {%- if data_type.startswith('TIMESTAMP') and 'TIME ZONE' not in data_type -%}
    {{ return("cast(cast(" ~ quoted ~ " as timestamp) as varchar)") }}
  {%- endif -%}
  {{ return("cast(" ~ quoted ~ " as varchar)") }}
{% endmacro %}

{#-
  Files of one table may disagree on a column's type (a timestamp typed in one parquet file and
  text in another, seq_num integer or text): one reader over all of them would cast every file to
  one common type first, which fails (timestamp and integer) or changes the text (true -> 1,
  3 -> 3.0). So files are read in groups of identical schema, each cast to text on its own.
-#}
{% macro duckdb__read_landing(table_name) %}
  {%- if landing_source() == 'tables' -%}
    {{ return(default__read_landing(table_name)) }}
  {%- endif -%}
  {%- set wanted = model.columns.values() | rejectattr('meta.added_by_reader') | list -%}
  {%- set required = wanted | selectattr('meta.required') | map(attribute='name') | list -%}
  {%- set branches = [] -%}
  {%- for extension in ['parquet', 'csv'] -%}
    {%- set groups = {} -%}
    {%- set files = landing_files(table_name, extension) -%}
    {%- set parquet_schemas = parquet_file_schemas(files) if extension == 'parquet' else {} -%}
    {%- for file_path in files -%}
      {%- set schema = parquet_schemas[file_path] if extension == 'parquet' else landing_file_schema(file_path, extension) -%}
      {%- for column in required if column not in schema -%}
        {{ exceptions.raise_compiler_error("landing file " ~ file_path ~ " is missing required column '" ~ column ~ "'") }}
      {%- endfor -%}
      {#- CSV is all text: one group; parquet: one group per distinct schema. -#}
      {%- set key = 'csv' if extension == 'csv' else schema | tojson -%}
      {%- if key not in groups -%}
        {%- do groups.update({key: {'schema': {}, 'files': []}}) -%}
      {%- endif -%}
      {%- do groups[key]['schema'].update(schema) -%}
      {%- do groups[key]['files'].append(file_path) -%}
    {%- endfor -%}
    {%- for group in groups.values() -%}
      {%- set file_list = "['" ~ group['files'] | join("', '") ~ "']" -%}
      {%- set select_list = [] -%}
      {%- for column in wanted -%}
        {%- if column.name in group['schema'] -%}
          {%- do select_list.append(landing_text(column.name, group['schema'][column.name]) ~ " as " ~ column.name) -%}
        {%- else -%}
          {%- do select_list.append("cast(null as varchar) as " ~ column.name) -%}
        {%- endif -%}
      {%- endfor -%}
      {%- do branches.append("select " ~ select_list | join(", ") ~ ", filename as landing_file from " ~ landing_reader(file_list, extension)) -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- if branches | length == 0 -%}
    {#- A table with no files lands as empty: a workspace without, say, segments is valid. -#}
    select {% for column in wanted %}cast(null as varchar) as {{ column.name }}, {% endfor %}cast(null as varchar) as landing_file
    where false
  {%- else -%}
    {{ branches | join("\nunion all\n") }}
  {%- endif -%}
{% endmacro %}

{#-
  Postgres, Spark and any warehouse a sync delivers into: the landing table is a source table
  `<schema>.<identifier>` (vars goalline_source_schema, goalline_<table>_identifier: _landing__sources.yml),
  one per contract table, as `goalline load` or the platform's data warehouse sync writes it.
  Every wanted column is read as text (typed columns through landing_column_text), so staging
  types and quarantines exactly as with files.
  An optional `landing_file` column (written by `goalline load`) names the file a row came from;
  otherwise the table name stands in. A missing table lands as empty.
-#}
{% macro default__read_landing(table_name) %}
  {%- set wanted = model.columns.values() | rejectattr('meta.added_by_reader') | list -%}
  {%- set required = wanted | selectattr('meta.required') | map(attribute='name') | list -%}
  {%- set source_relation = source('landing', table_name) -%}
  {%- set relation = adapter.get_relation(source_relation.database, source_relation.schema,
                                          source_relation.identifier) if execute else none -%}
  {%- if relation is none -%}
    select {% for column in wanted %}cast(null as {{ dbt.type_string() }}) as {{ column.name }}, {% endfor %}cast(null as {{ dbt.type_string() }}) as landing_file
    from (select 1 as one) as no_table
    where 1 = 0
  {%- else -%}
    {%- set types = {} -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
      {%- do types.update({column.name | lower: column.data_type}) -%}
    {%- endfor -%}
    {%- set present = types.keys() | list -%}
    {%- for column in required if column not in present -%}
      {{ exceptions.raise_compiler_error("landing table " ~ relation ~ " is missing required column '" ~ column ~ "'") }}
    {%- endfor -%}
    select
    {%- for column in wanted %}
        {% if column.name in present -%}
        {{ landing_column_text(column.name, types[column.name]) }}
        {%- else -%}
        cast(null as {{ dbt.type_string() }})
        {%- endif %} as {{ column.name }},
    {%- endfor %}
        {% if 'landing_file' in present -%}
        cast(landing_file as {{ dbt.type_string() }})
        {%- else -%}
        '{{ relation.identifier }}'
        {%- endif %} as landing_file
    from {{ relation }}
  {%- endif -%}
{% endmacro %}
