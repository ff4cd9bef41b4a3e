{#-
  Postgres inlines a CTE read once into the query that reads it, expression by expression, and
  does not evaluate a repeated expression once: a parsed column that the next step both selects
  and tests (`received_at` and `received_at is null` in a base model's quarantine check) runs its
  parse twice per row. `offset 0` keeps the CTE a subquery of its own, evaluated once per row and
  streamed (not written out, unlike `materialized`). DuckDB and Spark evaluate each projection
  once: nothing to add. The same fence keeps a join in a step of its own, planned from its inputs'
  counts rather than from a misestimate next to it (int_event_goal_occurrences_matched).
-#}
{% macro evaluate_once() %}
  {{ return(adapter.dispatch('evaluate_once', 'goalline')()) }}
{% endmacro %}

{% macro default__evaluate_once() -%}
{%- endmacro %}

{% macro postgres__evaluate_once() -%}
  offset 0
{%- endmacro %}

{#-
  A dbt `indexes` config for the tables Postgres probes by key (int_person_attributes_ranged, and
  the base models by their batch key: batch_key_indexes in macros/incremental.sql).
  DuckDB has no use for it (it scans columns in parallel and joins by hash), and dbt-duckdb's
  full refresh drops and recreates indexes around its rename to `__dbt_backup`, which a model
  reading the table in another thread at that moment fails on ("Table ... __dbt_backup does not
  exist"). Spark ignores the config.
-#}
{% macro lookup_indexes(columns) %}
  {{ return(adapter.dispatch('lookup_indexes', 'goalline')(columns)) }}
{% endmacro %}

{% macro default__lookup_indexes(columns) -%}
  {{ return([]) }}
{%- endmacro %}

{% macro postgres__lookup_indexes(columns) -%}
  {{ return([{'columns': columns}]) }}
{%- endmacro %}
