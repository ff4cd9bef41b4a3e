"""Reads the dbt marts and the reference's rows, per example, and compares them as multisets.

A mart's rows of one example are compared as a Counter of whole rows (the compared columns), so
a row the SQL emits twice is a difference even when its copy is identical.
"""

import math
import re
from collections import Counter, defaultdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from goalline.connections import read_arrow
from goalline.targets import Target

from reference.landing import stage
from reference.marts import build_marts


class Compared(NamedTuple):
    """A compared mart: the columns compared, the ones naming a row in a report, and the column
    whose value (an `e<n>_` id or the `w<n>` workspace) tells the example a row belongs to;
    `approx` columns (probabilities the SQL approximates) agree within PROBABILITY_TOLERANCE."""

    key: tuple[str, ...]
    columns: tuple[str, ...]
    example_column: str
    approx: tuple[str, ...] = ()


COMPARED = {
    "fct_deliveries": Compared(
        ("delivery_id",),
        (
            "delivery_id",
            "journey_id",
            "campaign_id",
            "newsletter_id",
            "action_id",
            "person_id",
            "channel",
            "created_at",
            "sent_at",
            "delivered_at",
            "first_opened_at",
            "first_clicked_at",
            "is_attributable",
            "left_platform",
            "is_converted",
            "converted_at",
        ),
        "delivery_id",
    ),
    "fct_conversion_windows": Compared(
        ("delivery_id", "basis", "anchor_at"),
        ("delivery_id", "journey_id", "goal_version", "basis", "anchor_at", "window_ends_at"),
        "delivery_id",
    ),
    "fct_journeys": Compared(
        ("journey_id",),
        (
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
        ),
        "journey_id",
    ),
    "fct_conversions": Compared(
        ("journey_id",),
        (
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
            "revenue",
        ),
        "journey_id",
    ),
    "fct_campaign_daily": Compared(
        ("campaign_id", "action_id", "activity_date"),
        (
            "workspace_id",
            "campaign_id",
            "action_id",
            "activity_date",
            "sent",
            "delivered",
            "opened",
            "unique_opened",
            "clicked",
            "unique_clicked",
            "converted",
            "bounced",
            "unsubscribed",
            "goal_basis",
            "conversion_rate",
        ),
        "workspace_id",
    ),
    "fct_attribution_touches": Compared(
        ("journey_id", "model", "delivery_id"),
        (
            "journey_id",
            "model",
            "delivery_id",
            "channel",
            "anchor_at",
            "converted_at",
            "touch_position",
            "touch_count",
            "credit",
        ),
        "journey_id",
    ),
    "fct_cross_journey_conversions": Compared(
        ("occurrence_id",),
        (
            "occurrence_id",
            "person_id",
            "converted_at",
            "candidate_journeys",
            "credited_journey_id",
            "credited_campaign_id",
            "touch_delivery_id",
            "touch_at",
        ),
        "person_id",
    ),
    "fct_newsletters": Compared(
        ("newsletter_id",),
        (
            "workspace_id",
            "newsletter_id",
            "newsletter_name",
            "first_delivery_at",
            "deliveries",
            "deliveries_sent",
            "unique_opened",
            "unique_clicked",
            "conversions",
            "conversion_rate",
            "revenue",
        ),
        "workspace_id",
    ),
    "fct_platform_conversion_reconciliation": Compared(
        ("delivery_id",),
        (
            "delivery_id",
            "journey_id",
            "campaign_id",
            "channel",
            "is_platform_converted",
            "is_converted",
            "difference",
        ),
        "delivery_id",
    ),
    "fct_ab_test_variants": Compared(
        ("campaign_id", "action_id", "variant"),
        (
            "workspace_id",
            "campaign_id",
            "action_id",
            "variant",
            "content_id",
            "sent",
            "opened",
            "clicked",
            "converted",
            "conversion_rate",
            "ctbo",
            "relative_lift",
            "lift_ci_low",
            "lift_ci_high",
            "verdict",
            "srm_p_value",
        ),
        "workspace_id",
        ("conversion_rate", "ctbo", "relative_lift", "lift_ci_low", "lift_ci_high", "srm_p_value"),
    ),
    "fct_holdout_lift": Compared(
        ("campaign_id", "action_id", "branch_index"),
        (
            "workspace_id",
            "campaign_id",
            "action_id",
            "branch_index",
            "role",
            "assigned",
            "converted",
            "conversion_rate",
            "relative_lift",
            "lift_ci_low",
            "lift_ci_high",
            "p_value",
            "srm_p_value",
        ),
        "workspace_id",
        (
            "conversion_rate",
            "relative_lift",
            "lift_ci_low",
            "lift_ci_high",
            "p_value",
            "srm_p_value",
        ),
    ),
}
# Ids of example n are prefixed `e<n>_`; its workspace is `w<n>` (reference.strategies).
EXAMPLE = re.compile(r"^(?:e(\d+)_|w(\d+)$)")
# Doubles (credits, rates, revenue sums) are computed in another order on each side.
DIGITS = 9
# The accuracy for the SQL's normal CDF and chi-squared tail: 1e-7; checked with margin.
PROBABILITY_TOLERANCE = 1e-6

