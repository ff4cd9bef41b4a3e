"""Where the code location reads and writes: target, landing folder, DuckDB file, Dagster home,
partitions.

Everything comes from environment variables with the same names the CLI and the dbt profile use
(CONVERSIONS_TARGET picks duckdb, postgres or spark), so a run worker started by the Dagster
daemon sees the same warehouse as the process that launched it.
"""

import os
from pathlib import Path

from goalline.paths import DEFAULT_DB_PATH, DEMO_LANDING_DIR, PROJECT_DIR
from goalline.targets import Target, target_from_env

LANDING_ENV = "CONVERSIONS_LANDING_DIR"
DB_ENV = "CONVERSIONS_DUCKDB_PATH"
PARTITIONS_START_ENV = "GOALLINE_PARTITIONS_START"
# The export of day D lands during the night; the daily schedule builds D at 06:00 UTC on D+1.
SCHEDULE_HOUR_UTC = 6
DEFAULT_PARTITIONS_START = "2025-01-01"
DEFAULT_DAGSTER_HOME = PROJECT_DIR / ".dagster_home"

# Every run that opens the DuckDB file (dbt builds, rule checks, the history writer) claims this
# pool; dagster.yaml of DAGSTER_HOME gives it one slot at run granularity (DuckDB: one writer).
DUCKDB_POOL = "goalline_duckdb"


def target() -> Target:
    return target_from_env()


def warehouse_pool() -> str | None:
    """The pool of ops that open the warehouse: DuckDB's one-writer pool, none for servers that
    take concurrent sessions (Postgres; Spark, a session per run process)."""
    return DUCKDB_POOL if target() is Target.DUCKDB else None


def landing_dir() -> Path:
    return Path(os.environ.get(LANDING_ENV, str(DEMO_LANDING_DIR))).resolve()


def db_path() -> Path:
    return Path(os.environ.get(DB_ENV, str(DEFAULT_DB_PATH))).resolve()


def partitions_start() -> str:
    """First processing day with a partition (YYYY-MM-DD); earlier rows need a full refresh."""
    return os.environ.get(PARTITIONS_START_ENV, DEFAULT_PARTITIONS_START)
