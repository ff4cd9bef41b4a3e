{#-
  One column of a landing table in place as the text the landing models hand to staging.
  A warehouse sync writes typed columns (timestamps, numbers, booleans); staging parses text, so a
  typed value must become the text staging accepts, and a bad one still becomes a quarantine row.
  Postgres and Spark print timestamps as `YYYY-MM-DD HH:MM:SS[.ffffff][+hh]` and booleans as
  true/false, which staging parses; DuckDB needs its nanosecond timestamps cut to microseconds
  (landing_text, shared with the file reader).
-#}
{% macro landing_column_text(column_name, data_type) %}
  {{ return(adapter.dispatch('landing_column_text', 'goalline')(column_name, data_type)) }}
{% endmacro %}

{% macro default__landing_column_text(column_name, data_type) -%}
  cast({{ adapter.quote(column_name) }} as {{ dbt.type_string() }})
{%- endmacro %}

{% macro duckdb__landing_column_text(column_name, data_type) -%}
  {{ landing_text(column_name, data_type | upper) }}
{%- endmacro %}
