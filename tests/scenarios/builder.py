"""A small language for rule scenarios: a few landing rows and the exact mart rows they must give.

Every scenario lives in its own workspace and prefixes every id it lands with `<name>/`, so all
scenarios can share one landing folder and one dbt build: a mart's rows for a scenario are the rows
whose key column starts with the prefix (marts carry no workspace_id). Ids in expected rows are
written without the prefix, and times in the short form `MM-DD HH:MM[:SS]` (year 2026), which
`expand_time` turns into the `YYYY-MM-DD HH:MM:SS` text the loaded marts are normalised to.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from landing_builder import Landing

YEAR = "2026"
SHORT_TIME = re.compile(r"^\d\d-\d\d \d\d:\d\d(:\d\d)?$")

# Every campaign gets one action per kind, so a delivery only names its channel.
ACTION_TYPES = {
    "email": ("email", False),
    "email2": ("email", False),
    "sms": ("sms", False),
    "push": ("push", False),
    "webhook": ("webhook", False),
    "webhook_on": ("webhook", True),
    "slack": ("slack", False),
    "in_app": ("in_app", False),
    "whatsapp": ("whatsapp", False),
    "person_update": ("create_update_person", False),
}


def expand_time(value: Any) -> Any:
    """`MM-DD HH:MM[:SS]` -> `2026-MM-DD HH:MM:SS`; anything else unchanged."""
    if isinstance(value, str) and SHORT_TIME.match(value):
        return f"{YEAR}-{value}" + ("" if value.count(":") == 2 else ":00")
    return value


@dataclass
class Scenario:
    """Landing rows under one workspace, and per mart the exact rows expected for it."""

    name: str
    proves: str
    landing: Landing
    expected: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Rows per landing table that must end up superseded (duplicates), for the reconciliation.
    superseded: dict[str, int] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return f"{self.name}/"


class ScenarioBuilder:
    """Adds landing rows with prefixed ids and sensible defaults; `build` returns the Scenario."""

    def __init__(self, name: str, proves: str) -> None:
        self.name = name
        self.proves = proves
        self.ws = name
        self.landing = Landing()
        self.expected: dict[str, list[dict[str, Any]]] = {}
        self.superseded: dict[str, int] = {}
        self._people: set[str] = set()
        self._journey_campaign: dict[str, str] = {}
        self._journey_person: dict[str, str] = {}
        self._metric_count = 0
        self._seq = 0

    def id(self, local: str | None) -> str | None:
        return None if local is None else f"{self.name}/{local}"

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    # Configuration -------------------------------------------------------------------------

    def campaign(
        self, campaign: str, *, kind: str = "campaign", trigger_segment: str | None = None
    ) -> "ScenarioBuilder":
        self.landing.add(
            "campaigns",
            workspace_id=self.ws,
            campaign_id=self.id(campaign),
            name=campaign,
            kind=kind,
            trigger_segment_id=self.id(trigger_segment),
            created_at=expand_time("01-01 00:00"),
        )
        for action, (action_type, webhook_on) in ACTION_TYPES.items():
            self.landing.add(
                "campaign_actions",
                workspace_id=self.ws,
                action_id=self.action_id(campaign, action),
                campaign_id=self.id(campaign),
                action_type=action_type,
                name=action,
                webhook_conversions_enabled=webhook_on,
            )
        return self

    def action_id(self, campaign: str, action: str) -> str:
        return self.id(f"{campaign}.{action}")

    def goal(
        self,
        campaign: str,
        version: int,
        valid_from: str,
        *,
        goal_type: str = "event",
        event_name: str | None = "purchase",
        segment: str | None = None,
        filter: dict[str, Any] | str | None = None,
        window_days: int | None = 7,
        basis: str = "received",
        exit_condition: str = "none",
    ) -> "ScenarioBuilder":
        if goal_type != "event":
            event_name = None
        self.landing.add(
            "goal_versions",
            workspace_id=self.ws,
            campaign_id=self.id(campaign),
            version=version,
            valid_from=expand_time(valid_from),
            goal_type=goal_type,
            event_name=event_name,
            segment_id=self.id(segment),
            filter=filter,
            window_days=window_days,
            basis=basis,
            exit_condition=exit_condition,
        )
        return self

    def campaign_with_goal(self, campaign: str, **goal: Any) -> "ScenarioBuilder":
        """A campaign whose single goal version (1) is in force from 01-01."""
        trigger_segment = goal.pop("trigger_segment", None)
        self.campaign(campaign, trigger_segment=trigger_segment)
        return self.goal(campaign, 1, "01-01 00:00", **goal)

    # People and journeys -------------------------------------------------------------------

    def person(self, person: str) -> "ScenarioBuilder":
        if person not in self._people:
            self._people.add(person)
            self.landing.add(
                "people",
                workspace_id=self.ws,
                customer_id=person,
                internal_customer_id=self.id(person),
                deleted=False,
                suppressed=False,
                created_at=expand_time("01-01 00:00"),
                updated_at=expand_time("01-01 00:00"),
                seq_num=1,
            )
        return self

    def journey(
        self,
        journey: str,
        *,
        person: str,
        campaign: str,
        start: str,
        trigger_event: str | None = None,
    ) -> "ScenarioBuilder":
        self.person(person)
        self._journey_campaign[journey] = campaign
        self._journey_person[journey] = person
        self.landing.add(
            "subjects",
            workspace_id=self.ws,
            subject_name=self.id(journey),
            internal_customer_id=self.id(person),
            campaign_id=self.id(campaign),
            campaign_type="triggered",
            event_id=self.id(trigger_event),
            created_at=expand_time(start),
            started_campaign_at=expand_time(start),
            seq_num=1,
        )
        return self

    # Deliveries and metrics ----------------------------------------------------------------

    def delivery(
        self,
        delivery: str,
        *,
        journey: str,
        created: str,
        channel: str = "email",
        action: str | None = None,
        metrics: list[tuple[Any, ...]] = (),
    ) -> "ScenarioBuilder":
        """A journey's delivery; `action` (a key of ACTION_TYPES) defaults to the channel's.

        metrics: (metric, at) or (metric, at, link_id) tuples.
        """
        campaign = self._journey_campaign[journey]
        self.landing.add(
            "deliveries",
            workspace_id=self.ws,
            delivery_id=self.id(delivery),
            internal_customer_id=self.id(self._journey_person[journey]),
            subject_id=self.id(journey),
            delivery_type=channel,
            campaign_id=self.id(campaign),
            action_id=self.action_id(campaign, action or channel),
            created_at=expand_time(created),
            seq_num=1,
        )
        return self.metrics(delivery, metrics)

    def newsletter_delivery(
        self,
        delivery: str,
        *,
        newsletter: str,
        person: str,
        created: str,
        channel: str = "email",
        action: str | None = None,
        metrics: list[tuple[Any, ...]] = (),
    ) -> "ScenarioBuilder":
        """A newsletter delivery (no subject): a journey of its own starting at `created`."""
        self.person(person)
        self.landing.add(
            "deliveries",
            workspace_id=self.ws,
            delivery_id=self.id(delivery),
            internal_customer_id=self.id(person),
            subject_id=None,
            delivery_type=channel,
            newsletter_id=self.id(newsletter),
            action_id=self.action_id(newsletter, action) if action else None,
            created_at=expand_time(created),
            seq_num=1,
        )
        return self.metrics(delivery, metrics)

    def metrics(self, delivery: str, metrics: list[tuple[Any, ...]]) -> "ScenarioBuilder":
        for metric, at, *link in metrics:
            self._metric_count += 1
            self.landing.add(
                "metrics",
                event_id=self.id(f"m{self._metric_count}"),
                workspace_id=self.ws,
                delivery_id=self.id(delivery),
                metric=metric,
                link_id=self.id(link[0]) if link and link[0] else None,
                created_at=expand_time(at),
                seq_num=1,
            )
        return self

    # Tracking data -------------------------------------------------------------------------

    def event(
        self,
        event: str,
        *,
        person: str,
        received: str,
        name: str = "purchase",
        claimed: str | None = None,
        properties: dict[str, Any] | None = None,
    ) -> "ScenarioBuilder":
        """A tracked event; `claimed` (the sender's timestamp) defaults to `received`."""
        self.person(person)
        self.landing.add(
            "events",
            workspace_id=self.ws,
            event_id=self.id(event),
            internal_customer_id=self.id(person),
            name=name,
            properties=properties if properties is not None else {},
            timestamp=expand_time(claimed or received),
            received_at=expand_time(received),
            seq_num=1,
        )
        return self

    def segment(self, person: str, segment: str, action: str, at: str) -> "ScenarioBuilder":
        self.person(person)
        self.landing.add(
            "segment_memberships",
            workspace_id=self.ws,
            internal_customer_id=self.id(person),
            segment_id=self.id(segment),
            occurred_at=expand_time(at),
            action=action,
            seq_num=self._next_seq(),
        )
        return self

    def attribute(self, person: str, name: str, value: str, at: str) -> "ScenarioBuilder":
        self.person(person)
        self.landing.add(
            "attributes",
            workspace_id=self.ws,
            internal_customer_id=self.id(person),
            attribute_name=name,
            attribute_value=value,
            timestamp=expand_time(at),
            seq_num=1,
        )
        return self

    def raw(self, table: str, **row: Any) -> "ScenarioBuilder":
        """A landing row exactly as given (bad input scenarios)."""
        self.landing.add(table, **row)
        return self

    # Expectations --------------------------------------------------------------------------

    def expect(self, mart: str, *rows: dict[str, Any]) -> "ScenarioBuilder":
        """The exact rows of `mart` for this scenario (no rows: the mart must hold none)."""
        columns = {tuple(sorted(row)) for row in rows}
        if len(columns) > 1:
            raise ValueError(f"{self.name}: expected rows of {mart} name different columns")
        self.expected.setdefault(mart, []).extend(
            {column: expand_time(value) for column, value in row.items()} for row in rows
        )
        return self

    def expect_superseded(self, table: str, count: int) -> "ScenarioBuilder":
        self.superseded[table] = self.superseded.get(table, 0) + count
        return self

    def build(self) -> Scenario:
        return Scenario(self.name, self.proves, self.landing, self.expected, self.superseded)
