"""Issue 23 item 1: landing tables in place give the marts the landing folder gives.

Every rule scenario goes into one landing folder, built once from the files. The same rows are
then written as tables into a fresh DuckDB file, once every column as text (as a loader leaves
them) and once with typed columns (as a warehouse sync writes them), and each is built with
`goalline_landing_source: tables` under a non-default schema and table name, so the source vars
are exercised too.
"""

import json
import re
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from goalline.build import BuildError, run_build
from goalline.cli import app
from goalline.landing import contract_tables, file_reader, table_files

from scenarios import ALL_SCENARIOS
from scenarios.warehouse import RELATIONS, Row, merged_landing, read_relations

SCHEMA = "vendor_sync"
# A sync that prefixes its table names: events lands as cio_events, and so on.
PREFIX = "cio_"
TIME_COLUMNS = {
    "created_at",
    "updated_at",
    "timestamp",
    "received_at",
    "occurred_at",
    "valid_from",
    "started_campaign_at",
}
BOOLEAN_COLUMNS = {"deleted", "suppressed", "draft", "link_tracked", "webhook_conversions_enabled"}
INTEGER_COLUMNS = {"seq_num", "window_days", "split_test_index", "branch_index"}
# Text that staging reads the same as its typed value printed back.
ISO_TIME = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?"
    r"(Z|[+-][0-9]{2}:?[0-9]{2})?$"
)
INTEGER = r"^(0|[1-9][0-9]{0,8})$"
TYPED = {
    **dict.fromkeys(TIME_COLUMNS, ("timestamptz", ISO_TIME)),
    **dict.fromkeys(BOOLEAN_COLUMNS, ("boolean", r"^(true|false)$")),
    **dict.fromkeys(INTEGER_COLUMNS, ("bigint", INTEGER)),
}


def tables_vars() -> str:
    identifiers = {
        f"goalline_{table.name}_identifier": PREFIX + table.name for table in contract_tables()
    }
    return json.dumps({"goalline_source_schema": SCHEMA, **identifiers})


def write_landing_tables(landing_dir: Path, db_path: Path, *, typed: bool) -> set[str]:
    """Copy the folder's rows into SCHEMA.<PREFIX><table> with landing_file as `goalline load`
    writes it; typed: a column becomes a typed column where every value is text staging reads
    the same way. Returns the columns that were typed."""
    typed_columns: set[str] = set()
    with duckdb.connect(str(db_path)) as connection:
        connection.execute("set TimeZone = 'UTC'")
        connection.execute(f"create schema {SCHEMA}")
        for table in contract_tables():
            name = f"{SCHEMA}.{PREFIX}{table.name}"
            files = table_files(landing_dir, table.name)
            text_columns = ", ".join(f'"{column}"' for column in table.columns)
            connection.execute(
                f"create table {name} as select {text_columns}, filename as landing_file"
                f" from {file_reader(files)}"
            )
            if not typed:
                continue
            for column in table.columns:
                if column not in TYPED:
                    continue
                data_type, pattern = TYPED[column]
                misfits = connection.execute(
                    f'select count(*) from {name} where "{column}" is not null'
                    f" and not regexp_matches(\"{column}\", '{pattern}')"
                ).fetchone()[0]
                if misfits:
                    continue
                connection.execute(
                    f'alter table {name} alter "{column}" type {data_type}'
                    f' using cast("{column}" as {data_type})'
                )
                typed_columns.add(f"{table.name}.{column}")
    return typed_columns


def scenario_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every rule scenario in one landing folder (also tests/test_package.py's input)."""
    return merged_landing(ALL_SCENARIOS).write(tmp_path_factory.mktemp("landing") / "landing")


def folder_build(
    landing_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[Row]]:
    """What `goalline build --landing` gives on the folder: the relations to match."""
    db_path = tmp_path_factory.mktemp("files") / "w.duckdb"
    run_build(landing_dir, db_path, full_refresh=True)
    return read_relations(db_path)


@pytest.fixture(scope="module")
def landing_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return scenario_landing(tmp_path_factory)


@pytest.fixture(scope="module")
def from_files(landing_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Row]]:
    return folder_build(landing_dir, tmp_path_factory)


def build_from_tables(db_path: Path) -> dict[str, list[Row]]:
    """run_build without a landing folder: the tables in place."""
    run_build(None, db_path, full_refresh=True, dbt_vars=tables_vars())
    return read_relations(db_path)


def sorted_rows(rows: list[Row]) -> list[str]:
    return sorted(json.dumps(row, sort_keys=True, default=str) for row in rows)


def test_text_tables_in_place_give_the_folder_marts(
    landing_dir: Path, from_files: dict[str, list[Row]], tmp_path: Path
) -> None:
    db_path = tmp_path / "w.duckdb"
    write_landing_tables(landing_dir, db_path, typed=False)
    # `goalline build` without --landing: the tables in place.
    result = CliRunner().invoke(app, ["build", "--db", str(db_path), "--vars", tables_vars()])
    assert result.exit_code == 0, result.output
    from_tables = read_relations(db_path)
    assert from_files["fct_conversions"], "the scenarios convert someone"
    for relation in RELATIONS:
        assert sorted_rows(from_tables[relation]) == sorted_rows(from_files[relation]), relation


def test_typed_tables_in_place_give_the_folder_marts(
    landing_dir: Path, from_files: dict[str, list[Row]], tmp_path: Path
) -> None:
    db_path = tmp_path / "w.duckdb"
    typed = write_landing_tables(landing_dir, db_path, typed=True)
    # The scenarios plant bad values in some columns (those stay text, as a sync leaves a column
    # it cannot type); the rest are typed: times, booleans and integers.
    assert {"people.deleted", "events.seq_num"} <= typed
    assert {column for column in typed if column.split(".")[1] in TIME_COLUMNS}
    from_tables = build_from_tables(db_path)
    for relation in RELATIONS:
        if relation in {"stg_quarantine", "fct_landing_reconciliation"}:
            continue
        assert sorted_rows(from_tables[relation]) == sorted_rows(from_files[relation]), relation
    # The same rows quarantine for the same reasons; raw_row and row_key show a typed value as
    # the warehouse prints it ('2026-01-05 00:00:00+00' for '2026-01-05 00:00:00'), so are left out.
    for relation in ("stg_quarantine", "fct_landing_reconciliation"):
        assert sorted_rows(without_raw_text(from_tables[relation])) == sorted_rows(
            without_raw_text(from_files[relation])
        ), relation


def without_raw_text(rows: list[Row]) -> list[Row]:
    return [
        {key: value for key, value in row.items() if key not in {"raw_row", "row_key"}}
        for row in rows
    ]


def test_unknown_landing_source_is_a_clear_error(landing_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="goalline_landing_source must be 'files' or 'tables'"):
        run_build(
            landing_dir,
            tmp_path / "w.duckdb",
            full_refresh=True,
            dbt_vars=json.dumps({"goalline_landing_source": "warehouse"}),
        )


def test_tables_vars_name_every_table() -> None:
    names = re.findall(r"goalline_(\w+)_identifier", tables_vars())
    assert sorted(names) == sorted(table.name for table in contract_tables())
