"""Reading a built warehouse on any target: a query as an Arrow table, the relations of a schema,
and an in-memory DuckDB copy of some relations so DuckDB SQL (checks, summary, export) runs as is.

Postgres is reached through libpq's variables only (PGHOST, PGPORT, PGUSER, PGPASSWORD,
PGDATABASE); nothing here logs or stores them. Spark is the dbt profile's session: same warehouse,
metastore and settings, so in the process that ran dbt `getOrCreate` returns dbt's own session
(with SPARK_REMOTE, a Spark Connect server's: goalline/spark_server.py).
"""

import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import jinja2
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from goalline.paths import PROFILES_DIR
from goalline.targets import SPARK_REMOTE_ENV, Target

if TYPE_CHECKING:
    from psycopg2.extensions import connection as PgConnection
    from psycopg2.extensions import cursor as PgCursor
    from pyspark.sql import SparkSession

# Postgres type OIDs and their Arrow types; any other type is inferred from the values.
PG_TYPES: dict[int, pa.DataType] = {
    16: pa.bool_(),
    20: pa.int64(),
    21: pa.int16(),
    23: pa.int32(),
    700: pa.float32(),
    701: pa.float64(),
    25: pa.string(),
    1042: pa.string(),
    1043: pa.string(),
    114: pa.string(),
    3802: pa.string(),
    1082: pa.date32(),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
}


def postgres_connection() -> "PgConnection":
    """A psycopg2 connection from the libpq variables; json and jsonb arrive as text."""
    import psycopg2
    import psycopg2.extras

    connection = psycopg2.connect("")
    psycopg2.extras.register_default_json(connection, loads=lambda text: text)
    psycopg2.extras.register_default_jsonb(connection, loads=lambda text: text)
    return connection


def postgres_copy_csv(
    cursor: "PgCursor", relation: str, columns: Iterable[str], path: Path
) -> None:
    """COPY a header-less CSV file (DuckDB's: null unquoted-empty, '' quoted) into a relation."""
    column_list = ", ".join(f'"{column}"' for column in columns)
    with path.open() as stream:
        cursor.copy_expert(f"copy {relation} ({column_list}) from stdin with (format csv)", stream)


def target_errors(target: Target) -> tuple[type[Exception], ...]:
    """The exceptions reading the target raises when a relation or the server is not there."""
    if target is Target.POSTGRES:
        import psycopg2

        return (duckdb.Error, psycopg2.Error)
    if target is Target.SPARK:
        from pyspark.errors import PySparkException

        return (duckdb.Error, PySparkException)
    return (duckdb.Error,)


def spark_parameters(variables: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The Spark settings of the dbt profile's `spark` output, rendered with these environment
    variables (this process's by default)."""
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    environment.globals["env_var"] = lambda name, default=None: variables.get(name, default)
    environment.filters["as_number"] = lambda value: value
    rendered = environment.from_string((PROFILES_DIR / "profiles.yml").read_text()).render()
    output = yaml.safe_load(rendered)["goalline"]["outputs"]["spark"]
    parameters = {str(key): str(value) for key, value in output["server_side_parameters"].items()}
    # dbt-spark sets this on every session it opens (connections.py), whatever the profile says.
    parameters["spark.sql.ansi.enabled"] = "false"
    return parameters


def spark_session() -> "SparkSession":
    """The session dbt-spark's `session` method opens: Hive support and the profile's settings;
    with SPARK_REMOTE, a client of that Spark Connect server, whose settings are its own."""
    from pyspark.sql import SparkSession

    if os.environ.get(SPARK_REMOTE_ENV):
        return SparkSession.builder.getOrCreate()
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_parameters().items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    # Spark's INFO and WARN lines (metastore, "created concurrently") drown the CLI's output.
    session.sparkContext.setLogLevel("ERROR")
    return session


def read_arrow(target: Target, sql: str, db_path: Path) -> pa.Table:
    """The result of a query on the target; timestamps with a time zone become naive UTC."""
    if target is Target.DUCKDB:
        with duckdb.connect(str(db_path), read_only=True) as connection:
            table = connection.execute(sql).to_arrow_table()
    elif target is Target.POSTGRES:
        table = _postgres_arrow(sql)
    else:
        table = spark_session().sql(sql).toArrow()
    return _naive_utc(table)


def _postgres_arrow(sql: str) -> pa.Table:
    with postgres_connection() as connection, connection.cursor() as cursor:
        cursor.execute(sql)
        names = [column.name for column in cursor.description]
        types = [PG_TYPES.get(column.type_code) for column in cursor.description]
        rows = cursor.fetchall()
    connection.close()
    arrays = [_array([row[index] for row in rows], types[index]) for index in range(len(names))]
    return pa.Table.from_arrays(arrays, names=names)


def _array(values: list[Any], arrow_type: pa.DataType | None) -> pa.Array:
    array = pa.array(values, type=arrow_type)
    # A column of nulls only (numeric, say) has no type to infer; text is as good as any.
    return array.cast(pa.string()) if pa.types.is_null(array.type) else array


def _naive_utc(table: pa.Table) -> pa.Table:
    for index, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            column = pc.cast(table.column(index), pa.timestamp(field.type.unit))
            table = table.set_column(index, field.name, column)
    return table


def relation_names(target: Target, schema: str, db_path: Path) -> set[str]:
    """Tables and views of one schema (Spark: database) of the target; empty if it is missing."""
    if target is Target.SPARK:
        session = spark_session()
        if not session.catalog.databaseExists(schema):
            return set()
        return {table.name for table in session.catalog.listTables(schema)}
    if target is Target.DUCKDB and not db_path.is_file():
        return set()
    sql = f"select table_name from information_schema.tables where table_schema = '{schema}'" + (
        " and table_catalog = current_database()" if target is Target.DUCKDB else ""
    )
    return {str(name) for name in read_arrow(target, sql, db_path).column(0).to_pylist()}


def _schema_of(qualified_name: str) -> tuple[str, str]:
    schema, _, name = qualified_name.partition(".")
    if not name:
        raise ValueError(f"relation {qualified_name!r} is not schema.name")
    return schema, name


@contextmanager
def duckdb_copy(
    target: Target, db_path: Path, relations: Iterable[str]
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection that holds the relations under their own schema.name.

    On DuckDB: the file itself, read-only (all relations). Elsewhere: an in-memory database with
    a copy of each requested relation that exists in the target; missing ones are left out, so
    the caller's existence checks behave as on the file.
    """
    if target is Target.DUCKDB:
        connection = duckdb.connect(str(db_path), read_only=True)
    else:
        connection = duckdb.connect()
        connection.execute("set TimeZone = 'UTC'")
        copy_relations(connection, target, db_path, relations)
    try:
        yield connection
    finally:
        connection.close()


def copy_relations(
    connection: duckdb.DuckDBPyConnection, target: Target, db_path: Path, relations: Iterable[str]
) -> None:
    existing: dict[str, set[str]] = {}
    for qualified_name in sorted(set(relations)):
        schema, name = _schema_of(qualified_name)
        if schema not in existing:
            existing[schema] = relation_names(target, schema, db_path)
        if name not in existing[schema]:
            continue
        table = read_arrow(target, f"select * from {schema}.{name}", db_path)
        connection.execute(f'create schema if not exists "{schema}"')
        connection.register("copied_relation", table)
        connection.execute(f'create table "{schema}"."{name}" as select * from copied_relation')
        connection.unregister("copied_relation")
