"""`goalline load`: a landing folder into the landing tables of Postgres or Spark.

DuckDB reads each table's files exactly as the DuckDB build does (macros/landing/read_landing.sql):
every file of the table, columns matched by name, every contract column as text, a column missing
from every file as null, a missing required column an error naming the file and the column, and
`landing_file` naming the file of each row.

The load is incremental (contract section 5, Engines): the table
`<source_schema>.goalline_loaded_files` records every file taken in (table, file, size, content
hash, rows, when). A file whose name and hash are recorded is skipped, a recorded file with another
hash has its rows replaced, a new file is appended: a daily load costs the day's files, not the
history. A recorded file of the recorded size last modified before the load that took it began
(MTIME_SLACK_SECONDS earlier) is not read again to hash it, as make and rsync trust a file's size
and time: hashing every file on every load read the whole history. Files are matched by name, as the
build's landing manifest matches them: the same folder mounted elsewhere, or copied to another path,
is the same files (their rows keep the path they were loaded from), not a second copy of every row.
A table created anew (first load, or its columns changed) takes every file. A file gone from the
folder keeps its rows (nothing landed is dropped silently; --full-refresh does not clear them
either: drop the schema to start over). Spark keeps the same manifest as a parquet table.
"""

import hashlib
import itertools
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from goalline.connections import postgres_connection, postgres_copy_csv, spark_session
from goalline.landing import (
    LandingError,
    LandingTable,
    contract_tables,
    file_reader,
    file_schema,
    sql_literal,
    table_files,
    text_expression,
    validate_landing_dir,
)
from goalline.targets import Target, source_schema

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

FILE_COLUMN = "landing_file"
MANIFEST_TABLE = "goalline_loaded_files"
MANIFEST_COLUMNS = (
    ("table_name", "text"),
    ("landing_file", "text"),
    ("size_bytes", "bigint"),
    ("content_hash", "text"),
    ("row_count", "bigint"),
    ("loaded_at", "timestamptz"),
)


@dataclass(frozen=True)
class LandingFile:
    """One landing file as the manifest knows it; `name` is its landing_file value."""

    name: str
    size: int
    content_hash: str


@dataclass
class LoadedTable:
    name: str
    columns: tuple[str, ...]
    path: Path
    rows: int
    files: list[LandingFile] = field(default_factory=list)
    # Rows per file of this load, read back from the staged copy for the manifest.
    file_rows: dict[str, int] = field(default_factory=dict)
    # The landing_file values whose rows and manifest entries this load replaces: the files'
    # own paths and the paths their names were loaded from before.
    replaced: list[str] = field(default_factory=list)


# Coarse file systems keep modification times to the second or two (FAT): a file written just
# before a load began may carry a time a little earlier than its writing.
MTIME_SLACK_SECONDS = 2.0


@dataclass(frozen=True)
class TakenFile:
    """A manifest entry: the path a file's rows were loaded from, its size and content hash then,
    and when the load that took it began (seconds since the epoch)."""

    landing_file: str
    content_hash: str
    size: int
    loaded_at: float


# (table, file name) -> the file as loaded
Taken = dict[tuple[str, str], TakenFile]


def landing_file(path: Path) -> LandingFile:
    digest = hashlib.md5()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    # The name DuckDB's `filename` gives the rows of this file (the folder is resolved first).
    return LandingFile(str(path), path.stat().st_size, digest.hexdigest())


def landing_query(landing_dir: Path, table: LandingTable) -> str:
    """DuckDB SQL over all of the table's files: contract columns and landing_file, all varchar."""
    return files_query(table_files(landing_dir, table.name), table)


def files_query(paths: list[Path], table: LandingTable) -> str:
    """DuckDB SQL over the given files of one table: contract columns and landing_file, all varchar.

    Parquet files are read in groups of identical schema, each cast to text on its own: one
    reader over files that disagree on a column's type would cast them to a common type first,
    which fails or changes the text (see macros/landing/read_landing.sql).
    """
    groups: dict[str, tuple[dict[str, str], list[Path]]] = {}
    for path in paths:
        schema = file_schema(path)
        missing = [column for column in table.required if column not in schema]
        if missing:
            raise LandingError(f"landing file {path} is missing required column '{missing[0]}'")
        key = "csv" if path.suffix == ".csv" else repr(sorted(schema.items()))
        merged, files = groups.setdefault(key, ({}, []))
        merged.update(schema)
        files.append(path)
    branches = []
    for schema, files in groups.values():
        selected = [
            f"{text_expression(column, schema[column])} as {column}"
            if column in schema
            else f"cast(null as varchar) as {column}"
            for column in table.columns
        ]
        branches.append(
            f"select {', '.join(selected)}, filename as {FILE_COLUMN} from {file_reader(files)}"
        )
    if not branches:
        nulls = ", ".join(f"cast(null as varchar) as {c}" for c in (*table.columns, FILE_COLUMN))
        return f"select {nulls} where false"
    return "\nunion all\n".join(branches)


