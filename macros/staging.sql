{#-
  Rank of a valid row among the valid rows of its key: 1 is staged, the rest were superseded.
  Highest seq_num wins; the raw row text only breaks ties between identical seq_nums so the
  choice is deterministic.
-#}
{% macro latest_by_key_rank(key_columns, order_by='seq_num desc, raw_row desc') -%}
  case
    when quarantine_reason is null
      then row_number() over (
        partition by quarantine_reason is null, {{ key_columns | join(', ') }}
        order by {{ order_by }}
      )
  end
{%- endmacro %}

{#-
  Configuration rows carry no seq_num: identical rows collapse to one, while two different
  rows for one key are a conflict and are all quarantined (nobody can tell which is right).
-#}
{% macro config_conflict_reason(key_columns, fingerprint='row_fingerprint') -%}
  case
    when count(distinct {{ fingerprint }}) over (partition by {{ key_columns | join(', ') }}) > 1
      then 'config_conflict'
  end
{%- endmacro %}
