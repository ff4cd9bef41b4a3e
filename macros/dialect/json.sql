{#- JSON access differs per engine (DuckDB json extension, Postgres jsonb, Spark get_json_object). -#}

{% macro is_json_object(expression) %}
  {{ return(adapter.dispatch('is_json_object', 'goalline')(expression)) }}
{% endmacro %}

{% macro duckdb__is_json_object(expression) -%}
  coalesce(json_valid({{ expression }}) and json_type(try_cast({{ expression }} as json)) = 'OBJECT', false)
{%- endmacro %}

{#- Text of the value at a top-level or dotted property path; null when absent or JSON null. -#}
{% macro json_text(json_expression, property_expression) %}
  {{ return(adapter.dispatch('json_text', 'goalline')(json_expression, property_expression)) }}
{% endmacro %}

{% macro duckdb__json_text(json_expression, property_expression) -%}
  json_extract_string({{ json_expression }}, '$.' || {{ property_expression }})
{%- endmacro %}

{#- True when the value at the path is a JSON number. -#}
{% macro json_is_number(json_expression, property_expression) %}
  {{ return(adapter.dispatch('json_is_number', 'goalline')(json_expression, property_expression)) }}
{% endmacro %}

{% macro duckdb__json_is_number(json_expression, property_expression) -%}
  coalesce(json_type({{ json_expression }}, '$.' || {{ property_expression }}) in ('BIGINT', 'UBIGINT', 'DOUBLE', 'HUGEINT'), false)
{%- endmacro %}

{#- Same as json_text / json_is_number for a value that is itself a JSON scalar (a filter's `value`). -#}
{% macro json_scalar_text(json_expression) %}
  {{ return(adapter.dispatch('json_scalar_text', 'goalline')(json_expression)) }}
{% endmacro %}

{% macro duckdb__json_scalar_text(json_expression) -%}
  json_extract_string({{ json_expression }}, '$')
{%- endmacro %}

{% macro json_scalar_is_number(json_expression) %}
  {{ return(adapter.dispatch('json_scalar_is_number', 'goalline')(json_expression)) }}
{% endmacro %}

{% macro duckdb__json_scalar_is_number(json_expression) -%}
  coalesce(json_type({{ json_expression }}) in ('BIGINT', 'UBIGINT', 'DOUBLE', 'HUGEINT'), false)
{%- endmacro %}

{#- The landed row as one JSON text, kept on quarantine rows so nothing is lost. -#}
{% macro row_as_json(columns, relation='landed') %}
  {{ return(struct_as_json(row_struct(columns, relation))) }}
{% endmacro %}

{#- The landed row as one structured value: cheap to carry, hash or turn into JSON later. -#}
{% macro row_struct(columns, relation='landed') %}
  {{ return(adapter.dispatch('row_struct', 'goalline')(columns, relation)) }}
{% endmacro %}

{% macro duckdb__row_struct(columns, relation) -%}
  struct_pack(
    {%- for column in columns %}{{ adapter.quote(column) }} := {{ relation }}.{{ adapter.quote(column) }}{% if not loop.last %}, {% endif %}{% endfor -%}
  )
{%- endmacro %}

{% macro struct_as_json(struct_expression) %}
  {{ return(adapter.dispatch('struct_as_json', 'goalline')(struct_expression)) }}
{% endmacro %}

{% macro duckdb__struct_as_json(struct_expression) -%}
  cast(to_json({{ struct_expression }}) as varchar)
{%- endmacro %}

{#- A 64-bit hash of a value of any type: a cheap, deterministic tie-break on row content. -#}
{% macro value_hash(expression) %}
  {{ return(adapter.dispatch('value_hash', 'goalline')(expression)) }}
{% endmacro %}

{% macro duckdb__value_hash(expression) -%}
  hash({{ expression }})
{%- endmacro %}

{#- One row per element of a JSON array property (used in a select list, like a set-returning function). -#}
{% macro json_array_elements(json_expression, property) %}
  {{ return(adapter.dispatch('json_array_elements', 'goalline')(json_expression, property)) }}
{% endmacro %}

{% macro duckdb__json_array_elements(json_expression, property) -%}
  unnest(cast(json_extract({{ json_expression }}, '$.{{ property }}') as json[]))
{%- endmacro %}

{#- The raw JSON (not text) at a property, so its type survives. -#}
{% macro json_value(json_expression, property) %}
  {{ return(adapter.dispatch('json_value', 'goalline')(json_expression, property)) }}
{% endmacro %}

{% macro duckdb__json_value(json_expression, property) -%}
  json_extract({{ json_expression }}, '$.{{ property }}')
{%- endmacro %}
