{#- Text-to-type casts that yield null instead of failing, so staging can quarantine the row. -#}

{% macro safe_cast(expression, data_type) %}
  {{ return(adapter.dispatch('safe_cast', 'goalline')(expression, data_type)) }}
{% endmacro %}

{% macro duckdb__safe_cast(expression, data_type) -%}
  try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}

{#- Landing timestamps are ISO text (optionally with an offset, normalised to UTC) or epoch seconds. -#}
{% macro parse_timestamp(expression) %}
  {{ return(adapter.dispatch('parse_timestamp', 'goalline')(expression)) }}
{% endmacro %}

{% macro duckdb__parse_timestamp(expression) -%}
  case
    when regexp_full_match(trim({{ expression }}), '[0-9]{9,10}')
      then make_timestamp(cast(trim({{ expression }}) as bigint) * 1000000)
    -- Same instant as `at time zone 'UTC'`, without the time-zone conversion (about 2x faster).
    else make_timestamp(epoch_us(try_cast({{ expression }} as timestamptz)))
  end
{%- endmacro %}

{% macro parse_boolean(expression) %}
  {{ return(adapter.dispatch('parse_boolean', 'goalline')(expression)) }}
{% endmacro %}

{% macro duckdb__parse_boolean(expression) -%}
  try_cast({{ expression }} as boolean)
{%- endmacro %}
