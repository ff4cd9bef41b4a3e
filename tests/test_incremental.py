"""Contract rule 8: a full build and any sequence of incremental builds give the same marts.

One tiny simulated workspace (benchmarks/simulate.py: late rows, re-sent rows, goal edits) is built
three ways and compared row for row:
- once, in full, from every landing file;
- load by load: the landing folder grows by a few days of files at a time (late rows land in the
  next day's file) and each load is an incremental run without vars (lookback);
- day by day: with every file landed, the `daily` models are run per processing day with
  processing_start/processing_end, then the rest of the project once;
- on Postgres, load by load as above (each load is `goalline load` of the landing folder so far,
  then an incremental run), compared with the DuckDB full build: the same incremental models and
  the same equivalence on the second engine that has them (Spark rebuilds in full).
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from benchmarks.dbt_run import dbt_build
from benchmarks.simulate import simulate
from goalline.connections import copy_relations
from goalline.load import load_landing
from goalline.targets import Target

from engines import create_database

DAYS = 3
START = datetime(2026, 1, 1)
MARTS = (
    "fct_conversions",
    "fct_journeys",
    "fct_deliveries",
    "fct_conversion_windows",
    "fct_cross_journey_conversions",
)
STAGED = (
    "stg_cio__deliveries",
    "stg_cio__metrics",
    "stg_cio__subjects",
    "stg_cio__outputs",
    "stg_cio__people",
    "stg_cio__attributes",
    "stg_tracking__events",
    "stg_tracking__segment_memberships",
)
LOADS = ((0, 1), (2,))


def land_days(source: Path, target: Path, days: tuple[int, ...]) -> None:
    """Copy the files of some landing days (config tables live in day 0) into a landing folder."""
    target.mkdir(parents=True, exist_ok=True)
    for day in days:
        for file in source.glob(f"*_d{day:03d}_*.parquet"):
            shutil.copy(file, target / file.name)


def differences(left: Path, right: Path, relations: list[str]) -> dict[str, int]:
    """Rows in one database and not the other (both directions, duplicates counted)."""
    with duckdb.connect() as connection:
        connection.execute(f"attach '{left}' as l (read_only)")
        connection.execute(f"attach '{right}' as r (read_only)")
        found = {}
        for relation in relations:
            left_rows, right_rows = without_path(f"l.{relation}"), without_path(f"r.{relation}")
            count = connection.execute(
                f"""select
                    (select count(*) from (from {left_rows} except all from {right_rows}))
                    + (select count(*) from (from {right_rows} except all from {left_rows}))"""
            ).fetchone()[0]
            if count:
                found[relation] = count
        return found


def build_load_by_load(
    source: Path, work: Path, name: str, select: str | None = None, **extra_vars: object
) -> Path:
    landing, db = work / f"{name}_landing", work / f"{name}.duckdb"
    for days in LOADS:
        land_days(source, landing, days)
        dbt_build(landing, db, extra_vars=extra_vars or None, select=select, with_tests=False)
    return db


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("incremental")
    source = work / "all_days"
    simulate(source, 0.0003, days=DAYS, seed=3, threads=1, memory_limit="1GB")
    full = work / "full.duckdb"
    dbt_build(source, full, full_refresh=True, with_tests=False)
    return {"work": work, "source": source, "full": full}


RELATIONS = [
    *(f"marts.{mart}" for mart in MARTS),
    *(f"staging.{model}" for model in STAGED),
    # The incremental base tables under the staging views: every landed row with its rank.
    *(f"staging.{model.replace('stg_', 'base_', 1)}" for model in STAGED),
    # Quarantine and reconciliation too; the landing folder's path differs between the builds.
    "staging.stg_quarantine",
    "audit.fct_landing_reconciliation",
]


def without_path(relation: str) -> str:
    if "quarantine" in relation or ".base_" in relation:
        return f"(select * exclude (landing_file) from {relation})"
    return relation


def test_simulated_workspace_has_late_and_resent_rows(workspace: dict[str, Path]) -> None:
    # Without rows that land after their processing day the lookback would be untested.
    source = workspace["source"]
    with duckdb.connect() as connection:
        late = connection.execute(
            f"""select count(*) from read_parquet('{source}/deliveries_*.parquet', filename = true)
                where cast(regexp_extract(filename, '_d(\\d+)_', 1) as integer)
                    > datediff('day', timestamp '{START}', created_at)"""
        ).fetchone()[0]
    assert late > 0


def test_load_by_load_equals_full_build(workspace: dict[str, Path]) -> None:
    incremental = build_load_by_load(workspace["source"], workspace["work"], "loads")
    with duckdb.connect(str(workspace["full"]), read_only=True) as connection:
        converted = connection.execute("select count(*) from marts.fct_conversions").fetchone()[0]
    assert converted > 0, "the workspace must convert for the comparison to mean anything"
    assert differences(workspace["full"], incremental, RELATIONS) == {}


def test_without_lookback_late_rows_are_lost(workspace: dict[str, Path]) -> None:
    # Proves the comparison above can fail: with no lookback, deliveries that land a day late
    # are never staged (only their staging model is built, to keep the suite fast).
    broken = build_load_by_load(
        workspace["source"],
        workspace["work"],
        "no_lookback",
        select="+stg_cio__deliveries",
        incremental_lookback_days=0,
    )
    assert differences(workspace["full"], broken, ["staging.stg_cio__deliveries"])


def test_per_day_batches_equal_full_build(workspace: dict[str, Path]) -> None:
    db = workspace["work"] / "per_day.duckdb"
    for day in range(DAYS):
        start, end = START + timedelta(days=day), START + timedelta(days=day + 1)
        dbt_build(
            workspace["source"],
            db,
            # Day 0 also takes everything processed before the period (people created earlier).
            processing_start=None if day == 0 else start.isoformat(),
            processing_end=end.isoformat() if day < DAYS - 1 else None,
            # Views and seeds upstream of the daily models only need creating once.
            select="+tag:daily" if day == 0 else "tag:daily",
            with_tests=False,
        )
    # Then the rest of the project once, as orchestration does after the day's partitions.
    dbt_build(workspace["source"], db, with_tests=False)
    assert differences(workspace["full"], db, RELATIONS) == {}


def test_load_by_load_on_postgres_equals_duckdb_full_build(
    workspace: dict[str, Path], postgres_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    create_database("incremental")
    monkeypatch.setenv("PGDATABASE", "incremental")
    work = workspace["work"]
    landing, artifacts = work / "postgres_landing", work / "postgres.duckdb"
    for days in LOADS:
        land_days(workspace["source"], landing, days)
        load_landing(landing, Target.POSTGRES)
        dbt_build(landing, artifacts, with_tests=False, target=Target.POSTGRES)
    # The Postgres relations, copied into a DuckDB file so the same comparison applies.
    copied = work / "postgres_copy.duckdb"
    with duckdb.connect(str(copied)) as connection:
        copy_relations(connection, Target.POSTGRES, artifacts, RELATIONS)
    assert differences(workspace["full"], copied, RELATIONS) == {}
