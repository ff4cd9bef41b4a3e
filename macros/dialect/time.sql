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

{#- Whole seconds elapsed: the sub-second remainder is dropped, never rounded up (0.5 s is 0 s).
    Integer microseconds, so no floating-point error creeps in. -#}
{% macro duckdb__seconds_between(start_expression, end_expression) -%}
  cast((epoch_us({{ end_expression }}) - epoch_us({{ start_expression }})) // 1000000 as bigint)
{%- endmacro %}
