{#-
  Processing-time batches for the `daily` staging models.

  Interface (kept stable for orchestration, see docs/scale.md):
  - vars `processing_start` / `processing_end` (ISO UTC timestamps, half-open [start, end)):
    the run (re)builds exactly the keys that have a landed row whose processing time falls in
    the range; each key is re-staged from ALL its landed rows, so the seq_num winner is the same
    as in a full build (delete+insert on the model's unique_key).
  - no vars, existing table: the batch is every row processed at or after the newest processing
    time already staged minus `incremental_lookback_days` (late-arriving rows).
  - no vars, no table, or --full-refresh (whatever the vars): everything.
-#}

{% macro processing_batch_active() -%}
  {#- --full-refresh always rebuilds everything, whatever the vars say. -#}
  {{ return(not flags.FULL_REFRESH and (var('processing_start', none) is not none
            or var('processing_end', none) is not none or is_incremental())) }}
{%- endmacro %}

{#-
  Boolean SQL: the processing-time expression falls in the current batch. A row without a
  processing time (optional timestamps, or one that does not parse) belongs to every batch, so
  it is staged (or re-quarantined) by whichever run sees it first; re-staging it is idempotent.
-#}
{% macro processing_batch_condition(processing_column, staged_column=none) -%}
  {%- set start = var('processing_start', none) -%}
  {%- set end = var('processing_end', none) -%}
  ({{ processing_column }} is null or (
  {%- if start is not none or end is not none -%}
    {% if start is not none %}{{ processing_column }} >= cast('{{ start }}' as timestamp){% else %}true{% endif %}
    and {% if end is not none %}{{ processing_column }} < cast('{{ end }}' as timestamp){% else %}true{% endif %}
  {%- elif is_incremental() -%}
    {{ processing_column }} >= (
        select {{ add_days('coalesce(max(' ~ (staged_column or processing_column) ~ "), cast('-infinity' as timestamp))",
                           -(var('incremental_lookback_days') | int)) }}
        from {{ this }}
    )
  {%- else -%}
    true
  {%- endif -%}
  ))
{%- endmacro %}

{#-
  Where-clause for a staging model's base CTE: keep every landed row (valid, bad or superseded)
  of each key that has at least one row in the batch. Ranking among these rows gives the same
  winner as ranking all rows, because all rows of a kept key are kept.
-#}
{% macro processing_batch_keys(base_relation, key_columns, processing_column, staged_column=none) -%}
  {%- if not processing_batch_active() -%}
    true
  {%- else -%}
    ({{ key_columns | join(', ') }}) in (
        select {{ key_columns | join(', ') }}
        from {{ base_relation }}
        where {{ processing_batch_condition(processing_column, staged_column) }}
    )
  {%- endif -%}
{%- endmacro %}