Row = dict[str, Any]
Rows = dict[str, dict[int, list[Row]]]


def example_of(value: str | None) -> int:
    match = EXAMPLE.match(value or "")
    return int(match.group(1) or match.group(2)) if match else -1


def _normal(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return round(value, DIGITS)
    return value


def group(marts: dict[str, list[Row]]) -> Rows:
    """Rows per mart per example number, with the compared columns only."""
    grouped: Rows = {}
    for mart, compared in COMPARED.items():
        per_example: dict[int, list[Row]] = defaultdict(list)
        for row in marts[mart]:
            normal = {column: _normal(row.get(column)) for column in compared.columns}
            per_example[example_of(row[compared.example_column])].append(normal)
        grouped[mart] = per_example
    return grouped


def read_dbt(db_path: Path, target: Target = Target.DUCKDB) -> Rows:
    marts = {
        mart: read_arrow(
            target, f"select {', '.join(compared.columns)} from marts.{mart}", db_path
        ).to_pylist()
        for mart, compared in COMPARED.items()
    }
    # Segment-change occurrence ids are hashes of the SQL's own making: not compared.
    for row in marts["fct_conversions"]:
        if not EXAMPLE.match(row["occurrence_id"] or ""):
            row["occurrence_id"] = None
    # The rule named after `platform_only:` is the SQL's own vocabulary: only the class compared.
    for row in marts["fct_platform_conversion_reconciliation"]:
        row["difference"] = (row["difference"] or "").split(":")[0] or None
    return group(marts)


def read_reference(landing_dir: Path) -> Rows:
    return group(build_marts(stage(landing_dir)))


def _frozen(row: Row) -> tuple[tuple[str, Any], ...]:
    return tuple(row.items())


def _close(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return left is right
    return math.isclose(left, right, rel_tol=1e-9, abs_tol=PROBABILITY_TOLERANCE)


def _snapped(theirs: list[Row], ours: list[Row], approx: tuple[str, ...]) -> list[Row]:
    """dbt's rows with each approximate value replaced by the reference's where a reference row
    equal in every other column is within tolerance in all of them (each reference row used once),
    so the multiset comparison below sees only real differences."""
    if not approx:
        return theirs
    unused = list(ours)
    snapped = []
    for row in theirs:
        match = next(
            (
                candidate
                for candidate in unused
                if all(
                    _close(row[c], candidate[c]) if c in approx else row[c] == candidate[c]
                    for c in row
                )
            ),
            None,
        )
        if match is None:
            snapped.append(row)
            continue
        unused.remove(match)
        snapped.append({c: match[c] if c in approx else row[c] for c in row})
    return snapped


def differences(dbt: Rows, reference: Rows, example: int) -> list[str]:
    """Human-readable differences for one example, every mart compared as a multiset of rows;
    empty when both agree. Rows of one key that differ in some columns are reported column by
    column; any other surplus row (a missing one, an extra one, a duplicate) with its counts."""
    found = []
    for mart, compared in COMPARED.items():
        reference_rows = reference[mart].get(example, [])
        dbt_rows = _snapped(dbt[mart].get(example, []), reference_rows, compared.approx)
        ours = Counter(_frozen(row) for row in reference_rows)
        theirs = Counter(_frozen(row) for row in dbt_rows)
        surplus: dict[tuple, tuple[list[Row], list[Row]]] = defaultdict(lambda: ([], []))
        for side, rows in enumerate((ours - theirs, theirs - ours)):
            for frozen, count in rows.items():
                row = dict(frozen)
                surplus[tuple(row[c] for c in compared.key)][side].extend([row] * count)
        for key in sorted(surplus, key=str):
            left, right = surplus[key]
            name = f"{mart}[{', '.join(map(str, key))}]"
            if len(left) == 1 and len(right) == 1:
                changed = {c: (left[0][c], right[0][c]) for c in compared.columns}
                changed = {c: pair for c, pair in changed.items() if pair[0] != pair[1]}
                found.append(f"{name}: (reference, dbt) {changed}")
                continue
            for row in {_frozen(row): row for row in left + right}.values():
                found.append(
                    f"{name}: {ours[_frozen(row)]} row(s) in reference, "
                    f"{theirs[_frozen(row)]} in dbt: {row}"
                )
    return found


def examples(dbt: Rows, reference: Rows) -> set[int]:
    return {n for rows in [*dbt.values(), *reference.values()] for n in rows}
