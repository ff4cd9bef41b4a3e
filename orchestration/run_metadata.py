"""On-call metadata attached to each dbt materialization once the build has released the file.

The daily batch (one asset for every `daily` dbt node) gets its window, what each node did and
the rows of each base table.

Every model gets its row count (`dagster/row_count`, shown by the UI) and where it lives; the
marts also get the DuckDB path and a query to read them. fct_conversions carries the build
summary's table per campaign (journeys, conversions, rate, deliveries after exit); stg_quarantine
and fct_conversions (so the mart page tells the whole story) carry the quarantined rows by table
and reason. Both tables are the ones `goalline build` prints (goalline.summary). The landing
reconciliation (and fct_conversions) carries rows landed, staged, quarantined, superseded and
pending per table: rows of files no build has taken yet are pending, and a row lost from a file
the landing manifest took is overdue (which fails the run). Only on the DuckDB
target: on Postgres and Spark the events pass through unchanged.
"""

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from goalline.summary import CAMPAIGN_SQL, QUARANTINE_SQL, RECONCILIATION_SQL
from goalline.targets import Target
from orchestration.resources import Warehouse

CONVERSIONS_KEY = dg.AssetKey(["marts", "fct_conversions"])
QUARANTINE_KEY = dg.AssetKey(["staging", "stg_quarantine"])
RECONCILIATION_KEY = dg.AssetKey(["audit", "fct_landing_reconciliation"])


def _event_key(context: dg.AssetExecutionContext, event: Any) -> dg.AssetKey | None:
    if isinstance(event, dg.Output):
        return context.assets_def.keys_by_output_name.get(event.output_name)
    if isinstance(event, dg.MaterializeResult | dg.AssetMaterialization):
        return event.asset_key
    return None


def run_results(target_path: Path) -> list[dict[str, Any]]:
    """The node results of run_results.json (none if dbt did not get there)."""
    results_path = target_path / "run_results.json"
    if not results_path.exists():
        return []
    return list(json.loads(results_path.read_text()).get("results", []))


