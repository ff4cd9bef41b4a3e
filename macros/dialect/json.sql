{#-
  JSON access differs per engine: DuckDB's json extension, Postgres jsonb, Spark's variant type
  (parse_json / variant_get, Spark 4). Values are JSON text between models on every engine, so
  tables never hold an engine-specific JSON type.
-#}

{% macro is_json_object(expression) %}
  {{ return(adapter.dispatch('is_json_object', 'goalline')(expression)) }}
{% endmacro %}

{% macro duckdb__is_json_object(expression) -%}
  coalesce(json_valid({{ expression }}) and json_type(try_cast({{ expression }} as json)) = 'OBJECT', false)
{%- endmacro %}

{% macro postgres__is_json_object(expression) -%}
  coalesce(jsonb_typeof({{ target.schema }}.goalline_try_jsonb({{ expression }})) = 'object', false)
{%- endmacro %}

{% macro spark__is_json_object(expression) -%}
  coalesce(schema_of_variant(try_parse_json({{ expression }})) like 'OBJECT%', false)
{%- endmacro %}

{#- Text of the value at a top-level or dotted property path; null when absent or JSON null. -#}
{% macro json_text(json_expression, property_expression) %}
  {{ return(adapter.dispatch('json_text', 'goalline')(json_expression, property_expression)) }}
{% endmacro %}

{% macro duckdb__json_text(json_expression, property_expression) -%}
  json_extract_string({{ json_expression }}, '$.' || {{ property_expression }})
{%- endmacro %}

{% macro postgres__json_text(json_expression, property_expression) -%}
  (cast({{ json_expression }} as jsonb) #>> string_to_array({{ property_expression }}, '.'))
{%- endmacro %}

{% macro spark__json_text(json_expression, property_expression) -%}
  get_json_object({{ json_expression }}, concat('$.', {{ property_expression }}))
{%- endmacro %}

{#- True when the value at the path is a JSON number. -#}
{% macro json_is_number(json_expression, property_expression) %}
  {{ return(adapter.dispatch('json_is_number', 'goalline')(json_expression, property_expression)) }}
{% endmacro %}

{% macro duckdb__json_is_number(json_expression, property_expression) -%}
  coalesce(json_type({{ json_expression }}, '$.' || {{ property_expression }}) in ('BIGINT', 'UBIGINT', 'DOUBLE', 'HUGEINT'), false)
{%- endmacro %}

{% macro postgres__json_is_number(json_expression, property_expression) -%}
  coalesce(jsonb_typeof(cast({{ json_expression }} as jsonb) #> string_to_array({{ property_expression }}, '.')) = 'number', false)
{%- endmacro %}

{% macro spark__json_is_number(json_expression, property_expression) -%}
  {{ spark_variant_is_number('variant_get(try_parse_json(' ~ json_expression ~ "), concat('$.', " ~ property_expression ~ '))') }}
{%- endmacro %}

{#- Same as json_text / json_is_number for a value that is itself JSON text of a scalar (a filter's `value`). -#}
{% macro json_scalar_text(json_expression) %}
  {{ return(adapter.dispatch('json_scalar_text', 'goalline')(json_expression)) }}
{% endmacro %}

{% macro duckdb__json_scalar_text(json_expression) -%}
  json_extract_string({{ json_expression }}, '$')
{%- endmacro %}

{% macro postgres__json_scalar_text(json_expression) -%}
  (cast({{ json_expression }} as jsonb) #>> '{}')
{%- endmacro %}

{% macro spark__json_scalar_text(json_expression) -%}
  get_json_object(concat('{"v":', {{ json_expression }}, '}'), '$.v')
{%- endmacro %}

{% macro json_scalar_is_number(json_expression) %}
  {{ return(adapter.dispatch('json_scalar_is_number', 'goalline')(json_expression)) }}
{% endmacro %}

{% macro duckdb__json_scalar_is_number(json_expression) -%}
  coalesce(json_type({{ json_expression }}) in ('BIGINT', 'UBIGINT', 'DOUBLE', 'HUGEINT'), false)
{%- endmacro %}

{% macro postgres__json_scalar_is_number(json_expression) -%}
  coalesce(jsonb_typeof(cast({{ json_expression }} as jsonb)) = 'number', false)
{%- endmacro %}

{% macro spark__json_scalar_is_number(json_expression) -%}
  {{ spark_variant_is_number('try_parse_json(' ~ json_expression ~ ')') }}
{%- endmacro %}

{% macro spark_variant_is_number(variant_expression) -%}
  coalesce(regexp_like(schema_of_variant({{ variant_expression }}), '^(BIGINT|INT|SMALLINT|TINYINT|DOUBLE|FLOAT|DECIMAL).*'), false)
{%- endmacro %}

{#- The landed row as one JSON object text (nulls written), kept on quarantine rows so nothing is lost. -#}
{% macro row_as_json(columns, relation='landed') %}
  {{ return(struct_as_json(row_struct(columns, relation))) }}
{% endmacro %}

{#-
  The landed row as one value that is cheap to carry and becomes JSON text only where read: a
  struct on DuckDB and Spark, a json value on Postgres (an anonymous record loses its field names).
-#}
{% macro row_struct(columns, relation='landed') %}
  {{ return(adapter.dispatch('row_struct', 'goalline')(columns, relation)) }}
{% endmacro %}

{% macro duckdb__row_struct(columns, relation) -%}
  struct_pack(
    {%- for column in columns %}{{ adapter.quote(column) }} := {{ relation }}.{{ adapter.quote(column) }}{% if not loop.last %}, {% endif %}{% endfor -%}
  )
{%- endmacro %}

{#- row_to_json of a named row: compact and in column order, the same text DuckDB and Spark write. -#}
{% macro postgres__row_struct(columns, relation) -%}
  (select row_to_json(landed_row) from (select
    {%- for column in columns %} {{ relation }}.{{ adapter.quote(column) }} as {{ adapter.quote(column) }}{% if not loop.last %},{% endif %}{% endfor -%}
  ) as landed_row)
{%- endmacro %}

{% macro spark__row_struct(columns, relation) -%}
  named_struct(
    {%- for column in columns %}'{{ column }}', {{ relation }}.{{ adapter.quote(column) }}{% if not loop.last %}, {% endif %}{% endfor -%}
  )
{%- endmacro %}

{% macro struct_as_json(struct_expression) %}
  {{ return(adapter.dispatch('struct_as_json', 'goalline')(struct_expression)) }}
{% endmacro %}

{% macro duckdb__struct_as_json(struct_expression) -%}
  cast(to_json({{ struct_expression }}) as varchar)
{%- endmacro %}

{% macro postgres__struct_as_json(struct_expression) -%}
  cast({{ struct_expression }} as text)
{%- endmacro %}

{#- Spark leaves null fields out unless told otherwise; the contract keeps the whole raw row. -#}
{% macro spark__struct_as_json(struct_expression) -%}
  to_json({{ struct_expression }}, map('ignoreNullFields', 'false'))
{%- endmacro %}

{#- One row per element of a JSON array property, as JSON text (a select-list set-returning function). -#}
{% macro json_array_elements(json_expression, property) %}
  {{ return(adapter.dispatch('json_array_elements', 'goalline')(json_expression, property)) }}
{% endmacro %}

{% macro duckdb__json_array_elements(json_expression, property) -%}
  unnest(cast(json_extract({{ json_expression }}, '$.{{ property }}') as json[]))
{%- endmacro %}

{% macro postgres__json_array_elements(json_expression, property) -%}
  cast(jsonb_array_elements(cast({{ json_expression }} as jsonb) -> '{{ property }}') as text)
{%- endmacro %}

{% macro spark__json_array_elements(json_expression, property) -%}
  explode(from_json(get_json_object({{ json_expression }}, '$.{{ property }}'), 'array<string>'))
{%- endmacro %}

{#- The JSON text (not the value's text) at a property, so its type survives. -#}
{% macro json_value(json_expression, property) %}
  {{ return(adapter.dispatch('json_value', 'goalline')(json_expression, property)) }}
{% endmacro %}

{% macro duckdb__json_value(json_expression, property) -%}
  json_extract({{ json_expression }}, '$.{{ property }}')
{%- endmacro %}

{% macro postgres__json_value(json_expression, property) -%}
  cast(cast({{ json_expression }} as jsonb) -> '{{ property }}' as text)
{%- endmacro %}

{#-
  Spark: a string keeps its quotes (to_json of the variant); any other value is get_json_object's
  text, which writes numbers as DuckDB and the reference do (10.0 stays `10.0`), where the
  variant's decimal would print `10` and change a text comparison.
-#}
{% macro spark__json_value(json_expression, property) -%}
  case
    when schema_of_variant(variant_get(try_parse_json({{ json_expression }}), '$.{{ property }}')) = 'STRING'
      then to_json(variant_get(try_parse_json({{ json_expression }}), '$.{{ property }}'))
    else get_json_object({{ json_expression }}, '$.{{ property }}')
  end
{%- endmacro %}
