{#-
  Rank of a valid row among the valid rows of its key: 1 is staged, the rest were superseded.
  Highest seq_num wins; ties between identical seq_nums are broken by a hash of the landed row
  and then the landing file, so the choice is deterministic (and the same in a full build and
  any sequence of incremental runs) without turning every row into text.
-#}
{% macro latest_by_key_rank(key_columns, order_by=none) -%}
  {%- set order_by = order_by or 'seq_num desc, landed_row_hash desc, landing_file desc' -%}
  case
    when quarantine_reason is null
      then row_number() over (
        partition by quarantine_reason is null, {{ key_columns | join(', ') }}
        order by {{ order_by }}
      )
  end
{%- endmacro %}

{#-
  Select list of a base model's `kept` step: every column but the `landed_row` struct, which
  becomes `raw_row` (JSON text, on quarantined rows only: the only place it is read) and
  `landed_row_hash` (the tie-break of latest_by_key_rank).
-#}
{% macro without_landed_row() -%}
  {{ star_except(['landed_row']) }},
        case when quarantine_reason is not null then {{ struct_as_json('landed_row') }} end as raw_row,
        {{ value_hash('landed_row') }} as landed_row_hash
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

{#-
  A ref for use inside a view, without the database (catalog) name: DuckDB stores a view's query
  as written, so a catalog name in it breaks the view when the file is opened or attached under
  another name (a copied or renamed warehouse file).
-#}
{% macro view_ref(model_name) -%}
  {{ return(ref(model_name).include(database=false)) }}
{%- endmacro %}
