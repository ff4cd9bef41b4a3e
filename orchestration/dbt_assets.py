"""The dbt project as two assets: the processing-day batch (partitioned) and the models.

- `goalline_daily_batch`: one asset, `staging/daily_batch`, partitioned by processing day: the
  dbt nodes tagged `daily` (landing views, base tables incremental on processing time, the
  staging views over them, rule seeds; see macros/incremental.sql). A run for a day, or a
  single-run backfill of a range, builds them with the window as the dbt vars processing_start /
  processing_end (half-open, ISO UTC). One asset, not one per dbt node: Dagster stores a
  materialization per asset and partition, and the daemon evaluates a backfill per asset and
  partition, so "Materialize all" over two years of days costs that many times the asset count
  (docs/decisions.md). Its page shows what each node did in the window.
- `goalline_models`: everything else (configuration staging, quarantine, audit, intermediate,
  marts, semantic), unpartitioned, an asset per model with dbt tests as asset checks: the
  intermediate models and marts recompute the rows of the people the staged batches touched
  since they last ran (docs/scale.md, per-person batches).

Both claim the DuckDB pool (target duckdb only), write a working copy of the DuckDB file under
the lock `goalline build` takes (so a CLI build and a run wait for each other) and publish it on
success; a lock held past the wait fails the step with WarehouseBusy, which the retry policy tries
again, while a model error or a failing dbt test fails the step at once. On Postgres and Spark
each run loads the landing folder into the landing tables first (`goalline load`).
"""

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliInvocation, DbtCliResource, dbt_assets

from goalline.build import BUILD_COMMAND, file_log_args
from goalline.load import load_landing
from goalline.targets import Target, warehouse_env
from orchestration import settings
from orchestration.failures import failure_details
from orchestration.landing_files import table_names
from orchestration.project import (
    DAILY_BATCH_KEY,
    DAILY_SELECT,
    GoallineTranslator,
    goalline_project,
    landing_files_key,
    prepare_manifest,
)
from orchestration.resources import Warehouse
from orchestration.run_metadata import daily_batch_metadata, materialization_metadata

# end_offset=1: today is a partition too, so files landing today (rows processed today) can be
# built by the sensor before the day is over; the schedule builds yesterday.
daily_partitions = dg.DailyPartitionsDefinition(
    start_date=settings.partitions_start(), timezone="UTC", end_offset=1
)

dbt_retry_policy = dg.RetryPolicy(max_retries=3, delay=10, backoff=dg.Backoff.EXPONENTIAL)


class DbtBuildConfig(dg.Config):
    full_refresh: bool = False


def processing_vars(start: datetime, end: datetime) -> dict[str, str]:
    """The partition window as the dbt vars of the daily models: [start, end) in UTC."""
    return {
        "processing_start": start.strftime("%Y-%m-%d %H:%M:%S"),
        "processing_end": end.strftime("%Y-%m-%d %H:%M:%S"),
    }


def dbt_build_args(full_refresh: bool, dbt_vars: dict[str, str] | None) -> list[str]:
    args = [*BUILD_COMMAND.split(), *file_log_args()]
    if full_refresh:
        args.append("--full-refresh")
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    return args


def run_dbt_build(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    args: list[str],
    invoke: Callable[[list[str]], DbtCliInvocation],
) -> tuple[DbtCliInvocation, list[Any]]:
    """Run dbt with args (invoke starts it) into the warehouse; its invocation and events.

    On DuckDB dbt writes a working copy, published over the file only when dbt succeeded (see
    Warehouse.writing): readers keep the marts they had, and a failed build changes nothing, so
    it raises here, before anything is reported. Postgres and Spark keep what dbt built before an
    error: the caller reports it, then raises `build_failure`.
    """
    where = warehouse.db if warehouse.engine is Target.DUCKDB else warehouse.target
    context.log.info(f"dbt {' '.join(args)} into {where} from {warehouse.landing}")
    with (
        warehouse.writing(context.log) as db,
        warehouse_env(warehouse.landing, db, warehouse.engine),
    ):
        if warehouse.engine is not Target.DUCKDB:
            rows = load_landing(warehouse.landing, warehouse.engine)
            context.log.info(f"loaded {sum(rows.values())} landing rows into {warehouse.target}")
        invocation = invoke(args)
        events = list(invocation.stream())
        if not invocation.is_successful() and warehouse.engine is Target.DUCKDB:
            # The working copy still holds what the failing tests found; it is discarded next.
            raise build_failure(context, invocation, db)
    return invocation, events


