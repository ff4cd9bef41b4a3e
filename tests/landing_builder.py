"""Writes small landing folders from Python rows, for scenario tests."""

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from goalline.landing import contract_tables

COLUMNS = {table.name: table.columns for table in contract_tables()}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


class Landing:
    """Rows per landing table; `write` lays them out as one csv file per table."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def add(self, table: str, **row: Any) -> "Landing":
        if table not in COLUMNS:
            raise KeyError(f"unknown landing table {table}")
        unknown = set(row) - set(COLUMNS[table])
        if unknown:
            raise KeyError(f"{table} has no column(s) {sorted(unknown)}")
        self.rows[table].append(row)
        return self

    def extend(self, other: "Landing") -> "Landing":
        for table, rows in other.rows.items():
            self.rows[table].extend(rows)
        return self

    def write(self, landing_dir: Path) -> Path:
        landing_dir.mkdir(parents=True, exist_ok=True)
        for table, columns in COLUMNS.items():
            path = landing_dir / f"{table}_000001.csv"
            with path.open("w", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(columns)
                for row in self.rows.get(table, []):
                    writer.writerow([_text(row.get(column)) for column in columns])
        return landing_dir
