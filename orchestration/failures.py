"""What a failed dbt step tells on-call on the run's page: each failing model or test with dbt's
message, and for a failing test a few of the rows it found, queried before the working copy of
the DuckDB file is discarded (the published file never holds them).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from orchestration.run_metadata import markdown_table, run_results

SAMPLE_ROWS = 5


@dataclass(frozen=True)
class FailedNode:
    name: str
    resource_type: str
    status: str
    message: str
    compiled_code: str | None


def failed_nodes(target_path: Path) -> list[FailedNode]:
    """Nodes dbt reported as error or fail in run_results.json."""
    return [
        FailedNode(
            name=result["unique_id"].split(".")[-1],
            resource_type=result["unique_id"].split(".")[0],
            status=result["status"],
            message=(result.get("message") or "").strip(),
            compiled_code=result.get("compiled_code"),
        )
        for result in run_results(target_path)
        if result.get("status") in ("error", "fail")
    ]


def sample_rows(db: Path, node: FailedNode) -> str | None:
    """Up to SAMPLE_ROWS rows a failing test returned, as a markdown table, read from db."""
    if node.resource_type != "test" or not node.compiled_code or not db.is_file():
        return None
    sql = f"select * from ({node.compiled_code}) as failing limit {SAMPLE_ROWS}"
    try:
        with duckdb.connect(str(db), read_only=True) as connection:
            result = connection.execute(sql)
            columns = [column[0] for column in result.description]
            return markdown_table(columns, result.fetchall())
    except duckdb.Error as error:
        return f"(sample rows could not be read: {str(error).splitlines()[0]})"


def failure_details(target_path: Path, db: Path | None) -> tuple[str, dict[str, Any]]:
    """A one-line summary naming the failing nodes, and metadata with each one's message and,
    for tests on DuckDB (db given), sample rows."""
    nodes = failed_nodes(target_path)
    if not nodes:
        return "", {}
    sections = []
    for node in nodes:
        section = f"### {node.resource_type} `{node.name}` ({node.status})\n\n{node.message}"
        samples = sample_rows(db, node) if db is not None else None
        if samples:
            section += f"\n\nSample rows:\n\n{samples}"
        sections.append(section)
    summary = ", ".join(f"{node.resource_type} {node.name} ({node.status})" for node in nodes)
    metadata = {
        "failing_nodes": dg.MetadataValue.md("\n\n".join(sections)),
        "failing_node_names": [node.name for node in nodes],
    }
    return summary, metadata