def build_failure(
    context: dg.AssetExecutionContext, invocation: DbtCliInvocation, db: Path | None
) -> dg.Failure:
    """Not retried: a model error or failing test fails again until its cause is fixed."""
    summary, details = failure_details(invocation.target_path, db)
    if details:
        context.log.error(f"dbt build failed on {summary}:\n\n{details['failing_nodes'].value}")
    return dg.Failure(
        description=f"dbt build failed: {summary or invocation.get_error()}",
        metadata={
            **details,
            "dbt_log": dg.MetadataValue.path(str(invocation.target_path / "dbt.log")),
        },
        allow_retries=False,
    )


prepare_manifest()
translator = GoallineTranslator()


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            DAILY_BATCH_KEY,
            deps=[landing_files_key(table) for table in table_names()],
            group_name="staging",
            kinds={"dbt"},
            description=(
                "The processing-day batch: the dbt nodes tagged `daily` (landing views, base "
                "tables incremental on processing time, the staging views over them, rule seeds) "
                "re-stage the keys with rows processed in the partition's window."
            ),
        )
    ],
    name="goalline_daily_batch",
    partitions_def=daily_partitions,
    # A backfill of many days is one dbt run over the whole window, not one run per day.
    backfill_policy=dg.BackfillPolicy.single_run(),
    retry_policy=dbt_retry_policy,
    pool=settings.warehouse_pool(),
)
def goalline_daily_batch(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: Warehouse,
    config: DbtBuildConfig,
) -> dg.MaterializeResult:
    window = context.partition_time_window
    # A full refresh rebuilds every day from all landed rows: no window.
    dbt_vars = None if config.full_refresh else processing_vars(window.start, window.end)
    args = [*dbt_build_args(config.full_refresh, dbt_vars), "--select", DAILY_SELECT]
    invocation, _ = run_dbt_build(
        context,
        warehouse,
        args,
        lambda dbt_args: dbt.cli(
            dbt_args,
            manifest=goalline_project.manifest_path,
            dagster_dbt_translator=translator,
            raise_on_error=False,
        ),
    )
    if not invocation.is_successful():
        raise build_failure(context, invocation, None)
    return dg.MaterializeResult(
        metadata=daily_batch_metadata(warehouse, invocation.target_path, dbt_vars)
    )


@dbt_assets(
    manifest=goalline_project.manifest_path,
    project=goalline_project,
    exclude=DAILY_SELECT,
    name="goalline_models",
    dagster_dbt_translator=translator,
    retry_policy=dbt_retry_policy,
    pool=settings.warehouse_pool(),
)
def _goalline_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: Warehouse,
    config: DbtBuildConfig,
) -> Iterator[Any]:
    args = dbt_build_args(config.full_refresh, None)
    invocation, events = run_dbt_build(
        context,
        warehouse,
        args,
        lambda dbt_args: dbt.cli(dbt_args, context=context, raise_on_error=False),
    )
    yield from materialization_metadata(context, warehouse, events)
    if not invocation.is_successful():
        raise build_failure(context, invocation, None)


def materialized_together(assets: dg.AssetsDefinition) -> dg.AssetsDefinition:
    """The multi-asset as one unit: any selection of it materialises all of it.

    A backfill (the UI's "Materialize all") requests an asset once its parents are materialized.
    Subsettable, these models were launched piecemeal as their parents finished, a run per tick
    (the issue saw 10 runs one after another). As one unit they are requested once, when every
    parent is done: the daily batch, then one run of these. dbt_assets always declares its assets
    subsettable, hence the rebuild from its attributes.
    """
    return dg.AssetsDefinition.dagster_internal_init(
        **{**assets.get_attributes_dict(), "can_subset": False}
    )


def fed_by_daily_batch(assets: dg.AssetsDefinition) -> dg.AssetsDefinition:
    """Dependencies on the `daily` nodes (every dbt parent outside the multi-asset, as it excludes
    exactly those) become one dependency on the daily batch, the asset that builds them."""
    own = set(assets.keys)

    def remap(spec: dg.AssetSpec) -> dg.AssetSpec:
        keys = {dep.asset_key if dep.asset_key in own else DAILY_BATCH_KEY for dep in spec.deps}
        return spec.replace_attributes(deps=sorted(keys, key=lambda key: key.to_user_string()))

    return assets.map_asset_specs(remap)


goalline_models = materialized_together(fed_by_daily_batch(_goalline_models))
