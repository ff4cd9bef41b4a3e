"""`goalline load`: a landing folder into the landing tables of Postgres or Spark.

DuckDB reads each table's files exactly as the DuckDB build does (macros/landing/read_landing.sql):
every file of the table, columns matched by name, every contract column as text, a column missing
from every file as null, a missing required column an error naming the file and the column, and
`landing_file` naming the file of each row. The result replaces `<source_schema>.<table>`; all
twelve tables are written, a table without files as an empty one.
"""

import tempfile
from dataclasses import dataclass
from pathlib import Path

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

FILE_COLUMN = "landing_file"


@dataclass(frozen=True)
class LoadedTable:
    name: str
    columns: tuple[str, ...]
    path: Path
    rows: int


def landing_query(landing_dir: Path, table: LandingTable) -> str:
    """DuckDB SQL over the table's files: contract columns and landing_file, all varchar.

    Parquet files are read in groups of identical schema, each cast to text on its own: one
    reader over files that disagree on a column's type would cast them to a common type first,
    which fails or changes the text (see macros/landing/read_landing.sql).
    """
    groups: dict[str, tuple[dict[str, str], list[Path]]] = {}
    for path in table_files(landing_dir, table.name):
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
    """Replace the twelve landing tables of the target with the folder's rows; rows per table."""
    if target is Target.DUCKDB:
        raise ValueError("DuckDB reads the landing folder itself: nothing to load")
    validate_landing_dir(landing_dir)
    landing_dir = landing_dir.resolve()
    file_format = "csv" if target is Target.POSTGRES else "parquet"
    options = "(format csv, header false)" if file_format == "csv" else "(format parquet)"
    with tempfile.TemporaryDirectory(prefix="goalline_load_") as scratch, duckdb.connect() as db:
        # Typed timestamps become UTC text, as in the DuckDB build (the profile's TimeZone).
        db.execute("set TimeZone = 'UTC'")
        loaded = []
        for table in contract_tables():
            path = Path(scratch) / f"{table.name}.{file_format}"
            query = landing_query(landing_dir, table)
            rows = db.execute(f"copy ({query}) to {sql_literal(str(path))} {options}").fetchone()
            columns = (*table.columns, FILE_COLUMN)
            loaded.append(LoadedTable(table.name, columns, path, int(rows[0]) if rows else 0))
        if target is Target.POSTGRES:
            load_postgres(source_schema(), loaded)
        else:
            load_spark(source_schema(), loaded)
    return {table.name: table.rows for table in loaded}


def load_postgres(schema: str, tables: list[LoadedTable]) -> None:
    """One transaction: every table replaced with COPY from DuckDB's CSV, or nothing changes.

    A table with the same columns is truncated rather than dropped, so the lnd_ views dbt built
    on it stay; one with other columns is dropped (with those views) and created again.
    """
    connection = postgres_connection()
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(f'create schema if not exists "{schema}"')
            for table in tables:
                cursor.execute(
                    "select column_name from information_schema.columns"
                    " where table_schema = %s and table_name = %s order by ordinal_position",
                    (schema, table.name),
                )
                relation = f'"{schema}"."{table.name}"'
                if tuple(row[0] for row in cursor.fetchall()) == table.columns:
                    cursor.execute(f"truncate table {relation}")
                else:
                    columns = ", ".join(f'"{column}" text' for column in table.columns)
                    cursor.execute(f"drop table if exists {relation} cascade")
                    cursor.execute(f"create table {relation} ({columns})")
                postgres_copy_csv(cursor, relation, table.columns, table.path)
    finally:
        connection.close()


def load_spark(schema: str, tables: list[LoadedTable]) -> None:
    """Each table written by Spark from DuckDB's parquet file: a managed table of strings."""
    session = spark_session()
    session.sql(f"create database if not exists `{schema}`")
    for table in tables:
        frame = session.read.parquet(str(table.path))
        frame.write.mode("overwrite").format("parquet").saveAsTable(f"`{schema}`.`{table.name}`")
