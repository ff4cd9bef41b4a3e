"""Checks a landing folder before dbt reads it, so a bad folder fails with one clear line."""

from dataclasses import dataclass
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


def contract_tables() -> list[LandingTable]:
    """The landing tables and their columns, from the landing models' YAML (one source of truth)."""
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
    return tables


def table_files(landing_dir: Path, table: str) -> list[Path]:
    return sorted(
        path for extension in EXTENSIONS for path in landing_dir.glob(f"{table}*.{extension}")
    )


def file_columns(path: Path) -> set[str]:
    reader = (
        f"read_parquet('{path}')"
        if path.suffix == ".parquet"
        else f"read_csv('{path}', header = true, all_varchar = true)"
    )
    try:
        with duckdb.connect() as connection:
            rows = connection.execute(f"describe select * from {reader} limit 0").fetchall()
    except duckdb.Error as error:
        raise LandingError(f"landing file {path} cannot be read: {error_line(error)}") from None
    return {row[0].lower() for row in rows}


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
            present = file_columns(path)
            missing = [column for column in table.required if column not in present]
            if missing:
                raise LandingError(f"landing file {path} is missing required column '{missing[0]}'")
        found[table.name] = len(files)
    if not any(found.values()):
        raise LandingError(
            f"landing folder {landing_dir} holds no <table>*.parquet or <table>*.csv file"
        )
    return found
