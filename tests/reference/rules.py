"""Contract rules 1-10, one person's timeline at a time, with plain loops.

Nothing here is clever on purpose: every rule is a direct reading of the contract text, so a
difference with the SQL marts points at one of the two readings.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from reference.filters import filter_matches
from reference.landing import Action, Delivery, Event, GoalVersion, Membership, Metric, Staged

ALWAYS_ATTRIBUTABLE = {"email", "sms", "push"}
NON_MESSAGE_ACTIONS = {"create_update_person", "create_event", "delay", "branch"}
LEFT_PLATFORM = {"sent", "delivered"}
FAILURES = {"bounced", "dropped", "failed", "undeliverable"}
CROSS_JOURNEY_LOOKBACK = timedelta(days=30)


@dataclass
class Journey:
    workspace_id: str
    journey_id: str
    campaign_id: str
    person_id: str
    started_at: datetime
    trigger_properties: dict[str, Any] | None
    deliveries: list[Delivery] = field(default_factory=list)


@dataclass(frozen=True)
class Occurrence:
    """A goal event or segment change judged by the goal version in force at its processing time."""

    occurrence_id: str
    processed_at: datetime
    claimed_at: datetime
    version: GoalVersion
    is_event: bool


class World:
    """Indexes of one staged landing folder, with the as-of lookups the rules need."""

    def __init__(self, staged: Staged) -> None:
        self.staged = staged
        self.versions: dict[tuple[str, str], list[GoalVersion]] = defaultdict(list)
        for version in staged.goal_versions:
            self.versions[(version.workspace_id, version.campaign_id)].append(version)
        self.metrics: dict[str, list[Metric]] = defaultdict(list)
        for metric in staged.metrics:
            self.metrics[metric.delivery_id].append(metric)
        self.actions: dict[tuple[str, str], Action] = {
            (a.workspace_id, a.action_id): a for a in staged.actions
        }
        self.campaigns = {(c.workspace_id, c.campaign_id): c for c in staged.campaigns}
        self.events_by_id = {(e.workspace_id, e.event_id): e for e in staged.events}
        self.events: dict[tuple[str, str], list[Event]] = defaultdict(list)
        for event in staged.events:
            self.events[(event.workspace_id, event.person_id)].append(event)
        self.memberships: dict[tuple[str, str], list[Membership]] = defaultdict(list)
        for row in staged.memberships:
            self.memberships[(row.workspace_id, row.person_id)].append(row)
        self.attributes: dict[tuple[str, str], list] = defaultdict(list)
        for attribute in staged.attributes:
            self.attributes[(attribute.workspace_id, attribute.person_id)].append(attribute)

    # Rule 2: the version in force at an instant; equal valid_from -> the higher version.
    def version_at(self, workspace_id: str, campaign_id: str, at: datetime) -> GoalVersion | None:
        saved = [v for v in self.versions[(workspace_id, campaign_id)] if v.valid_from <= at]
        if not saved:
            return None
        return max(saved, key=lambda v: (v.valid_from, v.version))

    def attributes_at(self, workspace_id: str, person_id: str, at: datetime) -> dict[str, str]:
        """Person attributes as of an instant: per name, the value with the latest timestamp."""
        latest: dict[str, tuple[datetime, str | None]] = {}
        for attribute in self.attributes[(workspace_id, person_id)]:
            if attribute.timestamp > at:
                continue
            if attribute.name not in latest or attribute.timestamp > latest[attribute.name][0]:
                latest[attribute.name] = (attribute.timestamp, attribute.value)
        return {name: value for name, (_, value) in latest.items() if value is not None}

    def in_segment_at(
        self, workspace_id: str, person_id: str, segment_id: str, at: datetime
    ) -> bool:
        """Membership at an instant, including changes at that same instant."""
        rows = [
            r
            for r in self.memberships[(workspace_id, person_id)]
            if r.segment_id == segment_id and r.occurred_at <= at
        ]
        if not rows:
            return False
        # Simultaneous entered and exited rows: the exit is taken as the later one.
        last = max(rows, key=lambda r: (r.occurred_at, r.action == "exited"))
        return last.action == "entered"

    # Rule 4.
    def is_attributable(self, delivery: Delivery) -> bool:
        action = self.actions.get((delivery.workspace_id, delivery.action_id or ""))
        if action is not None and action.action_type in NON_MESSAGE_ACTIONS:
            return False
        if delivery.delivery_type in ALWAYS_ATTRIBUTABLE:
            return True
        if delivery.delivery_type == "webhook":
            return action is not None and action.webhook_conversions_enabled
        return False

    def metrics_until(self, delivery: Delivery, at: datetime) -> list[Metric]:
        return [m for m in self.metrics[delivery.delivery_id] if m.created_at <= at]

    def counts_at(self, delivery: Delivery, at: datetime) -> bool:
        if not self.is_attributable(delivery):
            return False
        seen = {m.metric for m in self.metrics_until(delivery, at)}
        return bool(seen & LEFT_PLATFORM) and not seen & FAILURES

    def left_platform(self, delivery: Delivery) -> bool:
        """As of the build (decisions.md): sent or delivered, and no failure ever."""
        seen = {m.metric for m in self.metrics[delivery.delivery_id]}
        return bool(seen & LEFT_PLATFORM) and not seen & FAILURES

    def anchor(self, delivery: Delivery, basis: str, at: datetime) -> datetime | None:
        """Rule 5: the delivery's anchor for a basis, as of the occurrence."""
        metrics = self.metrics_until(delivery, at)
        if basis == "received":
            times = [m.created_at for m in metrics if m.metric in LEFT_PLATFORM]
            return min(times) if times else None
        if basis == "opened":
            times = [m.created_at for m in metrics if m.metric == "opened"]
        else:
            times = [m.created_at for m in metrics if m.metric == "clicked" and m.link_id]
        return max(times) if times else None


