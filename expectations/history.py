"""The conversion history: every conversion a successful check has seen, kept across builds.

A conversion once recorded must never change or disappear (contract rules 2 and 8), so each
successful `goalline check` appends the conversions it has not seen yet, and the
no_retroactive_conversions family compares every earlier row with marts.fct_conversions.
The table lives next to dbt's audit models; dbt never drops a relation it does not own.
"""

import duckdb

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

_APPEND = f"""
insert into {HISTORY_TABLE}
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


def record_conversion_history(connection: duckdb.DuckDBPyConnection) -> int:
    """Create the history table if needed and append unseen conversions; returns how many."""
    connection.execute("create schema if not exists audit")
    connection.execute(_CREATE)
    before = _count(connection)
    connection.execute(_APPEND)
    return _count(connection) - before


def _count(connection: duckdb.DuckDBPyConnection) -> int:
    row = connection.execute(f"select count(*) from {HISTORY_TABLE}").fetchone()
    return int(row[0]) if row else 0
