"""Issue 23 item 3: `dbt source freshness` warns and errors at the thresholds on every landing
table with a processing time, on DuckDB's file landing and on tables in place.

Each table's newest processing time is set relative to now: events 8 hours old (past the 6-hour
error threshold), deliveries 50 minutes (past the 45-minute warning), metrics 5 minutes (fresh).
"""

import csv
import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
import yaml
from dbt.cli.main import dbtRunner
from typer.testing import CliRunner

from goalline.build import dbt_args, release_duckdb
from goalline.cli import app
from goalline.paths import PROJECT_DIR
from goalline.targets import Target, warehouse_env

LANDING_SOURCES_YML = PROJECT_DIR / "models" / "landing" / "_landing__sources.yml"
AGES = {
    ("events", "received_at"): dt.timedelta(hours=8),
    ("deliveries", "created_at"): dt.timedelta(minutes=50),
    ("metrics", "created_at"): dt.timedelta(minutes=5),
}


def write_landing(folder: Path) -> Path:
    folder.mkdir()
    now = dt.datetime.now(dt.UTC)
    for (table, column), age in AGES.items():
        with (folder / f"{table}_000001.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["workspace_id", column])
            # An older row too: freshness is the newest processing time, not any row's.
            writer.writerow(["w", (now - age - dt.timedelta(days=2)).isoformat()])
            writer.writerow(["w", (now - age).strftime("%Y-%m-%dT%H:%M:%SZ")])
    return folder


def freshness(
    landing_dir: Path | None, db_path: Path, dbt_vars: dict[str, object]
) -> dict[str, str]:
    """`dbt source freshness` on the project: status per landing table."""
    with warehouse_env(landing_dir, db_path, Target.DUCKDB):
        try:
            result = dbtRunner().invoke(
                dbt_args(
                    "source freshness",
                    "--quiet",
                    "--target-path",
                    str(db_path.parent / "target"),
                    "--vars",
                    json.dumps(dbt_vars),
                )
            )
        finally:
            release_duckdb()
    return {
        node.node.name: str(node.status)
        for node in result.result.results  # type: ignore[union-attr]
    }


@pytest.fixture
def landing_dir(tmp_path: Path) -> Path:
    return write_landing(tmp_path / "landing")


def test_file_landing_warns_and_errors_at_the_thresholds(landing_dir: Path, tmp_path: Path) -> None:
    statuses = freshness(landing_dir, tmp_path / "w.duckdb", {})
    assert statuses["events"] == "error"
    assert statuses["deliveries"] == "warn"
    assert statuses["metrics"] == "pass"
    # No export of a table at all is as late as it gets.
    assert statuses["people"] == "error"
    # Configuration tables are not feeds: no freshness.
    assert "campaigns" not in statuses


def test_thresholds_are_vars(landing_dir: Path, tmp_path: Path) -> None:
    statuses = freshness(
        landing_dir,
        tmp_path / "w.duckdb",
        {"goalline_freshness_warn_minutes": 60, "goalline_freshness_error_minutes": 600},
    )
    assert statuses["events"] == "warn"
    assert statuses["deliveries"] == "pass"


def test_tables_in_place_warn_and_error_at_the_thresholds(
    landing_dir: Path, tmp_path: Path
) -> None:
    db_path = tmp_path / "w.duckdb"
    with duckdb.connect(str(db_path)) as connection:
        connection.execute("create schema sync")
        for (table, _), _age in AGES.items():
            connection.execute(
                f"create table sync.{table} as select * from read_csv("
                f"'{landing_dir / f'{table}_000001.csv'}', all_varchar = true)"
            )
        # A sync that types its timestamps: the same instant as a typed column.
        connection.execute(
            "alter table sync.deliveries alter created_at type timestamptz"
            " using cast(created_at as timestamptz)"
        )
    statuses = freshness(None, db_path, {"goalline_source_schema": "sync"})
    assert statuses["events"] == "error"
    assert statuses["deliveries"] == "warn"
    assert statuses["metrics"] == "pass"


def test_status_prints_each_table_and_exits_1_when_one_is_late(
    landing_dir: Path, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        app, ["status", "--landing", str(landing_dir), "--db", str(tmp_path / "w.duckdb")]
    )
    assert result.exit_code == 1, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.strip()}
    assert "late (error)" in lines["events"]
    assert "late (warn)" in lines["deliveries"]
    assert "on time" in lines["metrics"]
    # No hook or other node is reported as a table.
    assert set(lines) == {
        "attributes",
        "deliveries",
        "events",
        "metrics",
        "outputs",
        "people",
        "segment_memberships",
        "subjects",
    }


def test_status_exits_0_when_every_table_is_on_time(tmp_path: Path) -> None:
    landing_dir = tmp_path / "landing"
    landing_dir.mkdir()
    now = dt.datetime.now(dt.UTC).isoformat()
    for table, column in landing_tables_with_processing_time():
        (landing_dir / f"{table}_000001.csv").write_text(f"workspace_id,{column}\nw,{now}\n")
    result = CliRunner().invoke(
        app, ["status", "--landing", str(landing_dir), "--db", str(tmp_path / "w.duckdb")]
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("on time") == 8


def landing_tables_with_processing_time() -> list[tuple[str, str]]:
    spec = yaml.safe_load(LANDING_SOURCES_YML.read_text())
    return [
        (table["name"], table["config"]["loaded_at_field"])
        for table in spec["sources"][0]["tables"]
        if "loaded_at_field" in table.get("config", {})
    ]