def journeys_of(world: World) -> list[Journey]:
    """Campaign journeys (subjects rows) and newsletter journeys (one per newsletter delivery)."""
    journeys: dict[str, Journey] = {}
    for subject in world.staged.subjects:
        trigger_id = subject.event_id or subject.trigger_id
        trigger = world.events_by_id.get((subject.workspace_id, trigger_id or ""))
        journeys[subject.journey_id] = Journey(
            workspace_id=subject.workspace_id,
            journey_id=subject.journey_id,
            campaign_id=subject.campaign_id,
            person_id=subject.person_id,
            started_at=subject.started_at,
            trigger_properties=trigger.properties if trigger else None,
        )
    for delivery in world.staged.deliveries:
        if delivery.subject_id is None and delivery.newsletter_id is not None:
            journeys[delivery.delivery_id] = Journey(
                workspace_id=delivery.workspace_id,
                journey_id=delivery.delivery_id,
                campaign_id=delivery.newsletter_id,
                person_id=delivery.person_id,
                started_at=delivery.created_at,
                trigger_properties=None,
                deliveries=[delivery],
            )
        elif delivery.subject_id in journeys:
            journeys[delivery.subject_id].deliveries.append(delivery)
    return list(journeys.values())


def goal_at_start(world: World, journey: Journey) -> GoalVersion | None:
    return world.version_at(journey.workspace_id, journey.campaign_id, journey.started_at)


def goal_met_at_start(world: World, journey: Journey) -> bool:
    """Rule 3: a segment goal already satisfied at the start (changes at that instant included)."""
    version = goal_at_start(world, journey)
    if version is None or version.goal_type not in {"segment_entered", "segment_exited"}:
        return False
    inside = world.in_segment_at(
        journey.workspace_id, journey.person_id, version.segment_id or "", journey.started_at
    )
    return inside if version.goal_type == "segment_entered" else not inside


def event_matches(world: World, journey: Journey, event: Event, version: GoalVersion) -> bool:
    if version.goal_type != "event" or event.name != version.event_name:
        return False
    attributes = world.attributes_at(journey.workspace_id, journey.person_id, event.received_at)
    return filter_matches(version.filter, event.properties, journey.trigger_properties, attributes)


def occurrences(world: World, journey: Journey) -> list[Occurrence]:
    """Rules 1-3: the journey's goal occurrences in processing order (window ignored)."""
    start_version = goal_at_start(world, journey)
    if start_version is None or start_version.goal_type == "none":
        return []  # rule 1
    if goal_met_at_start(world, journey):
        return []  # rule 3: never converts
    found: list[Occurrence] = []
    key = (journey.workspace_id, journey.person_id)
    for event in world.events[key]:
        if event.received_at < journey.started_at:
            continue
        version = world.version_at(journey.workspace_id, journey.campaign_id, event.received_at)
        if version is not None and event_matches(world, journey, event, version):
            found.append(
                Occurrence(event.event_id, event.received_at, event.timestamp, version, True)
            )
    for row in world.memberships[key]:
        # A change at the start instant is part of the state at the start, not an occurrence.
        if row.occurred_at <= journey.started_at:
            continue
        version = world.version_at(journey.workspace_id, journey.campaign_id, row.occurred_at)
        if version is None or version.segment_id != row.segment_id:
            continue
        wanted = {"segment_entered": "entered", "segment_exited": "exited"}.get(version.goal_type)
        if row.action == wanted:
            occurrence_id = f"segment:{row.segment_id}:{row.action}:{row.occurred_at}"
            found.append(
                Occurrence(occurrence_id, row.occurred_at, row.occurred_at, version, False)
            )
    return sorted(found, key=lambda o: (o.processed_at, o.occurrence_id))


