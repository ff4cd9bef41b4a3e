{#- A stable text key from several columns (dbt_utils' generate_surrogate_key, which would be a package download). -#}
{% macro surrogate_key(columns) -%}
  md5(concat_ws('|', {% for column in columns %}coalesce(cast({{ column }} as {{ dbt.type_string() }}), '<null>'){% if not loop.last %}, {% endif %}{% endfor %}))
{%- endmacro %}
