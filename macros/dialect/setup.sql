{#-
  on-run-start: what an engine lacks and the models need. Postgres has no try_cast, so the two
  parses that may meet a malformed value (a timestamp that matched the ISO pattern but names an
  impossible date, a JSON text) get a function that returns null where a cast would fail.
  The exception block is a subtransaction, which a parallel worker cannot start: the functions
  are `parallel unsafe`, so a query that calls them runs in one process.
-#}
{% macro create_engine_functions() %}
  {{ return(adapter.dispatch('create_engine_functions', 'goalline')()) }}
{% endmacro %}

{#- Nothing to create: an empty hook is one dbt does not send (a statement each on Spark). -#}
{% macro default__create_engine_functions() -%}
{%- endmacro %}

{% macro postgres__create_engine_functions() -%}
  create schema if not exists {{ target.schema }};
  create or replace function {{ target.schema }}.goalline_try_utc_timestamp(value text)
  returns timestamp language plpgsql immutable parallel unsafe as $$
  begin
    -- Text with an offset names an instant; naive text is already UTC (the contract's timestamps).
    if value ~ ':[0-9]{2}([.][0-9]+)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$' then
      return cast(value as timestamptz) at time zone 'UTC';
    end if;
    return cast(value as timestamp);
  exception when others then
    return null;
  end
  $$;
  create or replace function {{ target.schema }}.goalline_try_jsonb(value text)
  returns jsonb language plpgsql immutable parallel unsafe as $$
  begin
    return cast(value as jsonb);
  exception when others then
    return null;
  end
  $$
{%- endmacro %}

{#-
  Spark's parquet tables cannot hold NOT NULL constraints (Delta tables can; their jars cannot be
  fetched here): the contract's names and types are still enforced, and every column with a
  not_null constraint also has a not_null data test in the YAML.
-#}
{% macro spark__persist_constraints(relation, model) %}
{% endmacro %}

{#-
  post-hook of every model: Postgres plans joins from table statistics, and a table dbt has just
  created has none until autovacuum gets to it, so the next model's joins are planned blind. The
  incremental models do this in their own post-hooks, which know whether the run was a full
  build or a batch: the per-person models in record_person_batch, the base models in
  drop_landing_batch (macros/incremental.sql).
-#}
{% macro refresh_statistics() %}
  {%- if config.get('materialized') == 'table' -%}
    {{ return(analyze_table(this)) }}
  {%- endif -%}
  {{ return('') }}
{% endmacro %}

{% macro analyze_table(relation) %}
  {{ return(adapter.dispatch('analyze_table', 'goalline')(relation)) }}
{% endmacro %}

{% macro default__analyze_table(relation) -%}
{%- endmacro %}

{% macro postgres__analyze_table(relation) -%}
  analyze {{ relation }}
{%- endmacro %}

{#-
  pre-hook of fct_landing_reconciliation: one statement over the twelve landing tables, with a
  timestamp parse, file-name regex and join per table. Postgres JIT-compiles (and LLVM-optimizes)
  every expression of a plan whose estimated cost is above jit_above_cost, here about 25 s of a
  model whose rows take about 5 s to count (3M landed rows), a fixed cost that buys nothing: its
  work is scans and counts. Also the pre-hook of a per-person model's partial batch
  (prepare_person_batch): a batch filter is an `in` over the scratch table or'ed with its `everyone`
  row, which Postgres estimates at half of every input, so a select of a few thousand rows plans
  at the cost of a full build and spends most of its time compiling (int_delivery_anchors at 2.83M
  rows: 1.26 s, 0.88 s of it JIT; 0.36 s without). The plans stay what they were; JIT changes no
  plan, only how its expressions run. `set local` holds for this model's transaction only; every
  other statement keeps the server's setting. Other engines compile nothing.
-#}
{% macro without_jit() %}
  {{ return(adapter.dispatch('without_jit', 'goalline')()) }}
{% endmacro %}

{% macro default__without_jit() -%}
{%- endmacro %}

{% macro postgres__without_jit() -%}
  set local jit = off
{%- endmacro %}