def load_landing(landing_dir: Path, target: Target) -> dict[str, int]:
    """Bring the twelve landing tables of the target up to the folder's files; rows taken in per
    table (only those of new or changed files)."""
    if target is Target.DUCKDB:
        raise ValueError("DuckDB reads the landing folder itself: nothing to load")
    validate_landing_dir(landing_dir)
    # Before any file is read: a file modified after this is read again by the next load.
    started = datetime.now(UTC)
    landing_dir = landing_dir.resolve()
    schema = source_schema()
    session = None if target is Target.POSTGRES else spark_session()
    # Spark: found once, for the manifest and for the load (a `describe` per table).
    intact = set() if session is None else spark_intact_tables(session, schema)
    taken = (
        postgres_manifest(schema) if session is None else spark_manifest(session, schema, intact)
    )
    # A file whose name and content are recorded is already in its table.
    wanted = {
        table.name: [
            current
            for path in table_files(landing_dir, table.name)
            if (current := to_load(taken.get((table.name, path.name)), path)) is not None
        ]
        for table in contract_tables()
    }
    with tempfile.TemporaryDirectory(prefix="goalline_load_") as scratch:
        if session is None:
            loaded = stage_files(wanted, taken, "csv", Path(scratch))
            load_postgres(schema, loaded, started)
        else:
            loaded = stage_files(wanted, taken, "parquet", Path(scratch))
            load_spark(session, schema, loaded, Path(scratch), started, intact)
    return {table.name: table.rows for table in loaded}


def to_load(recorded: TakenFile | None, path: Path) -> LandingFile | None:
    """The file as it is now when it must be loaded (new, or another content than recorded), else
    None. Hashed once, and not at all when it has the recorded size and was last modified before
    the load that took it began."""
    if recorded is not None:
        status = path.stat()
        old = status.st_mtime < recorded.loaded_at - MTIME_SLACK_SECONDS
        if status.st_size == recorded.size and old:
            return None
    current = landing_file(path)
    if recorded is not None and current.content_hash == recorded.content_hash:
        return None
    return current


def stage_files(
    wanted: dict[str, list[LandingFile]], taken: Taken, file_format: str, scratch: Path
) -> list[LoadedTable]:
    """Each table's wanted files as one DuckDB-written file in scratch (text columns)."""
    options = "(format csv, header false)" if file_format == "csv" else "(format parquet)"
    loaded = []
    with duckdb.connect() as db:
        # Typed timestamps become UTC text, as in the DuckDB build (the profile's TimeZone).
        db.execute("set TimeZone = 'UTC'")
        for table in contract_tables():
            files = wanted[table.name]
            paths = [Path(file.name) for file in files]
            # Unique: Spark's `load data` keeps the name in the table's folder, beside other loads.
            path = scratch / f"{table.name}-{uuid.uuid4().hex}.{file_format}"
            query = files_query(paths, table)
            rows = db.execute(f"copy ({query}) to {sql_literal(str(path))} {options}").fetchone()
            # A file with no rows is recorded too, so it is not read again.
            counted = dict.fromkeys((str(p) for p in paths), 0)
            counted.update(
                db.execute(f"select {FILE_COLUMN}, count(*) from ({query}) group by all").fetchall()
            )
            loaded.append(
                LoadedTable(
                    table.name,
                    (*table.columns, FILE_COLUMN),
                    path,
                    int(rows[0]) if rows else 0,
                    files,
                    counted,
                    replaced_files(table.name, paths, taken),
                )
            )
    return loaded


