"""The dbt project as two multi-assets: the processing-day batch (partitioned) and the rest.

- `goalline_daily_batch`: the `daily`-tagged staging models (base tables incremental on
  processing time and the staging views over them, see macros/incremental.sql), with the
  landing views and rule seeds they read, partitioned by processing day. A run for a day, or a
  single-run backfill of a range, passes the window as the dbt vars processing_start /
  processing_end (half-open, ISO UTC).
- `goalline_models`: everything else (configuration staging, quarantine, audit, intermediate,
  marts, semantic), unpartitioned: the intermediate models and marts recompute the rows of the
  people the staged batches touched since they last ran (docs/scale.md, per-person batches).

Both claim the DuckDB pool (target duckdb only), write a working copy of the DuckDB file under
the lock `goalline build` takes (so a CLI build and a run wait for each other) and publish it on
success, and retry transient failures (a lock held by another process); a model error or a
failing dbt test fails the step at once. On Postgres and
Spark each run loads the landing folder into the landing tables first (`goalline load`).
"""

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliInvocation, DbtCliResource, dbt_assets

from goalline.load import load_landing
from goalline.targets import Target, warehouse_env
from orchestration import settings
from orchestration.failures import failure_details
from orchestration.project import GoallineTranslator, goalline_project, prepare_manifest
from orchestration.resources import Warehouse
from orchestration.run_metadata import materialization_metadata

DAILY_SELECT = "resource_type:seed path:models/landing path:models/staging/base tag:daily"

# end_offset=1: today is a partition too, so files landing today (rows processed today) can be
# built by the sensor before the day is over; the schedule builds yesterday.
daily_partitions = dg.DailyPartitionsDefinition(
    start_date=settings.partitions_start(), timezone="UTC", end_offset=1
)

# Lock contention and I/O hiccups: worth another try after a pause; a SQL error is not.
TRANSIENT_MARKERS = ("could not set lock", "conflicting lock", "resource temporarily unavailable")
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
    args = ["build"]
    if full_refresh:
        args.append("--full-refresh")
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    return args


def is_transient(invocation: DbtCliInvocation) -> bool:
    log_path = invocation.target_path / "dbt.log"
    text = log_path.read_text(errors="replace").lower() if log_path.exists() else ""
    error = str(invocation.get_error() or "").lower()
    return any(marker in text or marker in error for marker in TRANSIENT_MARKERS)


def run_dbt_build(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: Warehouse,
    args: list[str],
) -> Iterator[Any]:
    """Run `dbt build` for the selected subset; yield its events with on-call metadata added.

    On DuckDB dbt writes a working copy, published over the file only when dbt succeeded (see
    Warehouse.writing): readers keep the marts they had, and a failed build changes nothing, so
    its materializations are not reported. The events are buffered until the copy is published;
    the metadata queries then read the published file.
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
        invocation = dbt.cli(args, context=context, raise_on_error=False)
        events = list(invocation.stream())
        if not invocation.is_successful() and is_transient(invocation):
            raise RuntimeError(f"transient dbt failure, will retry: {invocation.get_error()}")
        if not invocation.is_successful() and warehouse.engine is Target.DUCKDB:
            # The working copy still holds what the failing tests found; it is discarded next.
            raise _build_failure(context, invocation, db)
    yield from materialization_metadata(context, warehouse, events)
    if not invocation.is_successful():
        # Postgres and Spark keep what dbt built before the error: report it, then fail.
        raise _build_failure(context, invocation, None)


def _build_failure(
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


@dbt_assets(
    manifest=goalline_project.manifest_path,
    project=goalline_project,
    select=DAILY_SELECT,
    name="goalline_daily_batch",
    partitions_def=daily_partitions,
    # A backfill of many days is one dbt run over the whole window, not one run per day.
    backfill_policy=dg.BackfillPolicy.single_run(),
    dagster_dbt_translator=translator,
    retry_policy=dbt_retry_policy,
    pool=settings.warehouse_pool(),
)
def goalline_daily_batch(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: Warehouse,
    config: DbtBuildConfig,
) -> Iterator[Any]:
    window = context.partition_time_window
    # A full refresh rebuilds every day from all landed rows: no window.
    dbt_vars = None if config.full_refresh else processing_vars(window.start, window.end)
    yield from run_dbt_build(context, dbt, warehouse, dbt_build_args(config.full_refresh, dbt_vars))


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
    yield from run_dbt_build(context, dbt, warehouse, dbt_build_args(config.full_refresh, None))


def materialized_together(assets: dg.AssetsDefinition) -> dg.AssetsDefinition:
    """The multi-asset as one unit: any selection of it materialises all of it.

    A backfill (the UI's "Materialize all") requests an asset once its parents are materialized.
    The daily batch writes one materialization per asset and partition (91 days x 33 assets:
    minutes of events), and while it does, the backfill daemon saw some parents of these models
    done and launched them piecemeal, a run per tick: 10 runs one after another. As one unit
    they are requested once, when every parent is done: the daily batch, then one run of these.
    dbt_assets always declares its assets subsettable, hence the rebuild from its attributes.
    """
    return dg.AssetsDefinition.dagster_internal_init(
        **{**assets.get_attributes_dict(), "can_subset": False}
    )


goalline_models = materialized_together(_goalline_models)
