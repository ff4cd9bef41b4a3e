{#-
  Rank of a valid row among the valid rows of its key: 1 is staged, the rest were superseded.
  Highest seq_num wins; ties between identical seq_nums are broken by the row's own values
  (`tie_break`, compared as values, nulls last), so the choice is deterministic, the same in a
  full build and any sequence of incremental runs, and the same on every engine, at no cost for
  the many keys without a tie. Configuration rows (no seq_num) pass their own `order_by`.
  The incremental base models apply it only to the rows of keys landed more than once (a
  grouped count first): a window sorts every row it ranks, and most keys land once, their row
  ranked 1 without one.
-#}
{% macro latest_by_key_rank(key_columns, tie_break=[], order_by=none) -%}
  {%- if order_by is none -%}
    {%- set order_by = ['seq_num desc'] -%}
    {%- for column in tie_break -%}{%- do order_by.append(column ~ ' desc nulls last') -%}{%- endfor -%}
    {%- set order_by = order_by | join(', ') -%}
  {%- endif -%}
  case
    when quarantine_reason is null
      then row_number() over (
        partition by quarantine_reason is null, {{ key_columns | join(', ') }}
        order by {{ order_by }}
      )
  end
{%- endmacro %}

{#-
  The `ranked` step of an incremental base model: every checked row with its key_rank. A key
  landed once (`is_key_repeated` false) needs no window: its row is the winner when valid.
-#}
{% macro key_ranked(checked, key_columns, staged_columns) -%}
    select
        *,
        case when quarantine_reason is null then 1 end as key_rank
    from {{ checked }}
    where not is_key_repeated
    union all
    select
        *,
        {{ latest_by_key_rank(key_columns, tie_break=staged_columns) }} as key_rank
    from {{ checked }}
    where is_key_repeated
{%- endmacro %}

{#-
  Configuration rows carry no seq_num: identical rows collapse to one, while two different
  rows for one key are a conflict and are all quarantined (nobody can tell which is right).
-#}
{% macro config_conflict_reason(key_columns, fingerprint='row_fingerprint') -%}
  case
    -- min <> max rather than count(distinct): Spark has no distinct window aggregates.
    when min({{ fingerprint }}) over (partition by {{ key_columns | join(', ') }})
      <> max({{ fingerprint }}) over (partition by {{ key_columns | join(', ') }})
      then 'config_conflict'
  end
{%- endmacro %}

{#-
  A ref for use inside a view, without the database (catalog) name: DuckDB stores a view's query
  as written, so a catalog name in it breaks the view when the file is opened or attached under
  another name (a copied or renamed warehouse file).
-#}
{% macro view_ref(model_name) -%}
  {{ return(ref(model_name).include(database=false)) }}
{%- endmacro %}
