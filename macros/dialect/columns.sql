{#- Every column of the relation but the named ones (DuckDB `exclude`; Spark and Postgres need a column list). -#}
{% macro star_except(columns) %}
  {{ return(adapter.dispatch('star_except', 'goalline')(columns)) }}
{% endmacro %}

{% macro duckdb__star_except(columns) -%}
  * exclude ({{ columns | join(', ') }})
{%- endmacro %}
