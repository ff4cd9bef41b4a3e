{#- Interval arithmetic differs per engine; windows are whole days. -#}

{% macro add_days(timestamp_expression, days_expression) %}
  {{ return(adapter.dispatch('add_days', 'goalline')(timestamp_expression, days_expression)) }}
{% endmacro %}

{% macro duckdb__add_days(timestamp_expression, days_expression) -%}
  ({{ timestamp_expression }} + to_days(cast({{ days_expression }} as integer)))
{%- endmacro %}

{% macro seconds_between(start_expression, end_expression) %}
  {{ return(adapter.dispatch('seconds_between', 'goalline')(start_expression, end_expression)) }}
{% endmacro %}

{% macro duckdb__seconds_between(start_expression, end_expression) -%}
  cast(epoch({{ end_expression }}) - epoch({{ start_expression }}) as bigint)
{%- endmacro %}