def replaced_files(table_name: str, paths: list[Path], taken: Taken) -> list[str]:
    """The landing_file values a load of paths replaces: their own, and where their names were
    loaded from before (another folder)."""
    earlier = [taken[key].landing_file for p in paths if (key := (table_name, p.name)) in taken]
    return sorted({*(str(p) for p in paths), *earlier})


def manifest_entries(rows: list[tuple[str, str, str, int, float]], intact: set[str]) -> Taken:
    """The manifest's (table, landing_file, content_hash, size_bytes, loaded_at as epoch seconds)
    rows keyed by table and file name, for the tables still intact."""
    return {
        (table, Path(path).name): TakenFile(path, digest, size, loaded_at)
        for table, path, digest, size, loaded_at in rows
        if table in intact
    }


def postgres_manifest(schema: str) -> Taken:
    """Every file the Postgres landing tables hold, by table and file name.

    Only tables that exist with the contract's columns count: one that must be created again
    (load_postgres) takes every file, whatever the manifest says.
    """
    current = {table.name: [*table.columns, FILE_COLUMN] for table in contract_tables()}
    connection = postgres_connection()
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute("select to_regclass(%s)", (f'"{schema}"."{MANIFEST_TABLE}"',))
            if cursor.fetchone()[0] is None:
                return {}
            cursor.execute(
                "select table_name, array_agg(column_name::text order by ordinal_position)"
                " from information_schema.columns where table_schema = %s group by table_name",
                (schema,),
            )
            intact = {name for name, columns in cursor.fetchall() if current.get(name) == columns}
            cursor.execute(
                "select table_name, landing_file, content_hash, size_bytes,"
                f' extract(epoch from loaded_at)::float8 from "{schema}"."{MANIFEST_TABLE}"'
            )
            return manifest_entries(cursor.fetchall(), intact)
    finally:
        connection.close()


def load_postgres(schema: str, tables: list[LoadedTable], started: datetime) -> None:
    """One transaction: each table's new and changed files in, recorded in the manifest, or
    nothing changes.

    A table with the contract's columns keeps its rows but those of the files loaded now (a
    changed file's earlier rows go). A table with other columns, or none, is dropped (with the
    lnd_ views dbt built on it) and created again with every file (postgres_manifest ignores
    its manifest rows, which are dropped here).
    """
    manifest = f'"{schema}"."{MANIFEST_TABLE}"'
    connection = postgres_connection()
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(f'create schema if not exists "{schema}"')
            columns = ", ".join(f"{name} {kind}" for name, kind in MANIFEST_COLUMNS)
            cursor.execute(f"create table if not exists {manifest} ({columns})")
            for table in tables:
                relation = f'"{schema}"."{table.name}"'
                cursor.execute(
                    "select column_name from information_schema.columns"
                    " where table_schema = %s and table_name = %s order by ordinal_position",
                    (schema, table.name),
                )
                if tuple(row[0] for row in cursor.fetchall()) != table.columns:
                    cursor.execute(f"delete from {manifest} where table_name = %s", (table.name,))
                    columns = ", ".join(f'"{column}" text' for column in table.columns)
                    cursor.execute(f"drop table if exists {relation} cascade")
                    cursor.execute(f"create table {relation} ({columns})")
                if not table.files:
                    # Nothing new: its delete would still scan the table (the twelve took about
                    # 1.1 s a load at 9.4M rows).
                    continue
                names = table.replaced
                cursor.execute(f'delete from {relation} where "{FILE_COLUMN}" = any(%s)', (names,))
                cursor.execute(
                    f"delete from {manifest} where table_name = %s and landing_file = any(%s)",
                    (table.name, names),
                )
                postgres_copy_csv(cursor, relation, table.columns, table.path)
                for file in table.files:
                    cursor.execute(
                        f"insert into {manifest} values (%s, %s, %s, %s, %s, %s)",
                        (
                            table.name,
                            file.name,
                            file.size,
                            file.content_hash,
                            table.file_rows[file.name],
                            started,
                        ),
                    )
            # Fresh statistics: the build's first queries read these tables.
            if any(table.files for table in tables):
                cursor.execute(f"analyze {manifest}")
    finally:
        connection.close()


