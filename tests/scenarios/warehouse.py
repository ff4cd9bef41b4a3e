"""Builds many scenarios in one dbt run and reads each scenario's mart rows back.

One build for every scenario keeps the suite to a single dbt invocation (the expensive part);
each scenario's rows are then picked out of the shared marts by its id prefix. The build runs on
any target (DuckDB by default, Postgres, Spark) and reads the relations back normalised, so the
same landing folder gives comparable rows on every engine.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from goalline.build import BuildError, run_build
from goalline.connections import read_arrow, target_errors
from goalline.targets import Target

from landing_builder import Landing
from scenarios.builder import Scenario

Row = dict[str, Any]

# Where each checked relation lives and which column carries the scenario's prefix.
RELATIONS: dict[str, tuple[str, str]] = {
    "fct_deliveries": ("marts.fct_deliveries", "delivery_id"),
    "fct_conversion_windows": ("marts.fct_conversion_windows", "delivery_id"),
    "fct_conversions": ("marts.fct_conversions", "journey_id"),
    "fct_journeys": ("marts.fct_journeys", "journey_id"),
    "fct_campaign_daily": ("marts.fct_campaign_daily", "campaign_id"),
    "fct_attribution_touches": ("marts.fct_attribution_touches", "journey_id"),
    "fct_cross_journey_conversions": ("marts.fct_cross_journey_conversions", "occurrence_id"),
    "fct_newsletters": ("marts.fct_newsletters", "newsletter_id"),
    "fct_platform_conversion_reconciliation": (
        "marts.fct_platform_conversion_reconciliation",
        "delivery_id",
    ),
    "fct_ab_test_variants": ("marts.fct_ab_test_variants", "action_id"),
    "fct_holdout_lift": ("marts.fct_holdout_lift", "action_id"),
    # Quarantined rows may have a null key: the raw row (which holds the prefixed ids) tells.
    "stg_quarantine": ("staging.stg_quarantine", "raw_row"),
    "fct_landing_reconciliation": ("audit.fct_landing_reconciliation", "table_name"),
}


def normalise(value: Any) -> Any:
    """Mart values as comparable Python values: times as text, floats rounded.

    Times are 'YYYY-MM-DD HH:MM:SS', with '.ffffff' only when there are microseconds (so an
    engine that drops or rounds them shows up); times with a zone are turned into UTC first.
    """
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return round(value, 9)
    return value


@dataclass
class ScenarioWarehouse:
    """Every checked relation of one build, as lists of normalised rows."""

    db_path: Path
    landing: Landing
    tables: dict[str, list[Row]]
    # dbt's first failing node, if any; the marts are still read so scenarios show their diffs.
    build_error: str | None = None
    target: Target = Target.DUCKDB

    def rows_for(self, scenario: Scenario, relation: str) -> list[Row]:
        """The relation's rows that belong to the scenario, with the id prefix removed."""
        _, key = RELATIONS[relation]
        # A raw row belongs by a prefixed id or, when every id is null, by its workspace.
        belongs: Callable[[Any], bool] = (
            (
                lambda value: (
                    isinstance(value, str)
                    and (scenario.prefix in value or f'"{scenario.name}"' in value)
                )
            )
            if key == "raw_row"
            else (lambda value: isinstance(value, str) and value.startswith(scenario.prefix))
        )
        return [
            {
                column: value.replace(scenario.prefix, "") if isinstance(value, str) else value
                for column, value in row.items()
            }
            for row in self.tables[relation]
            if belongs(row[key])
        ]


def merged_landing(scenarios: Iterable[Scenario]) -> Landing:
    landing = Landing()
    for scenario in scenarios:
        landing.extend(scenario.landing)
    return landing


def read_relations(db_path: Path, target: Target = Target.DUCKDB) -> dict[str, list[Row]]:
    """Every checked relation of a build on the target, as lists of normalised rows."""
    return {
        name: [
            {column: normalise(value) for column, value in row.items()}
            for row in read_arrow(target, f"select * from {relation}", db_path).to_pylist()
        ]
        for name, (relation, _) in RELATIONS.items()
    }


def build_warehouse(
    scenarios: list[Scenario], work_dir: Path, target: Target = Target.DUCKDB
) -> ScenarioWarehouse:
    """Write all scenarios as one landing folder, build it once, read the checked relations."""
    names = [scenario.name for scenario in scenarios]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise ValueError(f"scenario names must be unique: {sorted(duplicates)}")
    landing = merged_landing(scenarios)
    landing_dir = landing.write(work_dir / "landing")
    db_path = work_dir / "scenarios.duckdb"
    tables, build_error = build_and_read(landing_dir, db_path, target)
    return ScenarioWarehouse(db_path, landing, tables, build_error, target)


def build_and_read(
    landing_dir: Path, db_path: Path, target: Target = Target.DUCKDB
) -> tuple[dict[str, list[Row]], str | None]:
    """Build a landing folder on the target (from scratch); the checked relations and dbt's
    first failure, if any."""
    build_error = None
    try:
        run_build(landing_dir, db_path, target=target, full_refresh=True)
    except BuildError as error:
        # A failing dbt data test skips only what depends on it; read what was built.
        build_error = str(error)
    try:
        tables = read_relations(db_path, target)
    except target_errors(target) as error:
        raise RuntimeError(f"{target} build failed: {build_error or error}") from error
    return tables, build_error
