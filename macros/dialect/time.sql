{#- Interval arithmetic differs per engine; windows are whole days. -#}

{% macro add_days(timestamp_expression, days_expression) %}
  {{ return(adapter.dispatch('add_days', 'goalline')(timestamp_expression, days_expression)) }}
{% endmacro %}

{% macro default__add_days(timestamp_expression, days_expression) -%}
  {{ dbt.dateadd('day', days_expression, timestamp_expression) }}
{%- endmacro %}

{% macro duckdb__add_days(timestamp_expression, days_expression) -%}
  ({{ timestamp_expression }} + to_days(cast({{ days_expression }} as integer)))
{%- endmacro %}

{#- dbt's spark__dateadd goes through unix seconds and drops the microseconds. -#}
{% macro spark__add_days(timestamp_expression, days_expression) -%}
  timestampadd(day, cast({{ days_expression }} as integer), {{ timestamp_expression }})
{%- endmacro %}

{#- Microseconds since the epoch (the contract's timestamps are UTC `timestamp`s). -#}
{% macro epoch_microseconds(expression) %}
  {{ return(adapter.dispatch('epoch_microseconds', 'goalline')(expression)) }}
{% endmacro %}

{% macro duckdb__epoch_microseconds(expression) -%}
  epoch_us({{ expression }})
{%- endmacro %}

{% macro postgres__epoch_microseconds(expression) -%}
  cast(round(extract(epoch from {{ expression }}) * 1000000) as bigint)
{%- endmacro %}

{% macro spark__epoch_microseconds(expression) -%}
  unix_micros({{ expression }})
{%- endmacro %}

{#- Whole seconds elapsed: the sub-second remainder is dropped, never rounded up (0.5 s is 0 s).
    Integer microseconds, so no floating-point error creeps in; floor division on every engine. -#}
{% macro seconds_between(start_expression, end_expression) -%}
  cast(floor(({{ epoch_microseconds(end_expression) }} - {{ epoch_microseconds(start_expression) }}) / 1000000.0) as bigint)
{%- endmacro %}

{#- A timestamp later than any real one: the open end of a validity range. -#}
{% macro end_of_time() -%}
  cast('9999-12-31 00:00:00' as timestamp)
{%- endmacro %}

{#- A timestamp earlier than any real one: the open start of a range. -#}
{% macro beginning_of_time() -%}
  cast('0001-01-01 00:00:00' as timestamp)
{%- endmacro %}
