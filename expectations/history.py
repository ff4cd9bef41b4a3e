"""The conversion history: every conversion a successful check has seen, kept across builds.

A conversion once recorded must never change or disappear (contract rules 2 and 8), so each
successful `goalline check` appends the conversions it has not seen yet, and the
no_retroactive_conversions family compares every earlier row with marts.fct_conversions.
The table lives next to dbt's audit models; dbt never drops a relation it does not own.

On Postgres and Spark the table lives in the target too: the check runs on an in-memory DuckDB
copy of the marts and the history, and the conversions it has not seen yet are appended to the
target's table (`append_to_target`).
"""

import tempfile
from pathlib import Path

import duckdb

from goalline.connections import postgres_connection, postgres_copy_csv, spark_session
from goalline.targets import Target

HISTORY_TABLE = "audit.conversion_history"

_CREATE = f"""
create table if not exists {HISTORY_TABLE} (
    conversion_id varchar primary key,
    journey_id varchar not null,
    converted_at timestamp not null,
    credited_delivery_id varchar,
    goal_version integer,
    recorded_at timestamp not null
)"""

_NEW_CONVERSIONS = f"""
select
    conversions.conversion_id,
    conversions.journey_id,
    conversions.converted_at,
    conversions.credited_delivery_id,
    conversions.goal_version,
    now() at time zone 'UTC' as recorded_at
from marts.fct_conversions as conversions
where not exists (
    select 1 from {HISTORY_TABLE} as history
    where history.conversion_id = conversions.conversion_id
)"""

_SPARK_CREATE = f"""
create table if not exists {HISTORY_TABLE} (
    conversion_id string,
    journey_id string,
    converted_at timestamp,
    credited_delivery_id string,
    goal_version int,
    recorded_at timestamp
) using parquet"""

# What append_to_target reads from the target.
HISTORY_RELATIONS = ("marts.fct_conversions", HISTORY_TABLE)
HISTORY_COLUMNS = (
    "conversion_id",
    "journey_id",
    "converted_at",
    "credited_delivery_id",
    "goal_version",
    "recorded_at",
)


def record_conversion_history(connection: duckdb.DuckDBPyConnection) -> int:
    """Create the history table if needed and append unseen conversions; returns how many."""
    connection.execute("create schema if not exists audit")
    connection.execute(_CREATE)
    before = _count(connection)
    connection.execute(f"insert into {HISTORY_TABLE} {_NEW_CONVERSIONS}")
    return _count(connection) - before


def append_to_target(copy: duckdb.DuckDBPyConnection, target: Target) -> int:
    """Append the conversions the target's history lacks; returns how many.

    `copy` is an in-memory DuckDB holding the target's marts.fct_conversions and, once it
    exists, its audit.conversion_history.
    """
    copy.execute("create schema if not exists audit")
    copy.execute(_CREATE)
    suffix = "csv" if target is Target.POSTGRES else "parquet"
    with tempfile.TemporaryDirectory(prefix="goalline_history_") as scratch:
        path = Path(scratch) / f"new_conversions.{suffix}"
        options = "(format csv, header false)" if suffix == "csv" else "(format parquet)"
        row = copy.execute(f"copy ({_NEW_CONVERSIONS}) to '{path}' {options}").fetchone()
        added = int(row[0]) if row else 0
        if target is Target.POSTGRES:
            connection = postgres_connection()
            try:
                with connection, connection.cursor() as cursor:
                    cursor.execute("create schema if not exists audit")
                    cursor.execute(_CREATE)
                    postgres_copy_csv(cursor, HISTORY_TABLE, HISTORY_COLUMNS, path)
            finally:
                connection.close()
        else:
            session = spark_session()
            session.sql("create database if not exists audit")
            session.sql(_SPARK_CREATE)
            session.read.parquet(str(path)).write.insertInto(HISTORY_TABLE)
    return added


def _count(connection: duckdb.DuckDBPyConnection) -> int:
    row = connection.execute(f"select count(*) from {HISTORY_TABLE}").fetchone()
    return int(row[0]) if row else 0
