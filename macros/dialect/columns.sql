{#- Every column of the relation but the named ones (DuckDB `exclude`; Spark and Postgres need a column list). -#}
{% macro star_except(columns) %}
  {{ return(adapter.dispatch('star_except', 'goalline')(columns)) }}
{% endmacro %}

{% macro duckdb__star_except(columns) -%}
  * exclude ({{ columns | join(', ') }})
{%- endmacro %}

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
