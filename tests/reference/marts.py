"""The marts of contract section 4 as rows, from the rules in reference.rules.

Columns the contract leaves open follow docs/decisions.md and the column descriptions in
models/marts/_marts__models.yml.
"""

import re
from datetime import datetime, timedelta
from typing import Any

from reference.experiments import ab_test_variants, holdout_lift
from reference.filters import MISSING
from reference.landing import BASES, Delivery, Metric, Staged
from reference.reports import campaign_daily, newsletters, platform_reconciliation
from reference.rules import (
    LEFT_PLATFORM,
    Conversion,
    Journey,
    Occurrence,
    World,
    convert,
    cross_journey,
    expected_exit,
    goal_at_start,
    goal_met_at_start,
    journeys_of,
    occurrences,
)

# dbt_project.yml var revenue_properties: the goal event's first present one is its revenue.
REVENUE_PROPERTIES = ("revenue", "total")
# decisions.md: revenue is a decimal with an optional exponent.
DECIMAL = re.compile(r"[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]{1,3})?")
# dbt_project.yml var attribution_half_life_days.
HALF_LIFE = timedelta(days=7)
ATTRIBUTION_MODELS = ("last_touch", "first_touch", "linear", "position_based", "time_decay")


def build_marts(staged: Staged) -> dict[str, list[dict[str, Any]]]:
    """Rows of every mart the reference derives, by mart name."""
    world = World(staged)
    journeys = journeys_of(world)
    conversions: dict[str, tuple[Journey, Conversion]] = {}
    journey_rows = []
    for journey in journeys:
        found = occurrences(world, journey)
        conversion = convert(world, journey, found)
        if conversion is not None:
            conversions[journey.journey_id] = (journey, conversion)
        journey_rows.append(journey_row(world, journey, conversion, found))
    conversion_rows = [conversion_row(world, j, c) for j, c in conversions.values()]
    deliveries = delivery_rows(world, conversions)
    return {
        "fct_deliveries": deliveries,
        "fct_conversion_windows": window_rows(world, journeys),
        "fct_journeys": journey_rows,
        "fct_conversions": conversion_rows,
        "fct_campaign_daily": campaign_daily(world, conversion_rows),
        "fct_attribution_touches": [
            row for j, c in conversions.values() for row in attribution_rows(j, c)
        ],
        "fct_cross_journey_conversions": cross_journey(world, journeys),
        "fct_newsletters": newsletters(world, conversion_rows),
        "fct_platform_conversion_reconciliation": platform_reconciliation(world, deliveries),
        "fct_ab_test_variants": ab_test_variants(world, deliveries),
        "fct_holdout_lift": holdout_lift(world, journeys),
    }


def journey_id_of(delivery: Delivery) -> str | None:
    """The subjects row's journey, or the delivery itself for a newsletter (section 3)."""
    if delivery.subject_id is not None:
        return delivery.subject_id
    return delivery.delivery_id if delivery.newsletter_id is not None else None


def journey_row(
    world: World, journey: Journey, conversion: Conversion | None, found: list[Occurrence]
) -> dict[str, Any]:
    start_version = goal_at_start(world, journey)
    exit_at = expected_exit(world, journey, found)
    return {
        "journey_id": journey.journey_id,
        "campaign_id": journey.campaign_id,
        "person_id": journey.person_id,
        "started_at": journey.started_at,
        "goal_version_at_start": start_version.version if start_version else None,
        "goal_met_at_start": goal_met_at_start(world, journey),
        "is_converted": conversion is not None,
        "converted_at": conversion.occurrence.processed_at if conversion else None,
        "credited_delivery_id": conversion.delivery.delivery_id if conversion else None,
        "expected_exit_at": exit_at[0] if exit_at else None,
        "exit_reason": exit_at[1] if exit_at else None,
        "deliveries_sent": sum(
            1
            for d in journey.deliveries
            if any(m.metric in LEFT_PLATFORM for m in world.metrics[d.delivery_id])
        ),
        "deliveries_after_exit": sum(
            1 for d in journey.deliveries if exit_at and d.created_at > exit_at[0]
        ),
    }


def revenue(properties: dict[str, Any]) -> float | None:
    """The first revenue property, in var revenue_properties order, that holds a number (a JSON
    number or numeric text); absent, null or non-numeric ones are passed over."""
    for name in REVENUE_PROPERTIES:
        value = properties.get(name, MISSING)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str) and DECIMAL.fullmatch(value.strip()):
            return float(value)
    return None


def conversion_row(world: World, journey: Journey, conversion: Conversion) -> dict[str, Any]:
    occurrence = conversion.occurrence
    event = world.events_by_id.get((journey.workspace_id, occurrence.occurrence_id))
    return {
        "journey_id": journey.journey_id,
        "campaign_id": journey.campaign_id,
        "person_id": journey.person_id,
        "goal_version": occurrence.version.version,
        "goal_type": occurrence.version.goal_type,
        "basis": occurrence.version.basis,
        # Segment changes get an id of the SQL's own making: compared as absent.
        "occurrence_id": occurrence.occurrence_id if occurrence.is_event else None,
        "converted_at": occurrence.processed_at,
        "occurred_at_claimed": occurrence.claimed_at,
        "credited_delivery_id": conversion.delivery.delivery_id,
        "credited_channel": conversion.delivery.delivery_type,
        "anchor_at": conversion.anchor,
        "seconds_to_convert": int((occurrence.processed_at - conversion.anchor).total_seconds()),
        "revenue": revenue(event.properties) if occurrence.is_event and event else None,
    }