@dataclass(frozen=True)
class Conversion:
    """Rules 6-7: a journey's converting occurrence and the touches it had in window."""

    occurrence: Occurrence
    # Counted deliveries with their anchor in window, in rule 6 order: the credited one last.
    touches: tuple[tuple[Delivery, datetime], ...]

    @property
    def delivery(self) -> Delivery:
        return self.touches[-1][0]

    @property
    def anchor(self) -> datetime:
        return self.touches[-1][1]


def touches(
    world: World, journey: Journey, occurrence: Occurrence
) -> list[tuple[Delivery, datetime]]:
    """Rules 4-5: counted deliveries with their anchor in window, in rule 6 order (best last)."""
    version = occurrence.version
    at = occurrence.processed_at
    found = []
    for delivery in journey.deliveries:
        if not world.counts_at(delivery, at):
            continue
        anchor = world.anchor(delivery, version.basis, at)
        if anchor is None or not anchor <= at:
            continue
        window = version.window_days
        if window is not None and not at < anchor + timedelta(days=window):
            continue
        found.append((delivery, anchor))
    return sorted(found, key=lambda touch: (touch[1], touch[0].created_at, touch[0].delivery_id))


def convert(world: World, journey: Journey, found: list[Occurrence]) -> Conversion | None:
    """Rule 7: the first occurrence with a delivery in window, credited by rule 6."""
    for occurrence in found:
        in_window = touches(world, journey, occurrence)
        if in_window:
            return Conversion(occurrence, tuple(in_window))
    return None


def expected_exit(
    world: World, journey: Journey, found: list[Occurrence]
) -> tuple[datetime, str] | None:
    """Rule 9, under the exit condition of the version in force at the start."""
    version = goal_at_start(world, journey)
    if version is None:
        return None
    condition = version.exit_condition
    candidates: list[tuple[datetime, int, str]] = []
    if condition in {"converted", "converted_or_stopped_matching"} and version.goal_type != "none":
        if goal_met_at_start(world, journey):
            candidates.append((journey.started_at, 0, "goal_met_at_start"))
        elif found:
            candidates.append((found[0].processed_at, 1, "converted"))
    if condition in {"stopped_matching", "converted_or_stopped_matching"}:
        campaign = world.campaigns.get((journey.workspace_id, journey.campaign_id))
        segment = campaign.trigger_segment_id if campaign else None
        exits = [
            r.occurred_at
            for r in world.memberships[(journey.workspace_id, journey.person_id)]
            if segment is not None
            and r.segment_id == segment
            and r.action == "exited"
            and r.occurred_at > journey.started_at
        ]
        if exits:
            candidates.append((min(exits), 2, "stopped_matching"))
    if not candidates:
        return None
    at, _, reason = min(candidates)
    return at, reason


def cross_journey(world: World, journeys: list[Journey]) -> list[dict[str, Any]]:
    """Rule 10: each goal event credited to the journey with the latest touchpoint in 30 days."""
    by_person: dict[tuple[str, str], list[Journey]] = defaultdict(list)
    for journey in journeys:
        by_person[(journey.workspace_id, journey.person_id)].append(journey)
    rows = []
    for event in world.staged.events:
        at = event.received_at
        matched = []
        for journey in by_person[(event.workspace_id, event.person_id)]:
            start_version = goal_at_start(world, journey)
            if start_version is None or start_version.goal_type == "none":
                continue
            if goal_met_at_start(world, journey) or at < journey.started_at:
                continue
            version = world.version_at(journey.workspace_id, journey.campaign_id, at)
            if version is not None and event_matches(world, journey, event, version):
                matched.append(journey)
        if not matched:
            continue
        best = None
        for journey in matched:
            for delivery in journey.deliveries:
                if not world.counts_at(delivery, at):
                    continue
                for metric in world.metrics_until(delivery, at):
                    is_touch = metric.metric in LEFT_PLATFORM | {"opened"} or (
                        metric.metric == "clicked" and metric.link_id
                    )
                    if not is_touch or metric.created_at < at - CROSS_JOURNEY_LOOKBACK:
                        continue
                    rank = (
                        metric.created_at,
                        journey.started_at,
                        journey.journey_id,
                        delivery.created_at,
                        delivery.delivery_id,
                    )
                    if best is None or rank > best[0]:
                        best = (rank, journey, delivery)
        rows.append(
            {
                "occurrence_id": event.event_id,
                "person_id": event.person_id,
                "converted_at": at,
                "candidate_journeys": len(matched),
                "credited_journey_id": best[1].journey_id if best else None,
                "credited_campaign_id": best[1].campaign_id if best else None,
                "touch_delivery_id": best[2].delivery_id if best else None,
                "touch_at": best[0][0] if best else None,
            }
        )
    return rows
