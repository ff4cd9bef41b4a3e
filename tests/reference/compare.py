"""Reads the dbt marts and the reference's rows into comparable per-example row sets."""

import re
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from goalline.connections import read_arrow
from goalline.targets import Target

from reference.landing import stage
from reference.rules import build_marts

# The columns compared per mart, and the key that names a row in a difference report.
COMPARED = {
    "fct_journeys": (
        "journey_id",
        [
            "journey_id",
            "campaign_id",
            "person_id",
            "started_at",
            "goal_version_at_start",
            "goal_met_at_start",
            "is_converted",
            "converted_at",
            "credited_delivery_id",
            "expected_exit_at",
            "exit_reason",
            "deliveries_sent",
            "deliveries_after_exit",
        ],
    ),
    "fct_conversions": (
        "journey_id",
        [
            "journey_id",
            "campaign_id",
            "person_id",
            "goal_version",
            "goal_type",
            "basis",
            "occurrence_id",
            "converted_at",
            "occurred_at_claimed",
            "credited_delivery_id",
            "credited_channel",
            "anchor_at",
            "seconds_to_convert",
        ],
    ),
    "fct_cross_journey_conversions": (
        "occurrence_id",
        [
            "occurrence_id",
            "person_id",
            "converted_at",
            "candidate_journeys",
            "credited_journey_id",
            "credited_campaign_id",
            "touch_delivery_id",
            "touch_at",
        ],
    ),
}
EXAMPLE = re.compile(r"^e(\d+)_")

Rows = dict[str, dict[int, list[dict[str, Any]]]]


def _example(person_id: str) -> int:
    match = EXAMPLE.match(person_id or "")
    return int(match.group(1)) if match else -1


def _normal(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for column, value in row.items():
        if isinstance(value, datetime):
            value = value.replace(tzinfo=None)
        out[column] = value
    return out


def group(marts: dict[str, list[dict[str, Any]]]) -> Rows:
    """Rows per mart per example number (from the person id prefix), with compared columns."""
    grouped: Rows = {}
    for mart, (_, columns) in COMPARED.items():
        per_example: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in marts[mart]:
            per_example[_example(row["person_id"])].append(
                _normal({column: row.get(column) for column in columns})
            )
        grouped[mart] = per_example
    return grouped


def read_dbt(db_path: Path, target: Target = Target.DUCKDB) -> Rows:
    marts = {
        mart: read_arrow(
            target, f"select {', '.join(columns)} from marts.{mart}", db_path
        ).to_pylist()
        for mart, (_, columns) in COMPARED.items()
    }
    # Segment-change occurrence ids are hashes of the SQL's own making: not compared.
    for row in marts["fct_conversions"]:
        if not EXAMPLE.match(row["occurrence_id"] or ""):
            row["occurrence_id"] = None
    return group(marts)


def read_reference(landing_dir: Path) -> Rows:
    return group(build_marts(stage(landing_dir)))


def differences(dbt: Rows, reference: Rows, example: int) -> list[str]:
    """Human-readable differences for one example; empty when both agree."""
    found = []
    for mart, (key, columns) in COMPARED.items():
        ours = {row[key]: row for row in reference[mart].get(example, [])}
        theirs = {row[key]: row for row in dbt[mart].get(example, [])}
        for row_key in sorted(set(ours) | set(theirs), key=str):
            left, right = ours.get(row_key), theirs.get(row_key)
            if left == right:
                continue
            if left is None or right is None:
                found.append(f"{mart}[{row_key}]: reference={left} dbt={right}")
                continue
            changed = {c: (left[c], right[c]) for c in columns if left[c] != right[c]}
            found.append(f"{mart}[{row_key}]: (reference, dbt) {changed}")
    return found


def examples(dbt: Rows, reference: Rows) -> set[int]:
    return {n for rows in [*dbt.values(), *reference.values()] for n in rows}
