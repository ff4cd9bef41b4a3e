"""The engines one dbt project builds on, and the environment that points dbt at one of them.

DuckDB (the default) reads the landing files itself and writes one file; Postgres and Spark read
the landing tables `goalline load` writes into the source schema. The dbt profile picks its output
from CONVERSIONS_TARGET; every other setting comes from the variables named here.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

from goalline.paths import PROJECT_DIR


class Target(StrEnum):
    DUCKDB = "duckdb"
    POSTGRES = "postgres"
    SPARK = "spark"


TARGET_ENV = "CONVERSIONS_TARGET"
LANDING_ENV = "CONVERSIONS_LANDING_DIR"
# `files` (the landing folder) or `tables` (in place): macros/landing/read_landing.sql.
LANDING_SOURCE_ENV = "CONVERSIONS_LANDING_SOURCE"
DB_ENV = "CONVERSIONS_DUCKDB_PATH"
SOURCE_SCHEMA_ENV = "CONVERSIONS_SOURCE_SCHEMA"
SPARK_WAREHOUSE_ENV = "CONVERSIONS_SPARK_WAREHOUSE"
# A Spark Connect server's address (`sc://host:port`): Spark through it, not a local session.
SPARK_REMOTE_ENV = "SPARK_REMOTE"
DEFAULT_SOURCE_SCHEMA = "landing"
# The profile's default, resolved against the project: dbt reads it relative to its cwd.
DEFAULT_SPARK_WAREHOUSE = PROJECT_DIR / "target" / "spark"


def target_from_env() -> Target:
    """The target CONVERSIONS_TARGET names (default duckdb); a clear error for any other word."""
    value = os.environ.get(TARGET_ENV, Target.DUCKDB.value)
    try:
        return Target(value)
    except ValueError:
        known = ", ".join(target.value for target in Target)
        raise ValueError(f"{TARGET_ENV}={value!r} is not a target; use one of {known}") from None


def source_schema() -> str:
    """The schema (Spark: database) holding the landing tables on Postgres and Spark."""
    return os.environ.get(SOURCE_SCHEMA_ENV, DEFAULT_SOURCE_SCHEMA)


def spark_warehouse() -> Path:
    """The folder of the Spark warehouse and its Derby metastore, absolute."""
    return Path(os.environ.get(SPARK_WAREHOUSE_ENV, str(DEFAULT_SPARK_WAREHOUSE))).resolve()


@contextmanager
def warehouse_env(
    landing_dir: Path | None, db_path: Path, target: Target = Target.DUCKDB
) -> Iterator[None]:
    """Point the shipped profile and sources at a target, a landing folder and a DuckDB file.

    Without a landing folder the landing tables in place are read (DuckDB too). The Spark
    warehouse is made absolute, so dbt (relative to its cwd) and this process agree.
    """
    wanted = {
        TARGET_ENV: target.value,
        DB_ENV: str(db_path.resolve()),
        SPARK_WAREHOUSE_ENV: str(spark_warehouse()),
    }
    if landing_dir is None:
        wanted[LANDING_SOURCE_ENV] = "tables"
    else:
        wanted[LANDING_SOURCE_ENV] = "files"
        wanted[LANDING_ENV] = str(landing_dir.resolve())
    saved = {key: os.environ.get(key) for key in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
