"""Issue 24: the files that landed are the unit of incremental work (the landing manifest).

On test_incremental's simulated workspace (its late rows, re-sent rows and goal edit), each
scenario lands files as the platform's export can, builds incrementally without vars, and compares
with a full build (`--full-refresh`) of the same landing folder, as multisets of the marts, the
staging models, the quarantine and the reconciliation (test_incremental.differences):

- late rows: a third of the events and metrics held back, then landed in a new file by a later
  export with their original processing times, long before the newest one staged;
- re-sent rows: rows already staged sent again in a new parquet file and as CSV: the marts do not
  change, the copies are superseded, nothing is pending;
- a changed file: a file rewritten in place with rows dropped and a row changed replaces its rows;
- tables in any order: each load's tables land and are built one at a time, in a shuffled order
  (one table's day built before another's).

Each was shown failing against the processing-time lookback this replaced (issue 24's symptoms:
the late rows were never staged and the reconciliation failed; the re-sent CSV rows pended).
"""

import random
import shutil
from pathlib import Path

import duckdb
import pytest
from test_incremental import (
    CONFIG_TABLES,
    MARTS,
    RELATIONS,
    START,
    Workspace,
    build,
    differences,
    full_build,
    land,
    warehouse,
)

from benchmarks.simulate import simulate

HELD_BACK = ("events", "metrics")
ORDER_SEED = 5


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    work = tmp_path_factory.mktemp("late_files")
    source = work / "simulated"
    simulate(source, 0.0003, days=6, seed=3, threads=1, memory_limit="1GB")
    full = warehouse(work, "full")
    full_build(source, full)
    return Workspace(work, source, full)


def copy_rows(source: Path, target: Path, where: str, fmt: str = "parquet") -> int:
    """Copy the rows of a parquet file that match `where` into a new file; returns their count."""
    with duckdb.connect() as connection:
        rows = f"select * from read_parquet('{source}') where {where}"
        count = connection.execute(f"select count(*) from ({rows})").fetchone()[0]
        options = "(format parquet)" if fmt == "parquet" else "(format csv, header true)"
        connection.execute(f"copy ({rows}) to '{target}' {options}")
    return count


def scalar(db: Path, sql: str) -> object:
    with duckdb.connect(str(db), read_only=True) as connection:
        return connection.execute(sql).fetchone()[0]


def reconciled(db: Path) -> list[tuple]:
    """The reconciliation's rows that do not add up, or have pending or overdue rows."""
    with duckdb.connect(str(db), read_only=True) as connection:
        return connection.execute(
            """select table_name, rows_pending, rows_overdue from audit.fct_landing_reconciliation
               where not is_reconciled or rows_pending > 0 or rows_overdue > 0"""
        ).fetchall()


def equals_full_build(workspace: Workspace, landing: Path, db: Path, name: str) -> None:
    full = warehouse(workspace.work, f"{name}_full")
    full_build(landing, full)
    assert differences(full, db, RELATIONS) == {}
    assert reconciled(db) == []


def held_back_landing(workspace: Workspace, name: str) -> tuple[Path, Path]:
    """Every simulated file, less a third of the events and metrics (by id), built; the held
    back rows are then landed in one new file per table, as a platform re-sync sends them."""
    landing, db = workspace.work / f"{name}_landing", warehouse(workspace.work, name)
    landing.mkdir()
    held = "hash(event_id) % 3 = 0"
    for file in sorted(workspace.source.glob("*.parquet")):
        table = file.name.split("_d")[0]
        if table in HELD_BACK:
            copy_rows(file, landing / file.name, f"not ({held})")
        else:
            shutil.copy(file, landing / file.name)
    build(landing, db)
    for table in HELD_BACK:
        with duckdb.connect() as connection:
            connection.execute(
                f"""copy (select * from read_parquet('{workspace.source}/{table}_d*.parquet')
                          where {held})
                    to '{landing / f"{table}_resync.parquet"}' (format parquet)"""
            )
    return landing, db


def test_late_rows_in_a_new_file_are_staged_by_the_next_build(workspace: Workspace) -> None:
    landing, db = held_back_landing(workspace, "late")
    newest = scalar(db, "select max(received_at) from staging.base_tracking__events")
    resync = landing / "events_resync.parquet"
    oldest_late = scalar(workspace.full, f"select min(received_at) from read_parquet('{resync}')")
    # Late by far more than any lookback: only the manifest can take them.
    assert (newest - oldest_late).days >= 4
    build(landing, db)
    equals_full_build(workspace, landing, db, "late")
    files = scalar(
        db,
        """select count(*) from audit.fct_landing_files
           where landing_file like '%_resync.parquet' and rows_taken > 0""",
    )
    assert files == len(HELD_BACK)


def test_resent_rows_in_another_file_and_format_change_nothing(workspace: Workspace) -> None:
    landing, db = workspace.work / "resent_landing", warehouse(workspace.work, "resent")
    land(workspace.source, landing, None, None)
    build(landing, db)
    before = warehouse(workspace.work, "resent_before")
    before.parent.mkdir()
    shutil.copy(db, before)
    first_events = sorted(workspace.source.glob("events_d*.parquet"))[0]
    resent = copy_rows(first_events, landing / "events_resent.parquet", "true")
    copy_rows(first_events, landing / "events_resent.csv", "true", fmt="csv")
    build(landing, db)
    assert differences(before, db, MARTS) == {}
    superseded = "select rows_superseded from audit.fct_landing_reconciliation"
    grown = scalar(db, f"{superseded} where table_name = 'events'")
    assert grown == scalar(before, f"{superseded} where table_name = 'events'") + 2 * resent
    equals_full_build(workspace, landing, db, "resent")


def test_a_changed_file_replaces_its_rows(workspace: Workspace) -> None:
    landing, db = workspace.work / "changed_landing", warehouse(workspace.work, "changed")
    land(workspace.source, landing, None, None)
    build(landing, db)
    # An events file of the second day rewritten in place with about half its rows.
    [file] = sorted(landing.glob("events_d001_*.parquet"))[:1]
    rewritten = file.with_suffix(".tmp")
    kept = copy_rows(file, rewritten, "hash(event_id) % 2 = 0")
    rewritten.replace(file)
    taken = "select count(*) from staging.base_tracking__events where landing_file like ?"
    with duckdb.connect(str(db), read_only=True) as connection:
        assert kept < connection.execute(taken, [f"%/{file.name}"]).fetchone()[0]
    build(landing, db)
    equals_full_build(workspace, landing, db, "changed")


def test_tables_landing_in_any_order_equal_a_full_build(workspace: Workspace) -> None:
    """Three loads split by processing day; within each, one table's files land and are built
    before the next table's, in a seeded random order."""
    landing, db = workspace.work / "order_landing", warehouse(workspace.work, "order")
    staged = workspace.work / "order_staged"
    landing.mkdir()
    rng = random.Random(ORDER_SEED)
    cuts = [None, START.replace(day=3), START.replace(day=5), None]
    for since, until in zip(cuts, cuts[1:], strict=False):
        land(workspace.source, staged, since, until)
        tables = sorted({file.name.split("_d")[0] for file in staged.glob("*.parquet")})
        # Configuration first, as in a real workspace; the rest in any order.
        daily = [table for table in tables if table not in CONFIG_TABLES]
        rng.shuffle(daily)
        for table in [*(t for t in tables if t in CONFIG_TABLES), *daily]:
            for file in staged.glob(f"{table}_d*.parquet"):
                shutil.move(file, landing / file.name)
            build(landing, db)
    equals_full_build(workspace, landing, db, "order")
