"""Jobs, the daily schedule and the new-landing-files sensor."""

import hashlib
import json
import time
from datetime import UTC, date, timedelta

import dagster as dg
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from orchestration import settings
from orchestration.dbt_assets import (
    DbtBuildConfig,
    daily_partitions,
    goalline_daily_batch,
    goalline_models,
)
from orchestration.history import conversion_history
from orchestration.landing_assets import landing_files
from orchestration.landing_files import LandedFile, all_landed_files, processing_span
from orchestration.rule_checks import mart_rule_checks, staging_rule_checks

# A file younger than this may still be being written; the next tick picks it up.
SETTLE_SECONDS = 30

warehouse_assets = dg.AssetSelection.assets(
    goalline_daily_batch, goalline_models, conversion_history
)

goalline_daily_job = dg.define_asset_job(
    "goalline_daily_job",
    selection=warehouse_assets,
    description=(
        "One processing day (or a range, as one run): the daily staging models re-stage the keys "
        "with rows processed in the window; downstream, the people they touch are recomputed. "
        "Launch a backfill of every partition with full_refresh: true on both dbt ops to rebuild "
        "from scratch."
    ),
)

goalline_rebuild_job = dg.define_asset_job(
    "goalline_rebuild_job",
    selection=dg.AssetSelection.assets(goalline_models, conversion_history),
    config=dg.RunConfig(ops={"goalline_models": DbtBuildConfig(full_refresh=True)}),
    description=(
        "Unpartitioned full refresh of everything but the daily staging batch: configuration "
        "staging, quarantine, audit, intermediate and marts rebuilt from the staged tables."
    ),
)

goalline_checks_job = dg.define_asset_job(
    "goalline_checks_job",
    selection=dg.AssetSelection.assets(conversion_history)
    | dg.AssetSelection.checks(staging_rule_checks, mart_rule_checks),
    description=(
        "Re-run every rule check on the warehouse as it is, then record the conversion history "
        "(skipped when a blocking check fails). No dbt."
    ),
)

observe_landing_job = dg.define_asset_job(
    "observe_landing_job",
    selection=dg.AssetSelection.assets(landing_files),
    description="Record files, rows and newest processing time of every landing table.",
)


def full_refresh_config() -> dg.RunConfig:
    return dg.RunConfig(
        ops={
            "goalline_daily_batch": DbtBuildConfig(full_refresh=True),
            "goalline_models": DbtBuildConfig(full_refresh=True),
        }
    )


@dg.schedule(
    cron_schedule=f"0 {settings.SCHEDULE_HOUR_UTC} * * *",
    job=goalline_daily_job,
    execution_timezone="UTC",
    description="Builds yesterday's processing day once the nightly export has landed.",
)
def daily_build_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    day = (context.scheduled_execution_time.astimezone(UTC) - timedelta(days=1)).date()
    return dg.RunRequest(run_key=f"daily-{day.isoformat()}", partition_key=day.isoformat())


def read_cursor(cursor: str | None) -> dict[str, int]:
    return json.loads(cursor) if cursor else {}


def new_files(seen: dict[str, int], current: list[LandedFile], now: float) -> list[LandedFile]:
    """Files not seen with this mtime, old enough to be completely written."""
    return [
        landed
        for landed in current
        if seen.get(landed.name) != landed.mtime_ns
        and now - landed.mtime_ns / 1e9 >= SETTLE_SECONDS
    ]


def partition_range_request(files: list[LandedFile], run_key: str) -> dg.RunRequest:
    """One run over the processing days the files touch; outside the partitions: full refresh."""
    keys = daily_partitions.get_partition_keys()
    span = processing_span(files)
    first, last = date.fromisoformat(keys[0]), date.fromisoformat(keys[-1])
    if span is None:
        # Configuration only (campaign_actions): any run rebuilds every per-person model in full
        # (the configuration is part of their fingerprint).
        start = end = last
    else:
        start, end = span[0].date(), span[1].date()
    if start < first or end > last:
        return dg.RunRequest(
            run_key=run_key,
            run_config=full_refresh_config(),
            tags={
                ASSET_PARTITION_RANGE_START_TAG: keys[0],
                ASSET_PARTITION_RANGE_END_TAG: keys[-1],
                "goalline/reason": "rows outside the partitions: full refresh",
            },
        )
    return dg.RunRequest(
        run_key=run_key,
        tags={
            ASSET_PARTITION_RANGE_START_TAG: start.isoformat(),
            ASSET_PARTITION_RANGE_END_TAG: end.isoformat(),
        },
    )


@dg.sensor(
    job=goalline_daily_job,
    minimum_interval_seconds=60,
    description=(
        "Starts a build when files appear or change in the landing folder. The cursor holds every "
        "file name with its mtime, so a file is built once, and again only if it is rewritten."
    ),
)
def new_landing_files_sensor(
    context: dg.SensorEvaluationContext,
) -> dg.SensorResult | dg.SkipReason:
    seen = read_cursor(context.cursor)
    current = all_landed_files(settings.landing_dir())
    fresh = new_files(seen, current, time.time())
    if not fresh:
        return dg.SkipReason(f"no new files in {settings.landing_dir()}")
    present = {landed.name for landed in current}
    # Deleted files leave the cursor; a file re-landed under the same name is new again.
    cursor = {name: mtime for name, mtime in seen.items() if name in present}
    cursor.update({landed.name: landed.mtime_ns for landed in fresh})
    batch = ",".join(
        f"{landed.name}@{landed.mtime_ns}" for landed in sorted(fresh, key=lambda f: f.name)
    )
    run_key = "landing-" + hashlib.sha256(batch.encode()).hexdigest()[:16]
    context.log.info(f"{len(fresh)} new file(s): {', '.join(sorted(f.name for f in fresh))}")
    return dg.SensorResult(
        run_requests=[partition_range_request(fresh, run_key)],
        cursor=json.dumps(cursor, sort_keys=True),
    )
