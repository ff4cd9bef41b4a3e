"""`landing_fresh`: a landing table whose newest row is too old fails a check on its asset.

One check per feed table (the landing tables with a processing time), on its landing_files asset.
The verdict is `dbt source freshness`'s, through goalline.freshness.landing_freshness, the function
`goalline status` prints: past the error threshold (or no rows at all) the check fails with ERROR
severity, which on-call sees as a red check on the asset; past the warning threshold it fails with
WARN severity. The metadata names the table, its newest processing time and its age.

The check runs with every observation of the landing assets (observe_landing_job selects the
checks of its assets) and alone from the asset's Checks tab. It reads the landing folder (DuckDB)
or the landing tables in place (Postgres, Spark) and never writes the warehouse, so it claims no
pool. Not blocking: nothing downstream is built in the observing run.
"""

from collections.abc import Iterator
from datetime import UTC, datetime

import dagster as dg

from goalline.freshness import (
    FreshnessThresholds,
    TableFreshness,
    feed_tables,
    freshness_thresholds,
    landing_freshness,
)
from goalline.targets import Target
from orchestration.project import landing_files_key
from orchestration.resources import Warehouse

LANDING_FRESH = "landing_fresh"


def _minutes(thresholds: FreshnessThresholds) -> dict[str, int]:
    return {
        "warn_after_minutes": int(thresholds.warn.total_seconds() // 60),
        "error_after_minutes": int(thresholds.error.total_seconds() // 60),
    }


def freshness_result(
    table: TableFreshness, thresholds: FreshnessThresholds, now: datetime
) -> dg.AssetCheckResult:
    """The check's verdict on one table from dbt's status ("pass", "warn", "error",
    "runtime error"); thresholds and now only describe it."""
    age = table.age(now)
    newest = table.newest.isoformat() if table.newest else "none"
    if age is None:
        summary = f"{table.table}: no rows processed at all"
    else:
        summary = f"{table.table}: newest row processed {age.total_seconds() / 3600:.1f} h ago"
    # What the page says at a glance; the thresholds are in the metadata.
    summary += {"pass": "", "warn": " (late: past the warning)"}.get(
        table.status, " (late: past the error threshold)"
    )
    metadata: dict[str, object] = {
        "table": table.table,
        "status": table.status,
        "newest_processing_at": newest,
        "age_minutes": round(age.total_seconds() / 60, 1) if age is not None else "none",
        **_minutes(thresholds),
    }
    severity = dg.AssetCheckSeverity.WARN if table.status == "warn" else dg.AssetCheckSeverity.ERROR
    return dg.AssetCheckResult(
        asset_key=landing_files_key(table.table),
        check_name=LANDING_FRESH,
        passed=not table.late,
        severity=severity,
        metadata=metadata,
        description=summary,
    )


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            LANDING_FRESH,
            asset=landing_files_key(table),
            description=(
                f"`{table}`'s newest `{column}` is recent: warns past "
                "goalline_freshness_warn_minutes, fails past goalline_freshness_error_minutes "
                "(dbt_project.yml vars; `dbt source freshness`, `goalline status`)."
            ),
        )
        for table, column in feed_tables().items()
    ],
    name="landing_freshness",
    can_subset=True,
)
def landing_freshness_checks(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> Iterator[dg.AssetCheckResult]:
    # DuckDB reads the landing folder; a server target reads the landing tables in place.
    landing = warehouse.landing if warehouse.engine is Target.DUCKDB else None
    tables = {
        table.table: table for table in landing_freshness(landing, warehouse.db, warehouse.engine)
    }
    thresholds = freshness_thresholds()
    now = datetime.now(UTC)
    for key in context.selected_asset_check_keys:
        yield freshness_result(tables[key.asset_key.path[-1]], thresholds, now)
