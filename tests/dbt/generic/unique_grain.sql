{#-
  The model's grain: no two rows share the values of `columns`. Nulls count as equal values (a
  group by), so two campaign-day rows with a null action_id are a duplicate too; dbt's `unique`
  takes one column, and dbt_utils' unique_combination_of_columns would be a package download.
-#}
{% test unique_grain(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as rows_at_grain
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
