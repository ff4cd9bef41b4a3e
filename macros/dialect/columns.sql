{#-
  Keyword that makes a CTE an optimisation fence (computed once, joins not reordered across it).
  DuckDB's join order guesses wrong when a range condition sits next to a small table (see
  fct_conversion_windows); Postgres knows the same keyword; elsewhere it is left out.
-#}
{% macro materialized_cte() %}
  {{ return(adapter.dispatch('materialized_cte', 'goalline')()) }}
{% endmacro %}

{% macro default__materialized_cte() -%}
{%- endmacro %}

{% macro duckdb__materialized_cte() -%}
  materialized
{%- endmacro %}

{% macro postgres__materialized_cte() -%}
  materialized
{%- endmacro %}
