"""Checks a landing folder before dbt reads it, so a bad folder fails with one clear line."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import yaml

from goalline.errors import error_line
from goalline.paths import LANDING_MODELS_YML

EXTENSIONS = ("parquet", "csv")


class LandingError(Exception):
    """The landing folder cannot be built; the message says why in one line."""


@dataclass(frozen=True)
class LandingTable:
    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]


@cache
def contract_tables() -> tuple[LandingTable, ...]:
    """The landing tables and their columns, from the landing models' YAML (one source of truth).

    Read once per process: parsing the YAML took about 0.09 s, four times in every load."""
    spec = yaml.safe_load(LANDING_MODELS_YML.read_text())
    tables = []
    for model in spec["models"]:
        landed = [
            column
            for column in model["columns"]
            if not (column.get("meta") or {}).get("added_by_reader")
        ]
        columns = tuple(column["name"] for column in landed)
        required = tuple(
            column["name"] for column in landed if (column.get("meta") or {}).get("required")
        )
        tables.append(LandingTable(model["name"].removeprefix("lnd_"), columns, required))
    return tuple(tables)


def table_files(landing_dir: Path, table: str) -> list[Path]:
    return sorted(
        path for extension in EXTENSIONS for path in landing_dir.glob(f"{table}*.{extension}")
    )


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def file_reader(files: list[Path]) -> str:
    """DuckDB's reader of landing files of one format, as macros/landing/read_landing.sql reads
    them: columns by name, CSV all text and RFC 4180 (fixed, so no sniffing misreads a file)."""
    file_list = "[" + ", ".join(sql_literal(str(path)) for path in files) + "]"
    if files[0].suffix == ".parquet":
        return f"read_parquet({file_list}, union_by_name = true, filename = true)"
    return (
        f"read_csv({file_list}, header = true, all_varchar = true, delim = ',', quote = '\"',"
        " escape = '\"', union_by_name = true, filename = true)"
    )


@cache
def _schema_reader() -> duckdb.DuckDBPyConnection:
    # One in-memory database per process: opening one per file was most of the cost of checking
    # a folder of hundreds of files (benchmarks/load_manifest.py).
    return duckdb.connect()


def file_schema(path: Path) -> dict[str, str]:
    """Column name (lower case) -> DuckDB type of one landing file; LandingError if unreadable."""
    stat = path.stat()
    return _file_schema(path, stat.st_size, stat.st_mtime_ns)


@cache
def _file_schema(path: Path, size: int, mtime_ns: int) -> dict[str, str]:
    # Keyed on size and time as well: a build on Postgres or Spark checks the folder, then its
    # load checks it again (0.36 s for 483 files), and a file rewritten in between is read anew.
    try:
        # A cursor per call: its own connection to the shared database, safe across threads.
        with _schema_reader().cursor() as connection:
            rows = connection.execute(
                f"describe select * from {file_reader([path])} limit 0"
            ).fetchall()
    except duckdb.Error as error:
        raise LandingError(f"landing file {path} cannot be read: {error_line(error)}") from None
    return {str(row[0]).lower(): str(row[1]) for row in rows if row[0] != "filename"}


def unreadable_file(landing_dir: Path, table: str) -> str | None:
    """Why the first file of the table that DuckDB cannot read through fails, naming it.

    For a build that failed reading landing data: DuckDB's error does not always name the file
    (a corrupt data page says only "Variable-length int over 10 bytes"), so each file is read to
    the end on its own. Only on failure: it reads the table's files once more.
    """
    for path in table_files(landing_dir, table):
        # Counting every column's values decodes every page (count(*) reads only the footer).
        every_value = f"select count(columns(*)) from {file_reader([path])}"
        try:
            with duckdb.connect() as connection:
                connection.execute(every_value).fetchall()
        except duckdb.Error as error:
            return f"landing file {path} cannot be read: {error_line(error)}"
    return None


def text_expression(column: str, data_type: str) -> str:
    """A landed value as text, as the landing macro's landing_text: a typed timestamp as ISO text
    with at most microseconds (what staging parses), UTC (the connection's TimeZone)."""
    if data_type.startswith("TIMESTAMP") and "TIME ZONE" not in data_type:
        return f'cast(cast("{column}" as timestamp) as varchar)'
    return f'cast("{column}" as varchar)'


def validate_landing_dir(landing_dir: Path) -> dict[str, int]:
    """Raise LandingError for a missing or empty folder or a missing required column.

    Returns the number of files found per table; a table with no file lands as empty.
    """
    if not landing_dir.exists():
        raise LandingError(f"landing folder {landing_dir} does not exist")
    if not landing_dir.is_dir():
        raise LandingError(f"landing folder {landing_dir} is not a folder")
    found: dict[str, int] = {}
    for table in contract_tables():
        files = table_files(landing_dir, table.name)
        for path in files:
            present = file_schema(path)
            missing = [column for column in table.required if column not in present]
            if missing:
                raise LandingError(f"landing file {path} is missing required column '{missing[0]}'")
        found[table.name] = len(files)
    if not any(found.values()):
        raise LandingError(
            f"landing folder {landing_dir} holds no <table>*.parquet or <table>*.csv file"
        )
    return found
