"""Issue 25 item 1: `goalline load` adds only new or changed files, on Postgres and on Spark.

Each test loads into its own source schema (CONVERSIONS_SOURCE_SCHEMA) on the session's private
Postgres server (fixture `postgres_env`) or Spark warehouse (fixture `spark_warehouse`), from a
landing folder of the rule scenarios' rows split in two files per table. What a sequence of loads
leaves in the landing tables must equal one load of the final folder into a fresh schema, as
multisets of rows (landing_file included); the manifest must name every file with its size,
content hash and rows.
"""

import csv
import hashlib
import itertools
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from goalline.connections import postgres_connection, read_arrow, spark_session
from goalline.landing import contract_tables
from goalline.load import MANIFEST_TABLE, load_landing
from goalline.targets import SOURCE_SCHEMA_ENV, Target, source_schema

from landing_builder import Landing
from scenarios import ALL_SCENARIOS
from scenarios.warehouse import merged_landing

TABLES = [table.name for table in contract_tables()]
ENGINE_FIXTURES = {Target.POSTGRES: "postgres_env", Target.SPARK: "spark_warehouse"}
_schemas = itertools.count()


@pytest.fixture(params=list(ENGINE_FIXTURES), ids=str)
def target(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Target:
    engine: Target = request.param
    request.getfixturevalue(ENGINE_FIXTURES[engine])
    monkeypatch.setenv(SOURCE_SCHEMA_ENV, f"load_manifest_{next(_schemas)}")
    return engine


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


def execute(target: Target, sql: str) -> None:
    if target is Target.SPARK:
        spark_session().sql(sql).collect()
        return
    connection = postgres_connection()
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def rows(target: Target, sql: str) -> list[tuple[Any, ...]]:
    table = read_arrow(target, sql, Path())
    return [tuple(row.values()) for row in table.to_pylist()]


def landing_tables(target: Target) -> dict[str, Counter[tuple[Any, ...]]]:
    return {
        table: Counter(rows(target, f"select * from {source_schema()}.{table}")) for table in TABLES
    }


def manifest(target: Target) -> dict[tuple[str, str], tuple[Any, ...]]:
    found = rows(
        target,
        "select table_name, landing_file, size_bytes, content_hash, row_count, loaded_at"
        f" from {source_schema()}.{MANIFEST_TABLE}",
    )
    return {(row[0], row[1]): row[2:] for row in found}


def full_load(
    target: Target, landing_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Counter]:
    """The folder loaded at once into a fresh schema: what any sequence of loads must give."""
    with monkeypatch.context() as patch:
        patch.setenv(SOURCE_SCHEMA_ENV, f"load_manifest_full_{next(_schemas)}")
        load_landing(landing_dir, target)
        return landing_tables(target)


def test_second_load_skips_files_taken_before(target: Target, tmp_path: Path) -> None:
    landing_dir = tmp_path / "landing"
    first, _ = halves()
    write_part(first, landing_dir, 1)
    assert sum(load_landing(landing_dir, target).values()) > 0
    recorded = manifest(target)
    # A row no file holds, tagged as the file's: a load that took the file again would drop it.
    taken_file = str((landing_dir / "deliveries_000001.csv").resolve())
    execute(
        target,
        f"insert into {source_schema()}.deliveries (delivery_id, landing_file)"
        f" values ('marked-by-test', '{taken_file}')",
    )
    assert load_landing(landing_dir, target) == dict.fromkeys(TABLES, 0)
    marked = (
        f"select count(*) from {source_schema()}.deliveries where delivery_id = 'marked-by-test'"
    )
    assert rows(target, marked) == [(1,)]
    assert manifest(target) == recorded


def test_new_files_are_appended_and_equal_one_load(
    target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing_dir = tmp_path / "landing"
    first, second = halves()
    write_part(first, landing_dir, 1)
    load_landing(landing_dir, target)
    write_part(second, landing_dir, 2)
    taken = load_landing(landing_dir, target)
    assert taken == {table: len(second.rows.get(table, [])) for table in TABLES}
    assert landing_tables(target) == full_load(target, landing_dir, monkeypatch)
    files = {
        (path.name.rsplit("_", 1)[0], str(path.resolve())): path for path in landing_dir.iterdir()
    }
    recorded = manifest(target)
    assert set(recorded) == set(files)
    for key, path in files.items():
        size, digest, count, _ = recorded[key]
        assert size == path.stat().st_size
        assert digest == hashlib.md5(path.read_bytes()).hexdigest()
        with path.open(newline="") as stream:
            assert count == sum(1 for _ in csv.reader(stream)) - 1


def test_changed_file_replaces_its_rows(
    target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing_dir = tmp_path / "landing"
    first, second = halves()
    write_part(first, landing_dir, 1)
    write_part(second, landing_dir, 2)
    load_landing(landing_dir, target)
    # The first deliveries file re-sent with one row fewer: that row must go, the rest stay.
    changed = landing_dir / "deliveries_000001.csv"
    lines = changed.read_text().splitlines(keepends=True)
    assert len(lines) > 2
    changed.write_text("".join(lines[:-1]))
    taken = load_landing(landing_dir, target)
    assert taken == dict.fromkeys(TABLES, 0) | {"deliveries": len(lines) - 2}
    assert landing_tables(target) == full_load(target, landing_dir, monkeypatch)
    size, digest, count, _ = manifest(target)[("deliveries", str(changed.resolve()))]
    assert (size, digest, count) == (
        changed.stat().st_size,
        hashlib.md5(changed.read_bytes()).hexdigest(),
        len(lines) - 2,
    )


def test_file_older_than_its_load_is_not_read_again(target: Target, tmp_path: Path) -> None:
    """A recorded file of its recorded size, last modified before the load that took it, is not
    read again (hashing every file read the whole history on every load); modified since, it is
    hashed, and a change of the same size replaces its rows."""
    landing_dir = tmp_path / "landing"
    first, _ = halves()
    write_part(first, landing_dir, 1)
    an_hour_ago = time.time() - 3600
    for path in landing_dir.iterdir():
        os.utime(path, (an_hour_ago, an_hour_ago))
    load_landing(landing_dir, target)
    # The last two rows swapped: the same size, another content.
    changed = landing_dir / "deliveries_000001.csv"
    lines = changed.read_bytes().splitlines(keepends=True)
    assert len(lines) > 3 and lines[-1] != lines[-2] and lines[-1].endswith(b"\n")
    changed.write_bytes(b"".join([*lines[:-2], lines[-1], lines[-2]]))
    os.utime(changed, (an_hour_ago, an_hour_ago))
    assert load_landing(landing_dir, target) == dict.fromkeys(TABLES, 0)
    os.utime(changed)
    assert load_landing(landing_dir, target) == dict.fromkeys(TABLES, 0) | {
        "deliveries": len(lines) - 1
    }
    digest = manifest(target)[("deliveries", str(changed.resolve()))][1]
    assert digest == hashlib.md5(changed.read_bytes()).hexdigest()


def test_folder_moved_elsewhere_is_the_same_files(
    target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files are matched by name, as the build's landing manifest matches them: the folder mounted
    at another path is not a second copy of every row, and a file changed meanwhile still
    replaces the rows it was first loaded with."""
    first_dir, moved_dir = tmp_path / "landing", tmp_path / "mounted" / "landing"
    first, second = halves()
    write_part(first, first_dir, 1)
    write_part(second, first_dir, 2)
    load_landing(first_dir, target)
    moved_dir.parent.mkdir()
    first_dir.rename(moved_dir)
    changed = moved_dir / "deliveries_000001.csv"
    lines = changed.read_text().splitlines(keepends=True)
    changed.write_text("".join(lines[:-1]))
    taken = load_landing(moved_dir, target)
    assert taken == dict.fromkeys(TABLES, 0) | {"deliveries": len(lines) - 2}

    def by_name(tables: dict[str, Counter]) -> dict[str, Counter]:
        # landing_file is the last column; the unchanged files' rows keep their first path.
        named: dict[str, Counter] = {table: Counter() for table in tables}
        for table, found in tables.items():
            for row, count in found.items():
                named[table][(*row[:-1], Path(row[-1]).name)] += count
        return named

    assert by_name(landing_tables(target)) == by_name(full_load(target, moved_dir, monkeypatch))
    assert {(table, Path(path).name) for table, path in manifest(target)} == {
        (path.name.rsplit("_", 1)[0], path.name) for path in moved_dir.iterdir()
    }


def test_table_with_other_columns_takes_every_file(
    target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A landing table altered by hand no longer matches its manifest rows: it is created again
    from every file, not left holding only what the next new file brings."""
    landing_dir = tmp_path / "landing"
    first, second = halves()
    write_part(first, landing_dir, 1)
    load_landing(landing_dir, target)
    add = "add column extra text" if target is Target.POSTGRES else "add columns (extra string)"
    execute(target, f"alter table {source_schema()}.deliveries {add}")
    write_part(second, landing_dir, 2)
    load_landing(landing_dir, target)
    assert landing_tables(target) == full_load(target, landing_dir, monkeypatch)


def test_spark_table_of_an_earlier_load_takes_every_file(
    spark_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loads before Hive landing tables wrote Spark's own parquet tables, where `load data` fails:
    such a table is created again, as a Hive table, from every file."""
    monkeypatch.setenv(SOURCE_SCHEMA_ENV, f"load_manifest_{next(_schemas)}")
    landing_dir = tmp_path / "landing"
    first, second = halves()
    write_part(first, landing_dir, 1)
    load_landing(landing_dir, Target.SPARK)
    deliveries = f"{source_schema()}.deliveries"
    execute(
        Target.SPARK, f"create table {deliveries}_old using parquet as select * from {deliveries}"
    )
    execute(Target.SPARK, f"drop table {deliveries}")
    execute(Target.SPARK, f"alter table {deliveries}_old rename to {deliveries}")
    write_part(second, landing_dir, 2)
    load_landing(landing_dir, Target.SPARK)
    assert landing_tables(Target.SPARK) == full_load(Target.SPARK, landing_dir, monkeypatch)
    provider = rows(Target.SPARK, f"describe table extended {deliveries}")
    assert ("Provider", "hive") in [row[:2] for row in provider]
