"""The reporting marts: fct_campaign_daily and fct_newsletters (contract section 4) and
fct_platform_conversion_reconciliation, with the columns their descriptions in
models/marts/_marts__models.yml define."""

from collections import Counter, defaultdict
from datetime import date
from typing import Any

from reference.rules import World

DailyKey = tuple[str, str | None, str | None, date]
# The conversion_rate denominator per goal basis.
DENOMINATOR = {"received": "sent", "opened": "unique_opened", "clicked": "unique_clicked"}
COUNTED_METRICS = ("sent", "delivered", "opened", "bounced", "unsubscribed")
# fct_platform_conversion_reconciliation.difference by (platform converted, we converted).
DIFFERENCE = {(True, True): "agree", (False, True): "ours_only", (True, False): "platform_only"}


def _rate(numerator: int, denominator: int | None) -> float | None:
    return numerator / denominator if denominator else None


def campaign_daily(world: World, conversions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Campaign (or newsletter) x action x day: metrics on the day recorded, conversions on the
    day processed, credited to the action of the credited delivery."""
    deliveries = {d.delivery_id: d for d in world.staged.deliveries}

    def key(delivery_id: str, day: date) -> DailyKey:
        delivery = deliveries[delivery_id]
        campaign_id = delivery.campaign_id or delivery.newsletter_id
        return (delivery.workspace_id, campaign_id, delivery.action_id, day)

    counts: dict[DailyKey, Counter[str]] = defaultdict(Counter)
    engaged: dict[DailyKey, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for metric in world.staged.metrics:
        day = key(metric.delivery_id, metric.created_at.date())
        counted = counts[day]  # a day with any metric of the action is a row
        if metric.metric in COUNTED_METRICS:
            counted[metric.metric] += 1
        if metric.metric == "opened":
            engaged[day]["unique_opened"].add(metric.delivery_id)
        if metric.metric == "clicked" and metric.link_id is not None:
            counted["clicked"] += 1
            engaged[day]["unique_clicked"].add(metric.delivery_id)
    for conversion in conversions:
        day = key(conversion["credited_delivery_id"], conversion["converted_at"].date())
        counts[day]["converted"] += 1
    rows = []
    for day, counted in counts.items():
        workspace_id, campaign_id, action_id, activity_date = day
        row: dict[str, Any] = {
            "workspace_id": workspace_id,
            "campaign_id": campaign_id,
            "action_id": action_id,
            "activity_date": activity_date,
            **{name: counted[name] for name in (*COUNTED_METRICS, "clicked", "converted")},
            **{name: len(engaged[day][name]) for name in ("unique_opened", "unique_clicked")},
            "goal_basis": current_basis(world, workspace_id, campaign_id),
        }
        denominator = DENOMINATOR.get(row["goal_basis"] or "")
        row["conversion_rate"] = _rate(row["converted"], row[denominator] if denominator else None)
        rows.append(row)
    return rows


def current_basis(world: World, workspace_id: str, campaign_id: str | None) -> str | None:
    """The basis of the campaign's current (latest saved) goal version."""
    versions = world.versions[(workspace_id, campaign_id or "")]
    if not versions:
        return None
    return max(versions, key=lambda v: (v.valid_from, v.version)).basis


def newsletters(world: World, conversions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per newsletter: its deliveries, engagement and converted journeys (a newsletter
    delivery is a journey of one message, so its journey_id is the delivery_id)."""
    converted = {row["journey_id"]: row for row in conversions}
    by_newsletter = defaultdict(list)
    for delivery in world.staged.deliveries:
        if delivery.newsletter_id is not None:
            by_newsletter[(delivery.workspace_id, delivery.newsletter_id)].append(delivery)
    rows = []
    for (workspace_id, newsletter_id), deliveries in by_newsletter.items():
        sent = opened = clicked = 0
        for delivery in deliveries:
            metrics = world.metrics[delivery.delivery_id]
            sent += world.left_platform(delivery)
            opened += any(m.metric == "opened" for m in metrics)
            clicked += any(m.metric == "clicked" and m.link_id is not None for m in metrics)
        converting = [converted[d.delivery_id] for d in deliveries if d.delivery_id in converted]
        revenues = [row["revenue"] for row in converting if row["revenue"] is not None]
        campaign = world.campaigns.get((workspace_id, newsletter_id))
        rows.append(
            {
                "workspace_id": workspace_id,
                "newsletter_id": newsletter_id,
                "newsletter_name": campaign.name
                if campaign and campaign.kind == "newsletter"
                else None,
                "first_delivery_at": min(d.created_at for d in deliveries),
                "deliveries": len(deliveries),
                "deliveries_sent": sent,
                "unique_opened": opened,
                "unique_clicked": clicked,
                "conversions": len(converting),
                "conversion_rate": _rate(len(converting), sent),
                "revenue": sum(revenues) if revenues else None,
            }
        )
    return rows


def platform_reconciliation(world: World, deliveries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per delivery the platform (a `converted` metric) or we (fct_deliveries.is_converted)
    convert: `agree`, `ours_only` or `platform_only`. The rule the SQL names after
    `platform_only:` is its own vocabulary (no document lists it), so it is not derived here."""
    rows = []
    for delivery in deliveries:
        metrics = world.metrics[delivery["delivery_id"]]
        theirs = any(m.metric == "converted" for m in metrics)
        ours = delivery["is_converted"]
        if not (theirs or ours):
            continue
        rows.append(
            {
                "delivery_id": delivery["delivery_id"],
                "journey_id": delivery["journey_id"],
                "campaign_id": delivery["campaign_id"] or delivery["newsletter_id"],
                "channel": delivery["channel"],
                "is_platform_converted": theirs,
                "is_converted": ours,
                "difference": DIFFERENCE[(theirs, ours)],
            }
        )
    return rows
