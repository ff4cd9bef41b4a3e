"""Issue 23 item 2: a user's dbt project installs this checkout as a package and builds its marts.

A fresh project in a temp folder lists the checkout in packages.yml (local path), points
`goalline_source_schema` at landing tables already in its DuckDB file (every column as text, as a
loader leaves them), runs `dbt deps` and `dbt build`, and must give the marts, quarantine and
reconciliation that `goalline build --landing` gives on the same files. The marts' schema is set
from the root project, as a user would.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import yaml
from dbt.cli.main import dbtRunner
from test_landing_tables import (
    PREFIX,
    SCHEMA,
    TYPED,
    folder_build,
    scenario_landing,
    sorted_rows,
    without_raw_text,
    write_landing_tables,
)

from goalline.build import release_duckdb
from goalline.connections import postgres_connection
from goalline.landing import contract_tables, file_reader, table_files
from goalline.paths import PROJECT_DIR
from goalline.targets import Target

from engines import create_database
from scenarios.warehouse import RELATIONS, Row, read_relations

MARTS_SCHEMA = "analytics"
# The user's profile reads libpq's variables, as the fixture postgres_env sets them.
POSTGRES_OUTPUT = {
    "type": "postgres",
    "host": "{{ env_var('PGHOST') }}",
    "port": "{{ env_var('PGPORT') | as_number }}",
    "user": "{{ env_var('PGUSER') }}",
    "password": "",
    "dbname": "{{ env_var('PGDATABASE') }}",
    "schema": "public",
    "threads": 2,
}


def duckdb_output(db_path: Path) -> dict[str, object]:
    return {
        "type": "duckdb",
        "path": str(db_path),
        "schema": "main",
        "threads": 2,
        "settings": {"TimeZone": "UTC"},
    }


@pytest.fixture(scope="module")
def landing_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return scenario_landing(tmp_path_factory)


@pytest.fixture(scope="module")
def from_files(landing_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Row]]:
    return folder_build(landing_dir, tmp_path_factory)


def write_user_project(folder: Path, db_path: Path, *, postgres: bool = False) -> Path:
    """A minimal dbt project of a user: its own name and profile, this checkout as a package."""
    project = folder / "acme"
    project.mkdir()
    identifiers = {
        f"goalline_{table.name}_identifier": PREFIX + table.name for table in contract_tables()
    }
    (project / "dbt_project.yml").write_text(
        yaml.safe_dump(
            {
                "name": "acme",
                "version": "1.0.0",
                "config-version": 2,
                "profile": "acme",
                "vars": {"goalline_source_schema": SCHEMA, **identifiers},
                "models": {
                    "goalline": {
                        "marts": {"+schema": MARTS_SCHEMA},
                        "semantic": {"+schema": MARTS_SCHEMA},
                    }
                },
            }
        )
    )
    (project / "packages.yml").write_text(
        yaml.safe_dump({"packages": [{"local": str(PROJECT_DIR)}]})
    )
    (project / "profiles.yml").write_text(
        yaml.safe_dump(
            {
                "acme": {
                    "target": "dev",
                    "outputs": {"dev": POSTGRES_OUTPUT if postgres else duckdb_output(db_path)},
                }
            }
        )
    )
    return project


def run_dbt(project: Path, *command: str) -> None:
    try:
        result = dbtRunner().invoke(
            [*command, "--project-dir", str(project), "--profiles-dir", str(project), "--quiet"]
        )
    finally:
        release_duckdb()
    assert result.success, f"dbt {' '.join(command)} failed: {result.exception or result.result}"


@pytest.fixture(scope="module")
def package_build(
    landing_dir: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: None
) -> dict[str, list[Row]]:
    folder = tmp_path_factory.mktemp("user_project")
    db_path = folder / "acme.duckdb"
    write_landing_tables(landing_dir, db_path, typed=False)
    project = write_user_project(folder, db_path)
    run_dbt(project, "deps")
    run_dbt(project, "build")
    # A user's scheduler runs `dbt build` again: the second run is an incremental one, with the
    # package's batch logic (person log, batch filters) running inside another root project.
    run_dbt(project, "build")
    return read_relations_in(db_path, MARTS_SCHEMA)


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[None]:
    """The package must not need this project's env: a user's shell has none of it."""
    with pytest.MonkeyPatch.context() as patch:
        for name in (
            "CONVERSIONS_LANDING_DIR",
            "CONVERSIONS_LANDING_SOURCE",
            "CONVERSIONS_SOURCE_SCHEMA",
        ):
            patch.delenv(name, raising=False)
        yield


def read_relations_in(db_path: Path, marts_schema: str) -> dict[str, list[Row]]:
    # The checked relations live in `marts` in this project; the user put the marts elsewhere,
    # so nothing may be in `marts` and the relations are read through views onto their schema.
    with duckdb.connect(str(db_path)) as connection:
        in_marts = connection.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
        assert not in_marts, f"the root project's marts schema was ignored: {in_marts}"
        connection.execute("create schema if not exists marts")
        for name, (relation, _) in RELATIONS.items():
            if relation.startswith("marts."):
                connection.execute(
                    f"create or replace view {relation} as select * from {marts_schema}.{name}"
                )
    return read_relations(db_path)


def test_user_project_builds_the_landing_folder_marts(
    package_build: dict[str, list[Row]], from_files: dict[str, list[Row]]
) -> None:
    assert from_files["fct_conversions"], "the scenarios convert someone"
    for relation in RELATIONS:
        assert sorted_rows(package_build[relation]) == sorted_rows(from_files[relation]), relation


def write_postgres_landing_tables(landing_dir: Path) -> set[str]:
    """The folder's rows as a warehouse sync writes them on Postgres: SCHEMA.<PREFIX><table>,
    typed where every value is text staging reads the same way (as test_landing_tables)."""
    typed_columns: set[str] = set()
    with duckdb.connect() as reader, postgres_connection() as connection:
        cursor = connection.cursor()
        cursor.execute(f"create schema {SCHEMA}")
        for table in contract_tables():
            name = f"{SCHEMA}.{PREFIX}{table.name}"
            columns = [*table.columns, "landing_file"]
            quoted = ", ".join(f'"{column}"' for column in columns)
            text_columns = ", ".join(f'"{column}" text' for column in columns)
            cursor.execute(f"create table {name} ({text_columns})")
            landed = ", ".join(f'"{column}"' for column in table.columns)
            rows = reader.execute(
                f"select {landed}, filename"
                f" from {file_reader(table_files(landing_dir, table.name))}"
            ).fetchall()
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"insert into {name} ({quoted}) values ({placeholders})", rows)
            for column in table.columns:
                if column not in TYPED:
                    continue
                data_type, pattern = TYPED[column]
                values = [row[table.columns.index(column)] for row in rows]
                if any(value is not None and not re.match(pattern, value) for value in values):
                    continue
                cursor.execute(
                    f'alter table {name} alter column "{column}" type {data_type}'
                    f' using "{column}"::{data_type}'
                )
                typed_columns.add(f"{table.name}.{column}")
        connection.commit()
    return typed_columns


def test_user_project_on_postgres_with_typed_tables(
    landing_dir: Path,
    from_files: dict[str, list[Row]],
    postgres_env: dict[str, str],
    tmp_path: Path,
    monkeypatch_module: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A database of its own: other tests build this project's schemas (`marts`, `staging`, ...)
    # on the same server, and a user's warehouse holds none of them.
    create_database("user_project")
    monkeypatch.setenv("PGDATABASE", "user_project")
    typed = write_postgres_landing_tables(landing_dir)
    assert {"people.deleted", "events.seq_num"} <= typed
    project = write_user_project(tmp_path, tmp_path / "unused.duckdb", postgres=True)
    run_dbt(project, "deps")
    run_dbt(project, "build")
    built = read_relations_in_postgres()
    assert built["fct_conversions"], "the scenarios convert someone"
    for relation in RELATIONS:
        expected, actual = from_files[relation], built[relation]
        if relation in {"stg_quarantine", "fct_landing_reconciliation"}:
            expected, actual = without_raw_text(expected), without_raw_text(actual)
        assert sorted_rows(actual) == sorted_rows(expected), relation


def read_relations_in_postgres() -> dict[str, list[Row]]:
    """As read_relations_in: the marts read through views in `marts` onto MARTS_SCHEMA."""
    with postgres_connection() as connection:
        cursor = connection.cursor()
        cursor.execute("create schema if not exists marts")
        for name, (relation, _) in RELATIONS.items():
            if relation.startswith("marts."):
                cursor.execute(
                    f"create or replace view {relation} as select * from {MARTS_SCHEMA}.{name}"
                )
        connection.commit()
    return read_relations(Path("unused.duckdb"), Target.POSTGRES)