def markdown_table(columns: list[str], rows: Iterable[tuple]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _query_markdown(connection: duckdb.DuckDBPyConnection, sql: str) -> str:
    result = connection.execute(sql)
    columns = [column[0] for column in result.description]
    return markdown_table(columns, result.fetchall())


def relation_exists(connection: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    row = connection.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(row and row[0])


def metadata_for(
    connection: duckdb.DuckDBPyConnection, warehouse: Warehouse, key: dg.AssetKey
) -> dict[str, Any]:
    """Metadata of one built relation; empty when it is not a relation of the file (a test)."""
    if len(key.path) != 2:
        return {}
    schema, name = key.path
    if not relation_exists(connection, schema, name):
        return {}
    row = connection.execute(f'select count(*) from "{schema}"."{name}"').fetchone()
    metadata: dict[str, Any] = {
        "dagster/row_count": dg.MetadataValue.int(int(row[0]) if row else 0),
        "relation": dg.MetadataValue.text(f"{schema}.{name}"),
    }
    if schema == "marts":
        metadata["duckdb_file"] = dg.MetadataValue.path(str(warehouse.db))
        metadata["read_with"] = dg.MetadataValue.md(
            f'```sh\nduckdb -readonly {warehouse.db} "select * from {schema}.{name} limit 20"\n```'
        )
    if key == CONVERSIONS_KEY and relation_exists(connection, "marts", "fct_journeys"):
        metadata["conversions_per_campaign"] = dg.MetadataValue.md(
            _query_markdown(connection, CAMPAIGN_SQL)
        )
    if key in (CONVERSIONS_KEY, QUARANTINE_KEY) and relation_exists(
        connection, "staging", "stg_quarantine"
    ):
        metadata["quarantined_rows_by_reason"] = dg.MetadataValue.md(
            _query_markdown(connection, QUARANTINE_SQL)
        )
    if key in (CONVERSIONS_KEY, RECONCILIATION_KEY) and relation_exists(
        connection, "audit", "fct_landing_reconciliation"
    ):
        metadata.update(reconciliation_metadata(connection))
    return metadata


def reconciliation_metadata(connection: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    pending, overdue = connection.execute(
        "select sum(rows_pending), sum(rows_overdue) from audit.fct_landing_reconciliation"
    ).fetchone()
    return {
        "rows_pending": dg.MetadataValue.int(int(pending or 0)),
        "rows_overdue": dg.MetadataValue.int(int(overdue or 0)),
        "landing_reconciliation": dg.MetadataValue.md(
            _query_markdown(connection, RECONCILIATION_SQL)
        ),
    }


def materialization_metadata(
    context: dg.AssetExecutionContext, warehouse: Warehouse, events: list[Any]
) -> Iterator[Any]:
    """The dbt events, materializations enriched with metadata read over a read-only connection."""
    keys = [key for key in (_event_key(context, event) for event in events) if key is not None]
    extra: Mapping[dg.AssetKey, dict[str, Any]] = {}
    if keys and warehouse.engine is not Target.DUCKDB:
        # Row counts and tables would mean copying every built relation out of the server.
        context.log.info(f"no run metadata on target {warehouse.target}")
    elif keys and warehouse.db.is_file():
        try:
            with warehouse.read_only() as connection:
                extra = {key: metadata_for(connection, warehouse, key) for key in keys}
        except duckdb.Error as error:
            # Metadata is for humans: a file another process holds must not fail the build.
            context.log.warning(f"no run metadata: {error}")
    for event in events:
        key = _event_key(context, event)
        if key is not None and extra.get(key):
            merged = {**(event.metadata or {}), **extra[key]}
            if isinstance(event, dg.MaterializeResult):
                event = event._replace(metadata=merged)
            else:
                event = event.with_metadata(merged)
        yield event


def base_table_rows(warehouse: Warehouse) -> dict[str, int]:
    """Rows of every base table of the published DuckDB file (staging.base_*)."""
    with warehouse.read_only() as connection:
        tables = connection.execute(
            "select table_name from information_schema.tables where table_schema = 'staging' "
            "and table_type = 'BASE TABLE' and starts_with(table_name, 'base_') "
            "order by table_name"
        ).fetchall()
        return {
            f"staging.{name}": int(
                connection.execute(f'select count(*) from staging."{name}"').fetchone()[0]
            )
            for (name,) in tables
        }


def daily_batch_metadata(
    warehouse: Warehouse, target_path: Path, dbt_vars: Mapping[str, str] | None
) -> dict[str, Any]:
    """The batch's window, each model and seed dbt built with its status and seconds, how many
    tests passed and, on DuckDB, the rows of each base table."""
    window = (
        f"[{dbt_vars['processing_start']}, {dbt_vars['processing_end']}) UTC"
        if dbt_vars
        else "full refresh: every landed row"
    )
    results = run_results(target_path)
    nodes = [
        (r["unique_id"].split(".")[-1], r["unique_id"].split(".")[0], r["status"])
        + (round(float(r.get("execution_time") or 0), 2),)
        for r in results
        if not r["unique_id"].startswith("test.")
    ]
    metadata: dict[str, Any] = {
        "processing_window": dg.MetadataValue.text(window),
        "dbt_nodes": dg.MetadataValue.md(
            markdown_table(["node", "type", "status", "seconds"], nodes)
        ),
        "tests_passed": dg.MetadataValue.int(
            sum(1 for r in results if r["unique_id"].startswith("test.") and r["status"] == "pass")
        ),
    }
    if warehouse.engine is Target.DUCKDB and warehouse.db.is_file():
        try:
            metadata["rows_by_base_table"] = dg.MetadataValue.json(base_table_rows(warehouse))
        except duckdb.Error as error:
            # Metadata is for humans: a file another process holds must not fail the build.
            metadata["rows_by_base_table"] = dg.MetadataValue.text(f"not read: {error}")
    return metadata
