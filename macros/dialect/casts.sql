{#-
  Text-to-type parsing that yields null instead of failing, so staging can quarantine the row.

  What is accepted is decided once, by the same regular expression on every engine (an engine's
  own cast accepts more or less: Postgres takes 'Jan 1 2025', Spark takes '2025' as a date), and
  only then does the engine convert. So a value is valid on DuckDB exactly when it is on Postgres
  and Spark.
-#}

{#- Numbers: integers of up to 18 digits (no overflow on any engine), decimals with an exponent. -#}
{% macro parse_number(expression, data_type) %}
  {%- set patterns = {
    'bigint': '[+-]?[0-9]{1,18}',
    'integer': '[+-]?[0-9]{1,9}',
    'double': '[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]{1,3})?',
  } -%}
  {%- if data_type not in patterns -%}
    {{ exceptions.raise_compiler_error("parse_number: no text pattern for type " ~ data_type) }}
  {%- endif -%}
  {%- set trimmed = 'trim(' ~ expression ~ ')' -%}
  case when {{ regex_full_match(trimmed, patterns[data_type]) }} then cast({{ trimmed }} as {{ type_double() if data_type == 'double' else data_type }}) end
{%- endmacro %}

{#- True when the whole text matches the pattern (POSIX/Java syntax common to all three engines). -#}
{% macro regex_full_match(expression, pattern) %}
  {{ return(adapter.dispatch('regex_full_match', 'goalline')(expression, pattern)) }}
{% endmacro %}

{% macro duckdb__regex_full_match(expression, pattern) -%}
  regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__regex_full_match(expression, pattern) -%}
  ({{ expression }} ~ '^(?:{{ pattern }})$')
{%- endmacro %}

{% macro spark__regex_full_match(expression, pattern) -%}
  ({{ expression }} rlike '^(?:{{ pattern }})$')
{%- endmacro %}

{#- A 64-bit float: Postgres spells it `double precision`, DuckDB's and Spark's `float` is 32-bit. -#}
{% macro type_double() %}
  {{ return(adapter.dispatch('type_double', 'goalline')()) }}
{% endmacro %}

{% macro default__type_double() -%}
  double
{%- endmacro %}

{% macro postgres__type_double() -%}
  double precision
{%- endmacro %}

{#-
  Landing timestamps: epoch seconds (9-10 digits) or ISO 8601 text (date, optional time with up
  to microseconds, optional Z or +hh[:mm] offset, normalised to UTC; naive text is UTC).
  The result is a `timestamp` holding UTC (Spark: its session time zone is UTC).
-#}
{% macro parse_timestamp(expression) -%}
  {%- set trimmed = 'trim(' ~ expression ~ ')' -%}
  case
    when {{ regex_full_match(trimmed, '[0-9]{9,10}') }}
      then {{ epoch_seconds_to_timestamp('cast(' ~ trimmed ~ ' as bigint)') }}
    when {{ regex_full_match(trimmed, '[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?)?') }}
      then {{ iso_text_to_timestamp(trimmed) }}
  end
{%- endmacro %}

{% macro epoch_seconds_to_timestamp(expression) %}
  {{ return(adapter.dispatch('epoch_seconds_to_timestamp', 'goalline')(expression)) }}
{% endmacro %}

{% macro duckdb__epoch_seconds_to_timestamp(expression) -%}
  make_timestamp({{ expression }} * 1000000)
{%- endmacro %}

{% macro postgres__epoch_seconds_to_timestamp(expression) -%}
  (to_timestamp({{ expression }}) at time zone 'UTC')
{%- endmacro %}

{% macro spark__epoch_seconds_to_timestamp(expression) -%}
  timestamp_seconds({{ expression }})
{%- endmacro %}

{#- ISO text already matched by parse_timestamp; an impossible date (Feb 30) still gives null. -#}
{% macro iso_text_to_timestamp(expression) %}
  {{ return(adapter.dispatch('iso_text_to_timestamp', 'goalline')(expression)) }}
{% endmacro %}

{% macro duckdb__iso_text_to_timestamp(expression) -%}
  {#- Same instant as `at time zone 'UTC'`, without the time-zone conversion (about 2x faster). -#}
  make_timestamp(epoch_us(try_cast({{ expression }} as timestamptz)))
{%- endmacro %}

{% macro postgres__iso_text_to_timestamp(expression) -%}
  {#- Postgres has no try_cast: a function from the on-run-start hook (macros/dialect/setup.sql). -#}
  {{ target.schema }}.goalline_try_utc_timestamp({{ expression }})
{%- endmacro %}

{% macro spark__iso_text_to_timestamp(expression) -%}
  {#- dbt-spark turns ANSI mode off: a failed cast is null. -#}
  cast({{ expression }} as timestamp)
{%- endmacro %}

{#- Booleans as the contract's exports write them; anything else is null (quarantined). -#}
{% macro parse_boolean(expression) -%}
  case
    when lower(trim({{ expression }})) in ('true', 't', '1', 'yes') then true
    when lower(trim({{ expression }})) in ('false', 'f', '0', 'no') then false
  end
{%- endmacro %}
