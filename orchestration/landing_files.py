"""Reads the landing folder directly with duckdb (not the warehouse): what files are there, how
many rows they hold and the newest processing time they carry.

Used by the landing observations (asset metadata) and by the new-files sensor (which processing
days a batch of new files touches).
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from goalline.landing import contract_tables, table_files

# The column each table's rows are batched on, as the `daily` staging models read it
# (macros/incremental.sql callers); configuration tables are rebuilt whole and have none but a
# creation or validity time, shown for freshness.
PROCESSING_TIME_SQL: dict[str, str] = {
    "deliveries": "created_at",
    "metrics": "created_at",
    "subjects": "coalesce(created_at, started_campaign_at)",
    "outputs": "created_at",
    "people": "coalesce(updated_at, created_at)",
    "attributes": "timestamp",
    "events": "received_at",
    "segment_memberships": "occurred_at",
    "campaigns": "created_at",
    "goal_versions": "valid_from",
}


@dataclass(frozen=True)
class LandedFile:
    path: Path
    mtime_ns: int
    size: int

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class TableObservation:
    table: str
    files: tuple[LandedFile, ...]
    rows: int
    newest_processing_at: datetime | None

    @property
    def fingerprint(self) -> str:
        """Changes whenever a file is added, removed, rewritten or touched."""
        digest = hashlib.sha256()
        for landed in self.files:
            digest.update(f"{landed.name}:{landed.mtime_ns}:{landed.size};".encode())
        return digest.hexdigest()[:16]


def table_names() -> list[str]:
    return [table.name for table in contract_tables()]


def landed_files(landing_dir: Path, table: str) -> tuple[LandedFile, ...]:
    found = []
    for path in table_files(landing_dir, table):
        stat = path.stat()
        found.append(LandedFile(path, stat.st_mtime_ns, stat.st_size))
    return tuple(found)


def all_landed_files(landing_dir: Path) -> list[LandedFile]:
    return [landed for table in table_names() for landed in landed_files(landing_dir, table)]


def _reader(path: Path) -> str:
    quoted = str(path).replace("'", "''")
    if path.suffix == ".parquet":
        return f"read_parquet('{quoted}')"
    return f"read_csv('{quoted}', header = true, all_varchar = true)"


def _as_timestamp(expression: str) -> str:
    """Landing text (ISO, with or without offset, or epoch seconds) or a parquet timestamp."""
    text = f"cast({expression} as varchar)"
    return (
        f"coalesce(try_cast(try_cast({text} as timestamptz) at time zone 'UTC' as timestamp), "
        f"case when regexp_full_match({text}, '[0-9]{{9,10}}') "
        f"then make_timestamp(cast({text} as bigint) * 1000000) end)"
    )


def processing_times(
    connection: duckdb.DuckDBPyConnection, table: str, files: Iterable[LandedFile]
) -> tuple[int, datetime | None, datetime | None]:
    """Rows, earliest and newest processing time over the given files of one table.

    A file without the processing column (it would fail the build with a clear error) or with
    unparseable values (quarantined by staging) contributes its rows but no time.
    """
    rows, earliest, newest = 0, None, None
    column = PROCESSING_TIME_SQL.get(table)
    for landed in files:
        reader = _reader(landed.path)
        try:
            if column is None:
                raise duckdb.BinderException("no processing column")
            count, low, high = connection.execute(
                f"select count(*), min({_as_timestamp(column)}), max({_as_timestamp(column)}) "
                f"from {reader}"
            ).fetchone()
        except duckdb.BinderException:
            count, low, high = connection.execute(
                f"select count(*), null, null from {reader}"
            ).fetchone()
        rows += int(count)
        if low is not None and (earliest is None or low < earliest):
            earliest = low
        if high is not None and (newest is None or high > newest):
            newest = high
    return rows, earliest, newest


def observe_table(landing_dir: Path, table: str) -> TableObservation:
    files = landed_files(landing_dir, table)
    with duckdb.connect() as connection:
        rows, _, newest = processing_times(connection, table, files)
    return TableObservation(table, files, rows, newest)


def processing_span(files: Iterable[LandedFile]) -> tuple[datetime, datetime] | None:
    """Earliest and newest processing time over files of any tables; None when they carry none."""
    by_table: dict[str, list[LandedFile]] = {}
    names = sorted(table_names(), key=len, reverse=True)
    for landed in files:
        # Longest prefix first: `segment_memberships*` must not be read as another table.
        table = next((name for name in names if landed.name.startswith(name)), None)
        if table is not None:
            by_table.setdefault(table, []).append(landed)
    earliest, newest = None, None
    with duckdb.connect() as connection:
        for table, table_files_ in by_table.items():
            _, low, high = processing_times(connection, table, table_files_)
            if low is not None and (earliest is None or low < earliest):
                earliest = low
            if high is not None and (newest is None or high > newest):
                newest = high
    if earliest is None or newest is None:
        return None
    return earliest, newest
