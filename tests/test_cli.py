"""The goalline CLI: one-line errors for bad landing folders, and a real build."""

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from commands.cli import app

from landing_builder import Landing

runner = CliRunner()


def minimal_landing() -> Landing:
    landing = Landing()
    landing.add("campaigns", workspace_id="w", campaign_id="c", kind="campaign")
    landing.add(
        "subjects",
        workspace_id="w",
        subject_name="j",
        internal_customer_id="p",
        campaign_id="c",
        started_campaign_at="2026-01-01 00:00:00",
        seq_num=1,
    )
    return landing


def test_missing_folder_is_one_clear_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", "--landing", str(tmp_path / "nope"), "--db", "x.duckdb"])
    assert result.exit_code == 1
    assert f"landing folder {tmp_path / 'nope'} does not exist" in result.output


def test_empty_folder_is_one_clear_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", "--landing", str(tmp_path), "--db", "x.duckdb"])
    assert result.exit_code == 1
    assert "holds no <table>*.parquet or <table>*.csv file" in result.output


def test_missing_required_column_names_file_and_column(tmp_path: Path) -> None:
    landing_dir = minimal_landing().write(tmp_path / "landing")
    events = landing_dir / "events_000002.csv"
    events.write_text("workspace_id,event_id,internal_customer_id,name,timestamp,seq_num\n")
    result = runner.invoke(
        app, ["build", "--landing", str(landing_dir), "--db", str(tmp_path / "w.duckdb")]
    )
    assert result.exit_code == 1
    assert f"landing file {events} is missing required column 'properties'" in result.output


def test_dbt_itself_rejects_a_missing_required_column(tmp_path: Path) -> None:
    """Plain `dbt build` (no CLI pre-check) stops with the same message from the landing macro."""
    from goalline.build import BuildError, run_build

    landing_dir = minimal_landing().write(tmp_path / "landing")
    deliveries = landing_dir / "deliveries_000002.csv"
    deliveries.write_text("workspace_id,delivery_id\nw,d\n")
    with pytest.raises(BuildError, match="deliveries_000002.csv is missing required column"):
        run_build(landing_dir, tmp_path / "w.duckdb", select="lnd_deliveries")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One `goalline build` through the CLI, shared by the build and export tests."""
    tmp_path = tmp_path_factory.mktemp("cli_build")
    landing_dir = minimal_landing().write(tmp_path / "landing")
    extra = landing_dir / "subjects_000002.csv"
    # Unknown extra columns are tolerated.
    extra.write_text(
        "workspace_id,subject_name,internal_customer_id,campaign_id,started_campaign_at,seq_num,"
        "_sync_batch\nw,j2,p,c,2026-01-02T00:00:00Z,1,77\n"
    )
    db = tmp_path / "w.duckdb"
    result = runner.invoke(app, ["build", "--landing", str(landing_dir), "--db", str(db)])
    return (
        db,
        result.output if result.exit_code == 0 else f"exit {result.exit_code}: {result.output}",
    )


def test_build_writes_marts_readable_by_any_client(built: tuple[Path, str]) -> None:
    db, output = built
    assert "Journeys and conversions per campaign" in output, output
    with duckdb.connect(str(db)) as connection:
        rows = connection.execute(
            "select journey_id, started_at::varchar, is_converted"
            " from marts.fct_journeys order by 1"
        ).fetchall()
    assert rows == [("j", "2026-01-01 00:00:00", False), ("j2", "2026-01-02 00:00:00", False)]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_export_writes_a_mart_file(built: tuple[Path, str], tmp_path: Path, suffix: str) -> None:
    db, _ = built
    out = tmp_path / f"journeys{suffix}"
    result = runner.invoke(
        app, ["export", "--mart", "fct_journeys", "--out", str(out), "--db", str(db)]
    )
    assert result.exit_code == 0, result.output
    reader = "read_csv" if suffix == ".csv" else "read_parquet"
    with duckdb.connect() as connection:
        rows = connection.execute(f"select journey_id from {reader}('{out}') order by 1").fetchall()
    assert rows == [("j",), ("j2",)]


def test_export_rejects_unknown_mart(built: tuple[Path, str], tmp_path: Path) -> None:
    db, _ = built
    result = runner.invoke(
        app, ["export", "--mart", "nope", "--out", str(tmp_path / "x.csv"), "--db", str(db)]
    )
    assert result.exit_code == 1
    assert "no mart named nope" in result.output


def test_check_exits_non_zero_without_a_database(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", "--db", str(tmp_path / "missing.duckdb")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_build_reruns_one_processing_day_with_vars(built: tuple[Path, str], tmp_path: Path) -> None:
    """`--vars` passes the processing window to dbt: the day is rebuilt, the marts stay whole."""
    db, _ = built
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(db.read_bytes())
    landing_dir = db.parent / "landing"
    window = "{processing_start: 2026-01-02, processing_end: 2026-01-03}"
    result = runner.invoke(
        app, ["build", "--landing", str(landing_dir), "--db", str(copy), "--vars", window]
    )
    assert result.exit_code == 0, result.output
    query = "select journey_id from marts.fct_journeys order by 1"
    with duckdb.connect(str(copy), read_only=True) as connection:
        assert connection.execute(query).fetchall() == [("j",), ("j2",)]
