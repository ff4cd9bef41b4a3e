"""Deterministic demo landing data, written in the contract's landing shape.

`write_demo_landing` writes the workspace simulated by `goalline.demo_world` (three campaigns and a
newsletter over six weeks; see that module) as several parquet and csv files per table, with the
duplicate, re-sent and bad rows a real export carries. The same seed always gives byte-identical
files, so the shipped `demo/landing/` can be checked against the generator.
"""

import csv
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from goalline.demo_world import WORKSPACE, simulate
from goalline.landing import contract_tables

MARKER = "# goalline demo landing data"

TIMESTAMP_COLUMNS = {
    "created_at",
    "updated_at",
    "started_campaign_at",
    "timestamp",
    "received_at",
    "occurred_at",
    "valid_from",
}
INTEGER_COLUMNS = {"seq_num", "version", "window_days", "split_test_index", "branch_index"}
BOOLEAN_COLUMNS = {"deleted", "suppressed", "draft", "link_tracked", "webhook_conversions_enabled"}

# --- files -------------------------------------------------------------------------------------

# Per table: how many parquet parts the main rows are split into (0 = one csv file instead).
PARQUET_PARTS = {
    "deliveries": 3,
    "metrics": 2,
    "subjects": 1,
    "outputs": 1,
    "people": 1,
    "attributes": 0,
    "events": 2,
    "segment_memberships": 0,
    "campaigns": 0,
    "campaign_actions": 0,
    "goal_versions": 0,
    "branch_paths": 0,
}
# Tables whose extra rows go to parquet (typed) rather than csv; they hold no bad rows.
PARQUET_EXTRAS = {"campaigns"}


def _arrow_type(column: str) -> pa.DataType:
    if column in TIMESTAMP_COLUMNS:
        return pa.timestamp("us", tz="UTC")
    if column in INTEGER_COLUMNS:
        return pa.int64()
    if column in BOOLEAN_COLUMNS:
        return pa.bool_()
    return pa.string()


def _text(value: Any, epoch_seconds: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if epoch_seconds:
            return str(int(value.timestamp()))
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def _write_parquet(path: Path, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    schema = pa.schema([(column, _arrow_type(column)) for column in columns])
    table = pa.Table.from_pylist([{c: row.get(c) for c in columns} for row in rows], schema=schema)
    pq.write_table(table, path, compression="zstd")


def _write_csv(
    path: Path, columns: tuple[str, ...], rows: list[dict[str, Any]], epoch_seconds: bool = False
) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_text(row.get(column), epoch_seconds) for column in columns])


def _chunks(rows: list[dict[str, Any]], parts: int) -> list[list[dict[str, Any]]]:
    size = -(-len(rows) // parts)
    return [rows[index : index + size] for index in range(0, len(rows), size)]


def _clear(out_dir: Path) -> None:
    """Remove a previous demo's files; refuse to touch a folder that is not a demo folder."""
    readme = out_dir / "README.md"
    landed = [path for path in out_dir.iterdir() if path.suffix in {".csv", ".parquet"}]
    if landed and not (readme.exists() and readme.read_text().startswith(MARKER)):
        raise FileExistsError(
            f"{out_dir} holds landing files that the demo generator did not write; "
            "choose an empty folder for the demo"
        )
    for path in landed:
        path.unlink()


def write_demo_landing(out_dir: Path, seed: int = 7) -> dict[str, int]:
    """Write the demo landing folder for `seed`; returns the rows written per table.

    Existing demo files in out_dir are replaced; a folder holding other landing files is refused.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    _clear(out_dir)
    world = simulate(seed)
    written: dict[str, int] = {}
    for table in contract_tables():
        name, columns = table.name, table.columns
        rows, extra = world.rows[name], world.extra[name]
        stem = f"{name}_v4_{WORKSPACE}" if PARQUET_PARTS[name] else name
        if PARQUET_PARTS[name]:
            for number, chunk in enumerate(_chunks(rows, PARQUET_PARTS[name]), start=1):
                _write_parquet(out_dir / f"{stem}_{number:06d}.parquet", columns, chunk)
        else:
            _write_csv(out_dir / f"{stem}_000001.csv", columns, rows)
        if extra and name in PARQUET_EXTRAS:
            _write_parquet(out_dir / f"{stem}_resent.parquet", columns, extra)
        elif extra:
            # Re-sent metrics come from the platform's API in epoch seconds.
            _write_csv(
                out_dir / f"{stem}_resent.csv", columns, extra, epoch_seconds=name == "metrics"
            )
        written[name] = len(rows) + len(extra)
    (out_dir / "README.md").write_text(
        f"{MARKER} (seed {seed})\n\n"
        "Generated by `goalline.demo.write_demo_landing`; do not edit by hand.\n"
        "`uv run goalline demo` regenerates it; goalline/demo_world.py says what it holds.\n"
    )
    return written
