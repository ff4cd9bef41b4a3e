"""Issue 25 item 1: `goalline load` on Postgres adds only new or changed files.

Each test gets its own database on the session's private Postgres server (fixture `postgres_env`)
and a landing folder of the rule scenarios' rows, split in two files per table. What a sequence of
loads leaves in the landing tables must equal one load of the final folder into a fresh database,
as multisets of rows (landing_file included); the manifest must name every file with its size,
content hash and rows.
"""

import csv
import hashlib
import itertools
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from goalline.connections import postgres_connection
from goalline.landing import contract_tables
from goalline.load import MANIFEST_TABLE, load_landing
from goalline.targets import Target, source_schema

from engines import create_database
from landing_builder import Landing
from scenarios import ALL_SCENARIOS
from scenarios.warehouse import merged_landing

TABLES = [table.name for table in contract_tables()]
_databases = itertools.count()


@pytest.fixture
def database(postgres_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    name = f"load_manifest_{next(_databases)}"
    create_database(name)
    monkeypatch.setenv("PGDATABASE", name)
    return name


def halves() -> tuple[Landing, Landing]:
    """The scenarios' rows, every table's rows split in two."""
    whole = merged_landing(ALL_SCENARIOS)
    first, second = Landing(), Landing()
    for table, rows in whole.rows.items():
        first.rows[table].extend(rows[: len(rows) // 2])
        second.rows[table].extend(rows[len(rows) // 2 :])
    return first, second


def write_part(landing: Landing, landing_dir: Path, number: int) -> None:
    """The landing's rows as `<table>_<number>.csv`, one file per table, in landing_dir."""
    scratch = landing_dir.parent / f"part_{number}"
    landing.write(scratch)
    landing_dir.mkdir(parents=True, exist_ok=True)
    for path in scratch.iterdir():
        path.rename(landing_dir / path.name.replace("_000001", f"_{number:06d}"))


def query(sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    connection = postgres_connection()
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(sql, args)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def landing_tables() -> dict[str, Counter[tuple[Any, ...]]]:
    return {
        table: Counter(query(f'select * from "{source_schema()}"."{table}"')) for table in TABLES
    }


def manifest() -> dict[tuple[str, str], tuple[Any, ...]]:
    rows = query(
        "select table_name, landing_file, size_bytes, content_hash, row_count, loaded_at"
        f' from "{source_schema()}"."{MANIFEST_TABLE}"'
    )
    return {(row[0], row[1]): row[2:] for row in rows}


def full_load(landing_dir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Counter]:
    """The folder loaded at once into a fresh database: what any sequence of loads must give."""
    name = f"load_manifest_full_{next(_databases)}"
    create_database(name)
    with monkeypatch.context() as patch:
        patch.setenv("PGDATABASE", name)
        load_landing(landing_dir, Target.POSTGRES)
        return landing_tables()


def test_second_load_skips_files_taken_before(database: str, tmp_path: Path) -> None:
    landing_dir = tmp_path / "landing"
    first, _ = halves()
    write_part(first, landing_dir, 1)
    assert sum(load_landing(landing_dir, Target.POSTGRES).values()) > 0
    recorded = manifest()
    # A mark no file holds: a load that read the file again would replace this row.
    marked = query(
        f'update "{source_schema()}".deliveries set delivery_id = %s'
        " where ctid = (select min(ctid) from"
        f' "{source_schema()}".deliveries) returning landing_file',
        ("marked-by-test",),
    )
    assert marked, "the scenarios have deliveries"
    assert load_landing(landing_dir, Target.POSTGRES) == dict.fromkeys(TABLES, 0)
    assert query(
        f'select count(*) from "{source_schema()}".deliveries where delivery_id = %s',
        ("marked-by-test",),
    ) == [(1,)]
    assert manifest() == recorded


def test_new_files_are_appended_and_equal_one_load(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing_dir = tmp_path / "landing"
    first, second = halves()
    write_part(first, landing_dir, 1)
    load_landing(landing_dir, Target.POSTGRES)
    write_part(second, landing_dir, 2)
    taken = load_landing(landing_dir, Target.POSTGRES)
    assert taken == {table: len(rows) for table, rows in second.rows.items() if table in TABLES} | {
        table: 0 for table in TABLES if table not in second.rows
    }
    assert landing_tables() == full_load(landing_dir, monkeypatch)
    files = {
        (path.name.rsplit("_", 1)[0], str(path.resolve())): path for path in landing_dir.iterdir()
    }
    recorded = manifest()
    assert set(recorded) == set(files)
    for (table, name), path in files.items():
        size, digest, rows, _ = recorded[(table, name)]
        assert size == path.stat().st_size
        assert digest == hashlib.md5(path.read_bytes()).hexdigest()
        with path.open(newline="") as stream:
            assert rows == sum(1 for _ in csv.reader(stream)) - 1


def test_changed_file_replaces_its_rows(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing_dir = tmp_path / "landing"
    first, second = halves()
    write_part(first, landing_dir, 1)
    write_part(second, landing_dir, 2)
    load_landing(landing_dir, Target.POSTGRES)
    # The first deliveries file re-sent with one row fewer: that row must go, the rest stay.
    changed = landing_dir / "deliveries_000001.csv"
    lines = changed.read_text().splitlines(keepends=True)
    assert len(lines) > 2
    changed.write_text("".join(lines[:-1]))
    taken = load_landing(landing_dir, Target.POSTGRES)
    assert taken == {table: 0 for table in TABLES} | {"deliveries": len(lines) - 2}
    assert landing_tables() == full_load(landing_dir, monkeypatch)
    size, digest, rows, _ = manifest()[("deliveries", str(changed.resolve()))]
    assert (size, digest, rows) == (
        changed.stat().st_size,
        hashlib.md5(changed.read_bytes()).hexdigest(),
        len(lines) - 2,
    )


def test_table_with_other_columns_takes_every_file(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A landing table altered by hand no longer matches its manifest rows: it is created again
    from every file, not left holding only what the next new file brings."""
    landing_dir = tmp_path / "landing"
    first, second = halves()
    write_part(first, landing_dir, 1)
    load_landing(landing_dir, Target.POSTGRES)
    query(f'alter table "{source_schema()}".deliveries add column extra text')
    write_part(second, landing_dir, 2)
    load_landing(landing_dir, Target.POSTGRES)
    assert landing_tables() == full_load(landing_dir, monkeypatch)