def first(metrics: list[Metric], name: str, tracked: bool = False) -> datetime | None:
    """The first time of a metric; a tracked click needs a link_id."""
    times = [
        m.created_at for m in metrics if m.metric == name and (m.link_id is not None or not tracked)
    ]
    return min(times, default=None)


def delivery_rows(
    world: World, conversions: dict[str, tuple[Journey, Conversion]]
) -> list[dict[str, Any]]:
    credited = {c.delivery.delivery_id: c for _, c in conversions.values()}
    rows = []
    for delivery in world.staged.deliveries:
        metrics = world.metrics[delivery.delivery_id]
        conversion = credited.get(delivery.delivery_id)
        rows.append(
            {
                "delivery_id": delivery.delivery_id,
                "journey_id": journey_id_of(delivery),
                "campaign_id": delivery.campaign_id,
                "newsletter_id": delivery.newsletter_id,
                "action_id": delivery.action_id,
                "person_id": delivery.person_id,
                "channel": delivery.delivery_type,
                "created_at": delivery.created_at,
                "sent_at": first(metrics, "sent"),
                "delivered_at": first(metrics, "delivered"),
                "first_opened_at": first(metrics, "opened"),
                "first_clicked_at": first(metrics, "clicked", tracked=True),
                "is_attributable": world.is_attributable(delivery),
                "left_platform": world.left_platform(delivery),
                "is_converted": conversion is not None,
                "converted_at": conversion.occurrence.processed_at if conversion else None,
            }
        )
    return rows


def held_anchors(world: World, delivery: Delivery) -> set[tuple[str, datetime]]:
    """(basis, anchor) pairs that are the delivery's anchor at some instant at which it counts.

    Both the anchor (rule 5) and whether the delivery counts (rule 4) change only at the
    delivery's metric times, so looking at those instants sees every state.
    """
    held = set()
    for instant in sorted({m.created_at for m in world.metrics[delivery.delivery_id]}):
        if not world.counts_at(delivery, instant):
            continue
        for basis in BASES:
            anchor = world.anchor(delivery, basis, instant)
            if anchor is not None:
                held.add((basis, anchor))
    return held


def window_rows(world: World, journeys: list[Journey]) -> list[dict[str, Any]]:
    """decisions.md: for journeys that can convert, each counted delivery's anchors under the goal
    version in force at the anchor time whose basis matches the anchor's kind."""
    rows = []
    for journey in journeys:
        start_version = goal_at_start(world, journey)
        if start_version is None or start_version.goal_type == "none":
            continue
        if goal_met_at_start(world, journey):
            continue
        for delivery in journey.deliveries:
            for basis, anchor in held_anchors(world, delivery):
                version = world.version_at(journey.workspace_id, journey.campaign_id, anchor)
                if version is None or version.goal_type == "none" or version.basis != basis:
                    continue
                days = version.window_days
                rows.append(
                    {
                        "delivery_id": delivery.delivery_id,
                        "journey_id": journey.journey_id,
                        "goal_version": version.version,
                        "basis": basis,
                        "anchor_at": anchor,
                        "window_ends_at": None if days is None else anchor + timedelta(days=days),
                    }
                )
    return rows


def credits(anchors: list[datetime], converted_at: datetime) -> dict[str, list[float]]:
    """Each model's share per touch (touches earliest first); every model's shares sum to 1."""
    count = len(anchors)
    if count == 1:
        position_based = [1.0]
    elif count == 2:
        position_based = [0.5, 0.5]  # decisions.md: the middle 20% has no touch to go to
    else:
        position_based = [0.4, *[0.2 / (count - 2)] * (count - 2), 0.4]
    # Half the weight per half-life elapsed, in whole seconds as seconds_to_convert counts them.
    weights = [
        0.5 ** ((converted_at - anchor) // timedelta(seconds=1) / HALF_LIFE.total_seconds())
        for anchor in anchors
    ]
    return {
        "last_touch": [0.0] * (count - 1) + [1.0],
        "first_touch": [1.0] + [0.0] * (count - 1),
        "linear": [1 / count] * count,
        "position_based": position_based,
        "time_decay": [weight / sum(weights) for weight in weights],
    }


def attribution_rows(journey: Journey, conversion: Conversion) -> list[dict[str, Any]]:
    """Every touch in the converting occurrence's window, with its credit under each model."""
    converted_at = conversion.occurrence.processed_at
    shares = credits([anchor for _, anchor in conversion.touches], converted_at)
    return [
        {
            "journey_id": journey.journey_id,
            "model": model,
            "delivery_id": delivery.delivery_id,
            "channel": delivery.delivery_type,
            "anchor_at": anchor,
            "converted_at": converted_at,
            "touch_position": position,
            "touch_count": len(conversion.touches),
            "credit": shares[model][position - 1],
        }
        for model in ATTRIBUTION_MODELS
        for position, (delivery, anchor) in enumerate(conversion.touches, start=1)
    ]
