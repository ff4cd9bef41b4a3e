{#-
  Postgres inlines a CTE read once into the query that reads it, expression by expression, and
  does not evaluate a repeated expression once: a parsed column that the next step both selects
  and tests (`received_at` and `received_at is null` in a base model's quarantine check) runs its
  parse twice per row. `offset 0` keeps the CTE a subquery of its own, evaluated once per row and
  streamed (not written out, unlike `materialized`). DuckDB and Spark evaluate each projection
  once: nothing to add.
-#}
{% macro evaluate_once() %}
  {{ return(adapter.dispatch('evaluate_once', 'goalline')()) }}
{% endmacro %}

{% macro default__evaluate_once() -%}
{%- endmacro %}

{% macro postgres__evaluate_once() -%}
  offset 0
{%- endmacro %}