def spark_intact(session: "SparkSession", relation: str, columns: tuple[str, ...]) -> bool:
    """The Spark table exists as a Hive parquet table with these columns (else it is written
    anew): `load data` adds files only to Hive tables, and tables of earlier loads were Spark's
    own parquet tables."""
    if not session.catalog.tableExists(relation):
        return False
    described = [
        tuple(row)[:2] for row in session.sql(f"describe table extended {relation}").collect()
    ]
    # The columns come first, up to a blank row or the first "# Detailed ..." heading.
    listed = itertools.takewhile(lambda row: row[0] and not row[0].startswith("#"), described)
    return tuple(name for name, _ in listed) == columns and ("Provider", "hive") in described


def spark_intact_tables(session: "SparkSession", schema: str) -> set[str]:
    """The contract tables whose Spark landing table is intact (spark_intact)."""
    return {
        table.name
        for table in contract_tables()
        if spark_intact(session, f"`{schema}`.`{table.name}`", (*table.columns, FILE_COLUMN))
    }


def spark_manifest(session: "SparkSession", schema: str, intact: set[str]) -> Taken:
    """Every file the Spark landing tables hold, by table and file name; as on Postgres, only
    the intact tables count."""
    manifest = f"`{schema}`.`{MANIFEST_TABLE}`"
    if not session.catalog.tableExists(manifest):
        return {}
    rows = (
        session.table(manifest)
        .selectExpr(
            "table_name",
            "landing_file",
            "content_hash",
            "size_bytes",
            "cast(loaded_at as double)",
        )
        .collect()
    )
    return manifest_entries([tuple(row) for row in rows], intact)


def load_spark(
    session: "SparkSession",
    schema: str,
    tables: list[LoadedTable],
    scratch: Path,
    started: datetime,
    intact_tables: set[str],
) -> None:
    """Each table's new files added as the parquet file DuckDB staged (tables of strings);
    intact_tables are those spark_intact found as they are, the others are created anew.

    The landing tables are Hive parquet tables, so `load data` copies the staged file into the
    table's folder: no Spark job reads and writes the rows again (about 15 s of a 2.8M-row first
    load). Parquet tables have no `delete`: a table holding rows of a file loaded now (a changed
    file) is written anew from its other rows, copied to scratch first (Spark cannot overwrite a
    table it reads), and the loaded files. The manifest is written last: a load stopped before it
    leaves rows of unrecorded files, which the next load finds in the table and replaces.
    """
    from pyspark.sql.functions import col

    manifest = f"`{schema}`.`{MANIFEST_TABLE}`"
    session.sql(f"create database if not exists `{schema}`")
    recorded = (
        [tuple(row) for row in session.table(manifest).collect()]
        if session.catalog.tableExists(manifest)
        else []
    )
    entries = []
    written = False
    for table in tables:
        relation = f"`{schema}`.`{table.name}`"
        intact = table.name in intact_tables
        if intact and not table.files:
            continue
        written = True
        names = table.replaced
        add_file = f"load data local inpath {sql_literal(str(table.path))} into table {relation}"
        if not intact:
            recorded = [row for row in recorded if row[0] != table.name]
            columns = ", ".join(f"`{column}` string" for column in table.columns)
            session.sql(f"drop table if exists {relation}")
            session.sql(f"create table {relation} ({columns}) stored as parquet")
            session.sql(add_file)
        elif not session.table(relation).where(col(FILE_COLUMN).isin(names)).limit(1).count():
            session.sql(add_file)
        else:
            kept = scratch / f"{table.name}_kept"
            session.table(relation).where(~col(FILE_COLUMN).isin(names)).write.parquet(str(kept))
            rewritten = session.read.parquet(str(kept)).unionByName(
                session.read.parquet(str(table.path))
            )
            rewritten.select(*table.columns).write.insertInto(relation, overwrite=True)
        recorded = [
            row for row in recorded if (row[0], row[1]) not in {(table.name, n) for n in names}
        ]
        entries += [
            (
                table.name,
                file.name,
                file.size,
                file.content_hash,
                table.file_rows[file.name],
                started,
            )
            for file in table.files
        ]
    if not written:
        # Nothing new: rewriting the manifest as it was would cost a Spark job and its files.
        return
    columns = ", ".join(
        f"{name} {'timestamp' if kind == 'timestamptz' else 'string' if kind == 'text' else kind}"
        for name, kind in MANIFEST_COLUMNS
    )
    session.createDataFrame(recorded + entries, schema=columns).write.mode("overwrite").format(
        "parquet"
    ).saveAsTable(manifest)
