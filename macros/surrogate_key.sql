{#- A stable text key from several columns (no dbt package: the project installs from PyPI only). -#}
{% macro surrogate_key(columns) -%}
  md5(concat_ws('|', {% for column in columns %}coalesce(cast({{ column }} as varchar), '<null>'){% if not loop.last %}, {% endif %}{% endfor %}))
{%- endmacro %}
