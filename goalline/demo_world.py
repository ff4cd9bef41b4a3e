"""The demo workspace, simulated: rows of every landing table for goalline.demo to write.

One workspace over six weeks: people with attributes, journeys through three campaigns and a
newsletter, deliveries on every channel with their metrics, tracked events (some late, backdated
or clock-skewed) and segment changes; then duplicate and re-sent rows, and a few bad rows of every
kind the contract quarantines. One `random.Random(seed)` drives it all, so it is deterministic.

Campaigns (ids as Customer.io numbers them):
- 11 "Trial to paid": event goal `order_completed`, edited mid-flight (version 2 changes the filter
  to a person-attribute comparison and the window from 7 to 3 days); email, push, SMS, a webhook
  with conversions enabled and a create_update_person action.
- 12 "Onboarding: activate workspace": triggered by segment 31 (signed up), goal = entering segment
  32 (activated), basis opened; some people are already activated when their journey starts.
- 13 "Course completion nudges": event goal `course_completed` whose course must equal the
  trigger event's course, basis clicked, exits on conversion (a few messages still go out after).
- 21 "March product newsletter": a newsletter with its own goal (any `order_completed`, basis
  clicked), so orders of people also in campaign 11 match two journeys (rule 10).
- 14 "Win back lapsed users" (the experiments, simulated last so the campaigns above keep their
  rows): a random cohort branch keeps a 30% holdout that is sent nothing; the other 70% get the
  "We miss you" email as an A/B test of three variants, of which variant 2 (a discount) converts
  best. Goal: event `subscription_reactivated`, 7 days, basis received. People who never hear
  from the campaign reactivate too, which only the holdout can show.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count
from random import Random
from typing import Any

WORKSPACE = "94812"
EPOCH = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
ATTRIBUTABLE = {"email", "sms", "push"}


def _days(value: float) -> timedelta:
    # Whole seconds keep csv and parquet renderings identical and the files stable.
    return timedelta(seconds=round(value * 86400))


@dataclass
class Delivery:
    delivery_id: str
    channel: str
    created_at: datetime
    left_at: datetime | None = None
    opens: list[datetime] = field(default_factory=list)
    tracked_clicks: list[datetime] = field(default_factory=list)


@dataclass
class Person:
    person_id: str
    propensity: float
    plan: str
    suppressed: bool


@dataclass
class Journey:
    journey_id: str
    campaign_id: str
    person: Person
    started_at: datetime
    trigger_event_id: str | None
    deliveries: list[Delivery] = field(default_factory=list)
    platform_converted: bool = False


ACTIONS = [
    # action_id, campaign_id, action_type, name, webhook_conversions_enabled
    ("111", "11", "webhook", "Sync trial to CRM", True),
    ("112", "11", "email", "Welcome to your trial", False),
    ("113", "11", "push", "Three tips for day one", False),
    ("114", "11", "sms", "Your trial ends soon", False),
    ("115", "11", "create_update_person", "Tag as trial user", False),
    ("121", "12", "email", "Get started", False),
    ("122", "12", "slack", "Notify customer success", False),
    ("123", "12", "in_app", "Setup checklist", False),
    ("124", "12", "email", "Need a hand?", False),
    ("131", "13", "webhook", "Ping the LMS", False),
    ("132", "13", "email", "Keep going", False),
    ("133", "13", "push", "You are halfway there", False),
    ("134", "13", "whatsapp", "Course reminder", False),
    ("135", "13", "email", "Last call: finish your course", False),
    ("136", "13", "delay", "Wait two days", False),
    ("211", "21", "email", "March product newsletter", False),
    ("141", "14", "branch", "Holdout: 30% hear nothing", False),
    ("142", "14", "email", "We miss you", False),
]

CAMPAIGNS = [
    ("11", "Trial to paid", "campaign", None, datetime(2026, 2, 10, 9, tzinfo=UTC)),
    (
        "12",
        "Onboarding: activate workspace",
        "campaign",
        "31",
        datetime(2026, 2, 11, 9, tzinfo=UTC),
    ),
    ("13", "Course completion nudges", "campaign", None, datetime(2026, 2, 12, 9, tzinfo=UTC)),
    ("21", "March product newsletter", "newsletter", None, datetime(2026, 3, 18, 9, tzinfo=UTC)),
    ("14", "Win back lapsed users", "campaign", None, datetime(2026, 2, 13, 9, tzinfo=UTC)),
]

TRIAL_GOAL_V2_AT = datetime(2026, 3, 16, 12, 0, tzinfo=UTC)

GOAL_VERSIONS = [
    {
        "campaign_id": "11",
        "version": 1,
        "valid_from": datetime(2026, 2, 15, 9, tzinfo=UTC),
        "goal_type": "event",
        "event_name": "order_completed",
        "segment_id": None,
        "filter": {
            "match": "all",
            "conditions": [{"property": "total", "operator": "gt", "value": 9.99}],
        },
        "window_days": 7,
        "basis": "received",
        "exit_condition": "none",
    },
    {
        # The mid-flight edit: saved while journeys run; judges occurrences processed after it.
        "campaign_id": "11",
        "version": 2,
        "valid_from": TRIAL_GOAL_V2_AT,
        "goal_type": "event",
        "event_name": "order_completed",
        "segment_id": None,
        "filter": {
            "match": "any",
            "conditions": [
                {"property": "plan", "operator": "eq", "compare_to": {"person_attribute": "plan"}},
                {"property": "total", "operator": "gte", "value": 50},
            ],
        },
        "window_days": 3,
        "basis": "received",
        "exit_condition": "none",
    },
    {
        "campaign_id": "12",
        "version": 1,
        "valid_from": datetime(2026, 2, 16, 9, tzinfo=UTC),
        "goal_type": "segment_entered",
        "event_name": None,
        "segment_id": "32",
        "filter": None,
        "window_days": 14,
        "basis": "opened",
        "exit_condition": "converted_or_stopped_matching",
    },
    {
        "campaign_id": "13",
        "version": 1,
        "valid_from": datetime(2026, 2, 17, 9, tzinfo=UTC),
        "goal_type": "event",
        "event_name": "course_completed",
        "segment_id": None,
        "filter": {
            "match": "all",
            "conditions": [
                {
                    "property": "course_id",
                    "operator": "eq",
                    "compare_to": {"trigger_event_property": "course_id"},
                },
                {"property": "score", "operator": "gt", "value": 0.5},
            ],
        },
        "window_days": 21,
        "basis": "clicked",
        "exit_condition": "converted",
    },
    {
        "campaign_id": "21",
        "version": 1,
        "valid_from": datetime(2026, 3, 19, 9, tzinfo=UTC),
        "goal_type": "event",
        # No filter: every order counts (an empty filter matches every event).
        "event_name": "order_completed",
        "segment_id": None,
        "filter": None,
        "window_days": 5,
        "basis": "clicked",
        "exit_condition": "none",
    },
    {
        "campaign_id": "14",
        "version": 1,
        "valid_from": datetime(2026, 2, 18, 9, tzinfo=UTC),
        "goal_type": "event",
        "event_name": "subscription_reactivated",
        "segment_id": None,
        "filter": None,
        "window_days": 7,
        "basis": "received",
        "exit_condition": "converted",
    },
]

# The win-back branch's paths (landed table branch_paths): path 0 is the holdout.
WIN_BACK_PATHS = [
    # branch_index, weight_percent, role
    (0, 30, "control"),
    (1, 70, "treatment"),
]
# Chance that a lapsed person reactivates within the week: on their own (the holdout's rate),
# and after each variant of "We miss you" (0 = the original; 2 offers a discount).
WIN_BACK_BASE_RATE = 0.04
WIN_BACK_VARIANT_RATES = {0: 0.07, 1: 0.075, 2: 0.14}
WIN_BACK_CONTENT = {0: "142-original", 1: "142-short-subject", 2: "142-discount"}

COURSES = ["course-sql-101", "course-dbt-201", "course-python-110", "course-stats-150"]
LINKS = {
    "1": "https://example.com/upgrade",
    "2": "https://example.com/docs",
    "3": "https://example.com/pricing/annual",
}


class DemoWorld:
    """Rows of every landing table, simulated person by person with one random generator."""

    def __init__(self, seed: int) -> None:
        self.rng = Random(seed)
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        # Rows for the extra csv file of a table: re-sent rows, duplicates and bad rows.
        self.extra: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.seq = count(1001)
        self.ids: dict[str, count] = defaultdict(lambda: count(1))
        self.people: list[Person] = []
        self.journeys: list[Journey] = []

    def next_id(self, prefix: str, width: int = 6) -> str:
        return f"{prefix}_{next(self.ids[prefix]):0{width}d}"

    def add(self, table: str, **row: Any) -> dict[str, Any]:
        if table not in {"campaigns", "campaign_actions", "goal_versions"}:
            row["seq_num"] = next(self.seq)
        row.setdefault("workspace_id", WORKSPACE)
        self.rows[table].append(row)
        return row

    def jitter(self, low_seconds: float, high_seconds: float) -> timedelta:
        return timedelta(seconds=round(self.rng.uniform(low_seconds, high_seconds)))

    # --- configuration -------------------------------------------------------------------

    def configuration(self) -> None:
        for campaign_id, name, kind, segment_id, created_at in CAMPAIGNS:
            self.add(
                "campaigns",
                campaign_id=campaign_id,
                name=name,
                kind=kind,
                trigger_segment_id=segment_id,
                created_at=created_at,
            )
        for action_id, campaign_id, action_type, name, webhook_enabled in ACTIONS:
            self.add(
                "campaign_actions",
                action_id=action_id,
                campaign_id=campaign_id,
                action_type=action_type,
                name=name,
                webhook_conversions_enabled=webhook_enabled,
            )
        for version in GOAL_VERSIONS:
            row = dict(version)
            row["filter"] = json.dumps(row["filter"]) if row["filter"] is not None else None
            self.add("goal_versions", **row)

    # --- people --------------------------------------------------------------------------

    def populate(self, size: int) -> None:
        for number in range(1, size + 1):
            created = EPOCH - _days(self.rng.uniform(5, 120))
            person = Person(
                person_id=f"cio_{number:04d}",
                propensity=self.rng.betavariate(2, 3),
                plan="pro" if self.rng.random() < 0.4 else "basic",
                suppressed=self.rng.random() < 0.015,
            )
            self.people.append(person)
            self.add(
                "people",
                customer_id=f"user-{number:04d}",
                internal_customer_id=person.person_id,
                deleted=self.rng.random() < 0.01,
                suppressed=person.suppressed,
                created_at=created,
                updated_at=created + _days(self.rng.uniform(0, 3)),
                email_addr=f"user{number:04d}@example.com",
            )
            self.add(
                "attributes",
                internal_customer_id=person.person_id,
                attribute_name="plan",
                attribute_value=person.plan,
                timestamp=created,
            )
            self.add(
                "attributes",
                internal_customer_id=person.person_id,
                attribute_name="country",
                attribute_value=self.rng.choice(["US", "DE", "FR", "BR", "IN", "GB"]),
                timestamp=created,
            )
            if self.rng.random() < 0.1:
                # A plan change mid-demo: goal filters must read the attribute as of each event.
                person.plan = "basic" if person.plan == "pro" else "pro"
                self.add(
                    "attributes",
                    internal_customer_id=person.person_id,
                    attribute_name="plan",
                    attribute_value=person.plan,
                    timestamp=EPOCH + _days(self.rng.uniform(3, 30)),
                )

    # --- events --------------------------------------------------------------------------

    def event(
        self,
        person: Person,
        name: str,
        at: datetime,
        properties: dict[str, Any],
        received_at: datetime | None = None,
    ) -> dict[str, Any]:
        received = received_at or at + self.jitter(1, 6)
        return self.add(
            "events",
            event_id=self.next_id("evt"),
            internal_customer_id=person.person_id,
            name=name,
            properties=json.dumps(properties, sort_keys=True),
            timestamp=at,
            received_at=received,
        )

    def arrival(self, at: datetime) -> tuple[datetime, datetime]:
        """(claimed timestamp, processing time) of an event that happened at `at`.

        Mostly received seconds later; some arrive days late (mobile offline), some are backdated
        imports, a few carry a client clock running ahead of the server.
        """
        draw = self.rng.random()
        if draw < 0.12:
            return at, at + _days(self.rng.uniform(1, 4))
        if draw < 0.15:
            return at - _days(self.rng.uniform(5, 20)), at
        if draw < 0.17:
            return at + self.jitter(30, 600), at
        return at, at + self.jitter(1, 6)

    # --- deliveries and metrics ------------------------------------------------------------

    def metric(self, delivery: Delivery, metric: str, at: datetime, **extra: Any) -> None:
        self.add(
            "metrics",
            event_id=self.next_id("met", 7),
            delivery_id=delivery.delivery_id,
            metric=metric,
            reason=extra.get("reason"),
            link_id=extra.get("link_id"),
            link_url=extra.get("link_url"),
            created_at=at,
        )

    def send(
        self, journey: Journey, action_id: str, at: datetime, newsletter_id: str | None = None
    ) -> Delivery:
        action = next(row for row in ACTIONS if row[0] == action_id)
        channel = action[2]
        delivery = Delivery(self.next_id("dlv"), channel, at)
        journey.deliveries.append(delivery)
        self.add(
            "deliveries",
            delivery_id=delivery.delivery_id,
            internal_customer_id=journey.person.person_id,
            subject_id=None if newsletter_id else journey.journey_id,
            event_id=journey.trigger_event_id,
            delivery_type=channel,
            campaign_id=None if newsletter_id else journey.campaign_id,
            action_id=action_id,
            newsletter_id=newsletter_id,
            content_id=f"{action_id}-v1",
            trigger_id=None,
            created_at=at,
            transactional_message_id=None,
        )
        self.add(
            "outputs",
            output_id=self.next_id("out"),
            subject_name=None if newsletter_id else journey.journey_id,
            output_type=channel,
            action_id=action_id,
            explanation="message queued",
            delivery_id=delivery.delivery_id,
            draft=False,
            link_tracked=channel in {"email", "sms", "in_app"},
            created_at=at,
        )
        self.engage(delivery, journey.person)
        return delivery

    def engage(self, delivery: Delivery, person: Person) -> None:
        """Metrics of one delivery, with open and click odds driven by the person's propensity."""
        rng, channel, at = self.rng, delivery.channel, delivery.created_at
        sent = at + self.jitter(5, 90)
        if person.suppressed and channel in {"email", "sms", "push"}:
            self.metric(delivery, "dropped", sent, reason="suppressed")
            return
        if channel == "sms":
            self.metric(delivery, "attempted", at + self.jitter(1, 4))
        failure = {
            "email": ("bounced", 0.03, "550 mailbox unavailable"),
            "sms": ("failed", 0.05, "30003 unreachable"),
            "push": ("dropped", 0.04, "no device token"),
            "webhook": ("failed", 0.04, "HTTP 500"),
            "whatsapp": ("undeliverable", 0.03, "not a WhatsApp number"),
        }.get(channel)
        if failure and rng.random() < failure[1]:
            if channel == "email":
                self.metric(delivery, "sent", sent)
            self.metric(delivery, failure[0], sent + self.jitter(10, 300), reason=failure[2])
            return
        self.metric(delivery, "sent", sent)
        delivery.left_at = sent
        if channel in {"webhook", "slack"}:
            return
        delivered = sent + self.jitter(1, 120)
        if channel != "in_app" and rng.random() < 0.97:
            self.metric(delivery, "delivered", delivered)
        open_odds = {
            "email": 0.25 + 0.5 * person.propensity,
            "push": 0.1 + 0.2 * person.propensity,
            "in_app": 0.35,
            "whatsapp": 0.5,
            "sms": 0.0,
        }[channel]
        if rng.random() >= open_odds:
            return
        opened = delivered + _days(rng.expovariate(1 / 0.3))
        delivery.opens.append(opened)
        self.metric(delivery, "opened", opened)
        if rng.random() < 0.25:
            delivery.opens.append(opened + _days(rng.uniform(0.1, 3)))
            self.metric(delivery, "opened", delivery.opens[-1])
        if channel in {"email", "in_app", "sms"} and rng.random() < 0.2 + 0.5 * person.propensity:
            link_id = rng.choice(sorted(LINKS))
            clicked = opened + self.jitter(5, 900)
            delivery.tracked_clicks.append(clicked)
            self.metric(delivery, "clicked", clicked, link_id=link_id, link_url=LINKS[link_id])
        if channel == "email" and rng.random() < 0.08:
            # A footer link without click tracking: recorded, never an anchor.
            self.metric(
                delivery,
                "clicked",
                opened + self.jitter(5, 900),
                link_url="https://example.com/preferences",
            )
        if channel == "email" and rng.random() < 0.015:
            self.metric(delivery, "unsubscribed", opened + self.jitter(5, 600))
        if channel == "email" and rng.random() < 0.005:
            self.metric(delivery, "spammed", opened + self.jitter(5, 600))

    def platform_conversion(self, journey: Journey, claimed_at: datetime, window_days: int) -> None:
        """The platform's own `converted` metric: last sent message before the claimed time."""
        if journey.platform_converted:
            return
        candidates = [
            delivery
            for delivery in journey.deliveries
            if delivery.channel in ATTRIBUTABLE
            and delivery.left_at is not None
            and delivery.left_at <= claimed_at < delivery.left_at + timedelta(days=window_days)
        ]
        if candidates:
            journey.platform_converted = True
            self.metric(max(candidates, key=lambda d: d.left_at), "converted", claimed_at)

    # --- journeys --------------------------------------------------------------------------

    def start_journey(
        self,
        campaign_id: str,
        person: Person,
        started_at: datetime,
        trigger_event_id: str | None,
        campaign_type: str,
    ) -> Journey:
        journey = Journey(
            self.next_id(f"jrn_{campaign_id}", 4), campaign_id, person, started_at, trigger_event_id
        )
        self.journeys.append(journey)
        self.add(
            "subjects",
            subject_name=journey.journey_id,
            internal_customer_id=person.person_id,
            campaign_id=campaign_id,
            campaign_type=campaign_type,
            event_id=trigger_event_id,
            trigger_id=None,
            created_at=started_at,
            started_campaign_at=started_at,
        )
        return journey

    def trial_to_paid(self, people: list[Person]) -> None:
        for person in people:
            trial_at = EPOCH + _days(self.rng.uniform(0, 27))
            trigger = self.event(
                person, "trial_started", trial_at, {"plan": person.plan, "source": "web"}
            )
            start = trigger["received_at"] + timedelta(seconds=1)
            journey = self.start_journey("11", person, start, trigger["event_id"], "event")
            self.add(
                "outputs",
                output_id=self.next_id("out"),
                subject_name=journey.journey_id,
                output_type="attribute_update",
                action_id="115",
                explanation="set trial=true",
                delivery_id=None,
                draft=False,
                link_tracked=False,
                created_at=start,
            )
            for action_id, offset in [("111", 0.001), ("112", 0.002), ("113", 1.0), ("114", 5.0)]:
                self.send(journey, action_id, start + _days(offset))
            if self.rng.random() < 0.15 + 0.5 * person.propensity:
                ordered = start + _days(self.rng.uniform(0.05, 9))
                plan = (
                    person.plan if self.rng.random() < 0.75 else self.rng.choice(["basic", "pro"])
                )
                total = self.rng.choice([4.99, 19.0, 29.0, 49.0, 99.0, 129.0])
                claimed, received = self.arrival(ordered)
                self.event(
                    person,
                    "order_completed",
                    claimed,
                    {
                        "order_id": self.next_id("ord"),
                        "total": total,
                        "plan": plan,
                        "currency": "USD",
                    },
                    received,
                )
                if total > 9.99:
                    self.platform_conversion(journey, claimed, 7)

    def onboarding(self, people: list[Person]) -> None:
        for person in people:
            signed_up = EPOCH + _days(self.rng.uniform(0, 27))
            already_active = self.rng.random() < 0.12
            if already_active:
                self.add(
                    "segment_memberships",
                    internal_customer_id=person.person_id,
                    segment_id="32",
                    action="entered",
                    occurred_at=signed_up - _days(self.rng.uniform(0.5, 10)),
                )
            self.add(
                "segment_memberships",
                internal_customer_id=person.person_id,
                segment_id="31",
                action="entered",
                occurred_at=signed_up,
            )
            start = signed_up + self.jitter(5, 60)
            journey = self.start_journey("12", person, start, None, "segment")
            stopped_at = (
                start + _days(self.rng.uniform(0.5, 6)) if self.rng.random() < 0.08 else None
            )
            if stopped_at:
                self.add(
                    "segment_memberships",
                    internal_customer_id=person.person_id,
                    segment_id="31",
                    action="exited",
                    occurred_at=stopped_at,
                )
            activated_at = None
            if not already_active:
                for action_id, offset in [("121", 0.003), ("122", 0.003), ("123", 1.0)]:
                    if action_id != "123" or not stopped_at or stopped_at > start + _days(offset):
                        self.send(journey, action_id, start + _days(offset))
                opens = [
                    moment
                    for delivery in journey.deliveries
                    if delivery.channel == "email"
                    for moment in delivery.opens
                ]
                if opens and self.rng.random() < 0.55:
                    activated_at = min(opens) + _days(self.rng.uniform(0.01, 5))
                elif self.rng.random() < 0.12:
                    activated_at = start + _days(self.rng.uniform(0.2, 12))
            else:
                # The platform exits these at the start, yet sometimes one welcome still goes out.
                if self.rng.random() < 0.3:
                    self.send(journey, "121", start + _days(0.003))
                if self.rng.random() < 0.25:
                    left = start + _days(self.rng.uniform(0.2, 2))
                    self.add(
                        "segment_memberships",
                        internal_customer_id=person.person_id,
                        segment_id="32",
                        action="exited",
                        occurred_at=left,
                    )
                    self.add(
                        "segment_memberships",
                        internal_customer_id=person.person_id,
                        segment_id="32",
                        action="entered",
                        occurred_at=left + _days(self.rng.uniform(0.5, 4)),
                    )
            exit_at = min(filter(None, [activated_at, stopped_at]), default=None)
            if not already_active and (
                exit_at is None or exit_at > start + _days(4) or self.rng.random() < 0.2
            ):
                self.send(journey, "124", start + _days(4))
            if activated_at:
                self.add(
                    "segment_memberships",
                    internal_customer_id=person.person_id,
                    segment_id="32",
                    action="entered",
                    occurred_at=activated_at,
                )
                self.platform_conversion(journey, activated_at, 14)

    def course_completion(self, people: list[Person]) -> None:
        for person in people:
            enrolled_at = EPOCH + _days(self.rng.uniform(0, 20))
            course = self.rng.choice(COURSES)
            trigger = self.event(person, "course_enrolled", enrolled_at, {"course_id": course})
            start = trigger["received_at"] + timedelta(seconds=1)
            journey = self.start_journey("13", person, start, trigger["event_id"], "event")
            schedule = [("131", 0.001), ("132", 2.0), ("133", 4.0), ("134", 7.0), ("135", 12.0)]
            completed_received = None
            for action_id, offset in schedule:
                send_at = start + _days(offset)
                if completed_received and send_at > completed_received:
                    # Exit on conversion: the platform stops, bar the odd message already queued.
                    if self.rng.random() < 0.35:
                        self.send(journey, action_id, send_at)
                    break
                delivery = self.send(journey, action_id, send_at)
                if (
                    completed_received is None
                    and delivery.tracked_clicks
                    and self.rng.random() < 0.6
                ):
                    completed_received = self.complete_course(
                        journey, course, delivery.tracked_clicks[0]
                    )
            if completed_received is None and self.rng.random() < 0.12:
                self.complete_course(journey, course, start + _days(self.rng.uniform(0.5, 14)))

    def complete_course(self, journey: Journey, course: str, after: datetime) -> datetime | None:
        """A course_completed event; returns its processing time when it matches the goal filter."""
        same_course = self.rng.random() < 0.8
        score = round(self.rng.uniform(0.3, 1.0), 2)
        completed = after + _days(self.rng.uniform(0.02, 2))
        properties = {
            "course_id": course if same_course else self.rng.choice(COURSES),
            "score": score,
        }
        claimed, received = self.arrival(completed)
        self.event(journey.person, "course_completed", claimed, properties, received)
        if properties["course_id"] == course and score > 0.5:
            self.platform_conversion(journey, claimed, 21)
            return received
        return None

    def newsletter(self, people: list[Person]) -> None:
        sent_at = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
        for index, person in enumerate(people):
            at = sent_at + timedelta(seconds=2 * index)
            journey = Journey("", "21", person, at, None)
            delivery = self.send(journey, "211", at, newsletter_id="21")
            journey.journey_id = delivery.delivery_id
            if delivery.tracked_clicks and self.rng.random() < 0.5:
                # Its goal is any order, so an order of a person also in "Trial to paid" matches
                # two journeys: the cross-journey model (rule 10) has to pick one.
                ordered = delivery.tracked_clicks[0] + _days(self.rng.uniform(0.001, 2))
                claimed, received = self.arrival(ordered)
                properties = {
                    "order_id": self.next_id("ord"),
                    "total": self.rng.choice([99.0, 129.0]),
                    "plan": "pro",
                    "currency": "USD",
                }
                self.event(person, "order_completed", claimed, properties, received)
                self.platform_conversion(journey, claimed, 5)

    def background_events(self, count_: int) -> None:
        """Page views and stray orders outside any journey: noise the rules must skip."""
        for _ in range(count_):
            person = self.rng.choice(self.people)
            at = EPOCH + _days(self.rng.uniform(-3, 38))
            if self.rng.random() < 0.9:
                self.event(
                    person, "page_viewed", at, {"path": self.rng.choice(["/", "/pricing", "/docs"])}
                )
            else:
                self.event(
                    person,
                    "order_completed",
                    at,
                    {
                        "order_id": self.next_id("ord"),
                        "total": 19.0,
                        "plan": person.plan,
                        "currency": "USD",
                    },
                )

    # --- experiments ----------------------------------------------------------------------

    def win_back(self, size: int) -> None:
        """Lapsed people through campaign 14: a 30% holdout, the rest an A/B-tested email.

        Simulated after every other row (with the same generator, so still deterministic), so the
        other campaigns' rows and the README's numbers about them do not move. Also lands two
        rows the contract quarantines: an assignment without its path and a repeated assignment.
        """
        for index, weight, role in WIN_BACK_PATHS:
            self.add(
                "branch_paths",
                action_id="141",
                branch_index=index,
                campaign_id="14",
                weight_percent=weight,
                role=role,
            )
        for number in range(1, size + 1):
            person = Person(f"cio_{5000 + number:04d}", self.rng.betavariate(2, 3), "basic", False)
            lapsed_since = EPOCH - _days(self.rng.uniform(60, 200))
            self.add(
                "people",
                customer_id=f"user-{5000 + number:04d}",
                internal_customer_id=person.person_id,
                deleted=False,
                suppressed=False,
                created_at=lapsed_since - _days(self.rng.uniform(30, 300)),
                updated_at=lapsed_since,
                email_addr=f"user{5000 + number:04d}@example.com",
            )
            start = EPOCH + _days(self.rng.uniform(0, 25))
            journey = self.start_journey("14", person, start, None, "segment")
            holdout = self.rng.random() < 0.3
            path = 0 if holdout else 1
            assigned = self.add(
                "outputs",
                output_id=self.next_id("out"),
                subject_name=journey.journey_id,
                output_type="random_cohort_branch",
                action_id="141",
                explanation=f"path {path}",
                delivery_id=None,
                draft=False,
                link_tracked=False,
                branch_index=path,
                created_at=start,
            )
            rate = WIN_BACK_BASE_RATE
            if not holdout:
                variant = self.rng.randrange(3)
                delivery = self.send(journey, "142", start + _days(0.01))
                self.rows["deliveries"][-1]["content_id"] = WIN_BACK_CONTENT[variant]
                self.rows["outputs"][-1]["split_test_index"] = variant
                rate = WIN_BACK_VARIANT_RATES[variant] if delivery.left_at else rate
            if self.rng.random() < rate:
                reactivated = start + _days(self.rng.uniform(0.05, 6.9))
                self.event(person, "subscription_reactivated", reactivated, {"plan": "basic"})
            if number % 400 == 0:
                # The platform logged this assignment twice: the later row is quarantined.
                self.extra["outputs"].append(
                    dict(
                        assigned,
                        output_id=self.next_id("out"),
                        branch_index=1 - path,
                        created_at=start + _days(0.5),
                        seq_num=next(self.seq),
                    )
                )
        self.extra["outputs"].append(
            dict(
                self.rows["outputs"][-1],
                output_id=self.next_id("out"),
                output_type="random_cohort_branch",
                action_id="141",
                delivery_id=None,
                split_test_index=None,
                branch_index=None,
                seq_num=next(self.seq),
            )
        )

    # --- re-sent, duplicate and bad rows ----------------------------------------------------

    def resend(self, table: str, how_many: int, change: dict[str, Any] | None = None) -> None:
        """Copies of rows for the extra file: exact duplicates, or re-sent with a higher seq_num.

        A re-sent row carries the true values; the first landing gets the stale `change` so the
        build must pick the higher seq_num to be right.
        """
        for row in self.rng.sample(self.rows[table], how_many):
            copy = dict(row)
            if change is not None:
                copy["seq_num"] = next(self.seq)
                for column, stale in change.items():
                    row[column] = stale(row) if callable(stale) else stale
            self.extra[table].append(copy)

    def messy_rows(self) -> None:
        self.resend("deliveries", 12)
        self.resend("deliveries", 6, {"content_id": lambda row: f"{row['action_id']}-draft"})
        self.resend("metrics", 30)
        self.resend("metrics", 8, {"reason": "pending"})
        self.resend("events", 10)
        orders = [row for row in self.rows["events"] if row["name"] == "order_completed"]
        for row in self.rng.sample(orders, 4):
            # The tracker first sent these orders without a total, then re-sent them complete.
            self.extra["events"].append(dict(row, seq_num=next(self.seq)))
            row["properties"] = json.dumps(
                {**json.loads(row["properties"]), "total": None}, sort_keys=True
            )
        self.resend("subjects", 4)
        self.resend("outputs", 4)
        self.resend(
            "people", 15, {"email_addr": lambda row: row["email_addr"].replace("@", ".old@")}
        )
        self.resend("attributes", 5)
        self.resend("segment_memberships", 4)
        self.extra["campaigns"].extend(dict(row) for row in self.rows["campaigns"])
        self.extra["campaign_actions"].extend(
            dict(row) for row in self.rows["campaign_actions"][:5]
        )
        self.extra["goal_versions"].append(dict(self.rows["goal_versions"][0]))
        self.bad_rows()

    def bad_rows(self) -> None:
        """One or two rows of every kind the contract quarantines, as a real export would carry."""
        base_delivery = dict(self.rows["deliveries"][0])
        bad = self.extra
        bad["deliveries"] += [
            dict(base_delivery, delivery_id=None, seq_num=next(self.seq)),
            dict(
                base_delivery,
                delivery_id="dlv_bad_001",
                delivery_type="fax",
                seq_num=next(self.seq),
            ),
            dict(
                base_delivery,
                delivery_id="dlv_bad_002",
                created_at="2026-03-32 25:61:00",
                seq_num=next(self.seq),
            ),
        ]
        base_metric = dict(self.rows["metrics"][0])
        bad["metrics"] += [
            dict(base_metric, event_id=None, seq_num=next(self.seq)),
            dict(base_metric, event_id="met_bad_001", metric="forwarded", seq_num=next(self.seq)),
            dict(
                base_metric, event_id="met_bad_002", created_at="yesterday", seq_num=next(self.seq)
            ),
            dict(
                base_metric,
                event_id="met_bad_003",
                delivery_id="dlv_never_sent",
                seq_num=next(self.seq),
            ),
            dict(
                base_metric,
                event_id="met_bad_004",
                delivery_id="dlv_bad_001",
                metric="opened",
                seq_num=next(self.seq),
            ),
        ]
        base_event = dict(self.rows["events"][0])
        bad["events"] += [
            dict(base_event, event_id=None, seq_num=next(self.seq)),
            dict(
                base_event, event_id="evt_bad_001", properties="[1, 2, 3]", seq_num=next(self.seq)
            ),
            dict(
                base_event, event_id="evt_bad_002", properties="{total: 12", seq_num=next(self.seq)
            ),
            dict(
                base_event,
                event_id="evt_bad_003",
                received_at="31/03/2026 10:00",
                seq_num=next(self.seq),
            ),
        ]
        bad["subjects"].append(
            dict(self.rows["subjects"][0], subject_name=None, seq_num=next(self.seq))
        )
        bad["subjects"].append(
            dict(
                self.rows["subjects"][0],
                subject_name="jrn_bad_0001",
                started_campaign_at="soon",
                seq_num=next(self.seq),
            )
        )
        bad["people"].append(
            dict(self.rows["people"][0], internal_customer_id=None, seq_num=next(self.seq))
        )
        bad["attributes"].append(
            dict(self.rows["attributes"][0], timestamp="last tuesday", seq_num=next(self.seq))
        )
        bad["segment_memberships"].append(
            dict(
                self.rows["segment_memberships"][0],
                occurred_at="2026-02-30T10:00:00Z",
                seq_num=next(self.seq),
            )
        )
        bad["outputs"].append(dict(self.rows["outputs"][0], output_id=None, seq_num=next(self.seq)))
        course_goal = next(row for row in self.rows["goal_versions"] if row["campaign_id"] == "13")
        # Someone tried to stretch the course window to 120 days through the API: out of range.
        bad["goal_versions"].append(
            dict(
                course_goal,
                version=2,
                window_days=120,
                valid_from=datetime(2026, 3, 25, 9, tzinfo=UTC),
            )
        )
        newsletter_goal = next(
            row for row in self.rows["goal_versions"] if row["campaign_id"] == "21"
        )
        bad["goal_versions"].append(
            dict(
                newsletter_goal,
                version=2,
                window_days=0,
                valid_from=datetime(2026, 3, 30, 9, tzinfo=UTC),
            )
        )
        delay = next(row for row in self.rows["campaign_actions"] if row["action_id"] == "136")
        # Two exports disagree on the delay's name: nobody can tell which is right.
        bad["campaign_actions"].append(dict(delay, name="Wait three days"))


def simulate(seed: int) -> DemoWorld:
    world = DemoWorld(seed)
    world.configuration()
    world.populate(320)
    people = world.people
    world.trial_to_paid(world.rng.sample(people, 170))
    world.onboarding(world.rng.sample(people, 150))
    world.course_completion(world.rng.sample(people, 100) + world.rng.sample(people, 12))
    world.newsletter(sorted(world.rng.sample(people, 240), key=lambda person: person.person_id))
    world.background_events(400)
    world.messy_rows()
    world.win_back(2000)
    return world
