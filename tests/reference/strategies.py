"""Hypothesis strategies for small one-workspace landing scenarios that hit the rules' edges.

Times come from a coarse grid (whole hours and days from a base instant) so that equal
timestamps, window boundaries (1, 2, 3 and 7 days) and the 30-day cross-journey limit are hit
often. A scenario uses local ids (p0, c0, d0...); `materialize` prefixes them per example so
hundreds of scenarios can share one landing folder and one dbt build.
"""

import zlib
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

from hypothesis import strategies as st

from landing_builder import Landing

Row = tuple[str, dict[str, Any]]

BASE = datetime(2026, 3, 1)
# Hours from BASE: instants 1h apart and whole days apart, 30/31 days out for rule 10.
# 24h + 0.5s and 48h - 0.5s: sub-second instants next to the whole ones.
HOURS = [0, 1, 24, 25, 48, 49, 72, 96, 168, 744, 745, 768, 24 + 0.5 / 3600, 48 - 0.5 / 3600]
TIMES = st.sampled_from(HOURS)
CHANNELS = ["email", "sms", "push", "webhook", "slack", "in_app", "whatsapp"]
ACTION_TYPES = [*CHANNELS, "create_update_person", "webhook", *["email"] * 4, "sms", "push"]
METRICS = [
    "sent",
    "delivered",
    *["opened"] * 5,
    *["clicked"] * 5,
    "failure",
    "failure",
    "attempted",
    "converted",
    "unsubscribed",
    "spammed",
]
FAILURES = ["bounced", "failed", "dropped", "undeliverable"]
EVENT_NAMES = ["purchase", "purchase", "purchase", "signup", "Purchase"]
SEGMENTS = ["s1", "s2"]

# Columns holding ids that must be unique per example (prefixed by `materialize`).
ID_COLUMNS = {
    "deliveries": [
        "delivery_id",
        "internal_customer_id",
        "subject_id",
        "event_id",
        "campaign_id",
        "action_id",
        "newsletter_id",
        "trigger_id",
    ],
    "metrics": ["event_id", "delivery_id"],
    "subjects": ["subject_name", "internal_customer_id", "campaign_id", "event_id", "trigger_id"],
    "people": ["internal_customer_id", "customer_id"],
    "attributes": ["internal_customer_id"],
    "events": ["event_id", "internal_customer_id"],
    "segment_memberships": ["internal_customer_id", "segment_id"],
    "campaigns": ["campaign_id", "trigger_segment_id"],
    "campaign_actions": ["action_id", "campaign_id"],
    "goal_versions": ["campaign_id", "segment_id"],
    "outputs": ["output_id", "subject_name", "action_id", "delivery_id"],
    "branch_paths": ["action_id", "campaign_id"],
}
SEQ_TABLES = {
    "deliveries",
    "metrics",
    "subjects",
    "people",
    "attributes",
    "events",
    "segment_memberships",
    "outputs",
}
# Path weights of a random cohort branch: valid splits (a 0% path, decimals) and broken ones
# (not summing to 100, a weight outside 0-100) that quarantine the whole branch.
SPLITS = [
    [50, 50],
    [50, 50],
    [10, 90],
    [10, 90],
    [20, 30, 50],
    [0, 50, 50],
    ["33.5", "66.5"],
    [50, 40],
    [120, -20],
]


# Keys of cohort rows for the scenario's own use, not landed.
LOCAL = {"start", "variant"}


def at(hours: float) -> str:
    return (BASE + timedelta(hours=hours)).isoformat(sep=" ")


def property_values() -> st.SearchStrategy[Any]:
    return st.sampled_from([5, 10, 20, 9.99, "10", "pro", "free", "k1", None])


@st.composite
def goal_filters(draw: st.DrawFn) -> dict[str, Any] | None:
    if draw(st.integers(0, 1)) == 0:
        return draw(st.sampled_from([None, {}, {"match": "all", "conditions": []}]))
    conditions = []
    for _ in range(draw(st.integers(1, 2))):
        condition: dict[str, Any] = {
            "property": draw(st.sampled_from(["total", "plan", "course_id"])),
            "operator": draw(
                st.sampled_from(
                    ["eq", "neq", "gt", "gte", "lt", "lte", "contains", "exists", "not_exists"]
                    + ["eq", "contains", "starts_with"]
                )
            ),
        }
        source = draw(st.integers(0, 3))
        if source == 0:
            condition["compare_to"] = {
                "trigger_event_property": draw(st.sampled_from(["course_id", "total"]))
            }
        elif source == 1:
            condition["compare_to"] = {"person_attribute": "plan"}
        elif condition["operator"] not in {"exists", "not_exists"}:
            condition["value"] = draw(
                st.sampled_from([9.99, 10, "10", "pro", "k1", "1", 10.0, None, "0.0", 1e3])
            )
        conditions.append(condition)
    match = draw(st.sampled_from(["all", "any", "any", None]))
    return {"conditions": conditions, **({"match": match} if match else {})}


@st.composite
def event_properties(draw: st.DrawFn) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for name, values in {
        "total": [5, 10, 20, 9.99, "10", None, 10.0, -3, 1e3, True],
        "plan": ["pro", "free", "Pro", "k10", ["pro"]],
        "course_id": ["k1", "k2", 1, "10"],
        # Read as revenue before `total` (var revenue_properties).
        "revenue": [12.5, "30", 0, None],
    }.items():
        if draw(st.booleans()):
            properties[name] = draw(st.sampled_from(values))
    return properties


@st.composite
def scenarios(draw: st.DrawFn) -> list[Row]:
    """Rows (local ids, no workspace_id) of one workspace."""
    rows: list[Row] = []
    # One scenario in five is larger: more people, versions, events and journeys interleave.
    large = draw(st.integers(0, 4)) == 0
    people = [f"p{i}" for i in range(draw(st.integers(1, 3 if large else 2)))]
    for person in people:
        rows.append(
            ("people", {"internal_customer_id": person, "customer_id": person, "seq_num": 1})
        )

    # Campaigns, an optional newsletter, their actions and goal versions.
    campaigns = [f"c{i}" for i in range(draw(st.integers(1, 2)))]
    newsletter = "n0" if draw(st.booleans()) else None
    actions: dict[str, list[tuple[str, str]]] = {}
    for campaign in [*campaigns, *([newsletter] if newsletter else [])]:
        rows.append(
            (
                "campaigns",
                {
                    "campaign_id": campaign,
                    "name": f"Campaign {campaign}",
                    "kind": "newsletter" if campaign == newsletter else "campaign",
                    "trigger_segment_id": draw(st.sampled_from([None, *SEGMENTS])),
                },
            )
        )
        actions[campaign] = []
        for index in range(draw(st.integers(1, 2))):
            action_id = f"{campaign}a{index}"
            action_type = draw(st.sampled_from(ACTION_TYPES))
            actions[campaign].append((action_id, action_type))
            rows.append(
                (
                    "campaign_actions",
                    {
                        "action_id": action_id,
                        "campaign_id": campaign,
                        "action_type": action_type,
                        "webhook_conversions_enabled": draw(st.booleans()),
                    },
                )
            )
        version_count = draw(st.integers(0, 4 if large else 3))
        for version in range(1, version_count + 1):
            goal_type = draw(
                st.sampled_from(["event", "event", "segment_entered", "segment_exited", "none"])
            )
            rows.append(
                (
                    "goal_versions",
                    {
                        "campaign_id": campaign,
                        "version": version,
                        # Version 1 mostly predates every journey; later ones are mid-flight edits.
                        "valid_from": at(
                            -24
                            if version == 1 and draw(st.integers(0, 2))
                            else draw(st.sampled_from([-24, 0, 1, 24, 25, 48, 96, 24 + 0.5 / 3600]))
                        ),
                        "goal_type": goal_type,
                        "event_name": draw(st.sampled_from(EVENT_NAMES))
                        if goal_type == "event"
                        else None,
                        "segment_id": draw(st.sampled_from(SEGMENTS))
                        if goal_type.startswith("segment")
                        else None,
                        "filter": draw(goal_filters()) if goal_type == "event" else None,
                        "window_days": draw(st.sampled_from([None, 1, 1, 2, 3, 7, 7])),
                        "basis": draw(
                            st.sampled_from(["received", "received", "opened", "clicked"])
                        ),
                        "exit_condition": draw(
                            st.sampled_from(
                                [
                                    "none",
                                    "converted",
                                    "stopped_matching",
                                    "converted_or_stopped_matching",
                                ]
                            )
                        ),
                    },
                )
            )

    # Person attributes, goal events and segment changes.
    for _ in range(draw(st.integers(0, 2))):
        rows.append(
            (
                "attributes",
                {
                    "internal_customer_id": draw(st.sampled_from(people)),
                    "attribute_name": "plan",
                    "attribute_value": draw(st.sampled_from(["pro", "free", "10", "Pro", None])),
                    "timestamp": at(draw(st.sampled_from([-24, *HOURS]))),
                    "seq_num": 1,
                },
            )
        )
    events = []
    for index in range(draw(st.integers(0, 10 if large else 6))):
        received = draw(st.sampled_from([*HOURS, 24, 25, 48, 49, 72]))
        # Claimed timestamps backdated across window edges, or ahead (client clock skew).
        claimed = received + draw(st.sampled_from([0, 0, -1, -24, -72, 1]))
        event_id = f"v{index}"
        events.append(event_id)
        rows.append(
            (
                "events",
                {
                    "event_id": event_id,
                    "internal_customer_id": draw(st.sampled_from(people)),
                    "name": draw(st.sampled_from(EVENT_NAMES)),
                    "properties": draw(event_properties()),
                    "timestamp": at(claimed),
                    "received_at": at(received),
                    "seq_num": 1,
                },
            )
        )
    for _ in range(draw(st.integers(0, 8 if large else 5))):
        rows.append(
            (
                "segment_memberships",
                {
                    "internal_customer_id": draw(st.sampled_from(people)),
                    "segment_id": draw(st.sampled_from(SEGMENTS)),
                    "occurred_at": at(draw(st.sampled_from([-24, *HOURS]))),
                    "action": draw(st.sampled_from(["entered", "exited"])),
                    "seq_num": 1,
                },
            )
        )

    # Journeys and their deliveries, newsletter deliveries, and delivery metrics.
    def goal_candidate(event_id: str, person: str, start: float) -> Row:
        received = start + draw(
            st.sampled_from([0, 1, 24, 25, 48, 72, 168, 24 - 0.5 / 3600, 24 + 0.5 / 3600])
        )
        return (
            "events",
            {
                "event_id": event_id,
                "internal_customer_id": person,
                "name": draw(st.sampled_from(EVENT_NAMES)),
                "properties": draw(event_properties()),
                "timestamp": at(received + draw(st.sampled_from([0, -24]))),
                "received_at": at(received),
                "seq_num": 1,
            },
        )

    deliveries: list[str] = []
    delivery_count = 0

    def delivery(campaign: str, person: str, subject: str | None) -> dict[str, Any]:
        nonlocal delivery_count
        action_id, action_type = draw(st.sampled_from(actions[campaign]))
        delivery_id = f"d{delivery_count}"
        delivery_count += 1
        deliveries.append(delivery_id)
        return {
            "delivery_id": delivery_id,
            "internal_customer_id": person,
            "subject_id": subject,
            # Mostly the action's own channel; sometimes a channel the action does not name.
            "delivery_type": action_type
            if action_type in CHANNELS and draw(st.integers(0, 5))
            else draw(st.sampled_from(CHANNELS)),
            "campaign_id": None if campaign == newsletter else campaign,
            "newsletter_id": campaign if campaign == newsletter else None,
            "action_id": action_id,
            "created_at": at(draw(st.sampled_from([0, 0, 1, 24, 25, 48, 96]))),
            "seq_num": 1,
        }

    journeys: list[tuple[str, str, float]] = []
    journey_deliveries: list[dict[str, Any]] = []
    for index in range(draw(st.integers(1, 5 if large else 3))):
        subject = f"j{index}"
        person = draw(st.sampled_from(people))
        campaign = draw(st.sampled_from(campaigns))
        start = draw(st.sampled_from([0, 0, 1, 24, 48]))
        rows.append(
            (
                "subjects",
                {
                    "subject_name": subject,
                    "internal_customer_id": person,
                    "campaign_id": campaign,
                    # The trigger event by event_id, by trigger_id, or a quarantined one.
                    **draw(
                        st.sampled_from(
                            [
                                {},
                                {"event_id": "vbad1"},
                                *[{"event_id": e} for e in events],
                                *[{"trigger_id": e} for e in events],
                            ]
                        )
                    ),
                    "started_campaign_at": at(start),
                    "seq_num": 1,
                },
            )
        )
        journeys.append((subject, campaign, start))
        # Goal candidates shortly after this journey's start, so conversions are common.
        if draw(st.integers(0, 2)):
            rows.append(goal_candidate(f"v{index}j", person, start))
        if draw(st.booleans()):
            rows.append(
                (
                    "segment_memberships",
                    {
                        "internal_customer_id": person,
                        "segment_id": draw(st.sampled_from(SEGMENTS)),
                        "occurred_at": at(start + draw(st.sampled_from([0, 1, 24, 48]))),
                        "action": draw(st.sampled_from(["entered", "exited"])),
                        "seq_num": 1,
                    },
                )
            )
        # Larger scenarios: two to four deliveries, so some conversions have three or more touches.
        for _ in range(draw(st.integers(2, 4) if large else st.integers(1, 3))):
            journey_delivery = delivery(campaign, person, subject)
            journey_deliveries.append(journey_delivery)
            rows.append(("deliveries", journey_delivery))
    newsletter_deliveries: list[dict[str, Any]] = []
    if newsletter:
        for index in range(draw(st.integers(1, 2))):
            person = draw(st.sampled_from(people))
            sent = delivery(newsletter, person, None)
            newsletter_deliveries.append(sent)
            rows.append(("deliveries", sent))
            if draw(st.booleans()):
                # A goal candidate after the newsletter, so newsletter journeys convert too.
                start = (datetime.fromisoformat(sent["created_at"]) - BASE) / timedelta(hours=1)
                rows.append(goal_candidate(f"v{index}n", person, start))
    if draw(st.integers(0, 4)) == 0:
        # A transactional message: neither a journey nor a newsletter, so never a journey.
        transactional = delivery(campaigns[0], people[0], None)
        rows.append(("deliveries", {**transactional, "campaign_id": None, "action_id": None}))
    metric_count = 0
    for delivery_id in deliveries:
        # Most deliveries leave the platform early; the rest of the metrics are drawn freely.
        kinds = [draw(st.sampled_from(["sent", "delivered"]))] if draw(st.integers(0, 3)) else []
        # An engagement for the opened and clicked bases, then anything.
        kinds += draw(st.sampled_from([[], ["opened"], ["clicked"], ["opened", "clicked"]]))
        kinds += [draw(st.sampled_from(METRICS)) for _ in range(draw(st.integers(0, 3)))]
        kinds = [draw(st.sampled_from(FAILURES)) if k == "failure" else k for k in kinds]
        for position, metric in enumerate(kinds):
            hours = (
                [0, 0, 1, 24, 48]
                if position == 0
                else [0, 1, 1, 24, 25, 48, 49, 744, 0.5 / 3600, 48 - 0.5 / 3600]
            )
            rows.append(
                (
                    "metrics",
                    {
                        "event_id": f"m{metric_count}",
                        "delivery_id": delivery_id,
                        "metric": metric,
                        "link_id": draw(st.sampled_from([None, "l1", "l1"]))
                        if metric == "clicked"
                        else None,
                        "created_at": at(draw(st.sampled_from(hours))),
                        "seq_num": 1,
                    },
                )
            )
            metric_count += 1

    if draw(st.integers(0, 5)) == 0:
        # A journey of an unknown campaign is quarantined with its deliveries unused.
        rows.append(
            (
                "subjects",
                {
                    "subject_name": "jx",
                    "internal_customer_id": people[0],
                    "campaign_id": "cx",
                    "started_campaign_at": at(0),
                    "seq_num": 1,
                },
            )
        )
        rows.append(
            ("deliveries", dict(delivery(campaigns[0], people[0], "jx"), delivery_type="email"))
        )
    rows = [(table, draw(reformat_times(table, row))) for table, row in rows]
    rows.extend(draw(resends(rows)))
    rows.extend(draw(bad_rows(deliveries, people, campaigns)))
    # The experiments come last, so the draws above (and the rules they reach) stay as they were.
    # A generator seeded from the rows drawn so far drives them: they take none of hypothesis'
    # choices, so the scenarios above (and the rules' coverage) are what they were without them.
    rng = Random(zlib.crc32(repr(rows).encode()))
    tested = cohort(rng)
    for table, row in tested:
        if table == "subjects":
            journeys.append((row["subject_name"], row["campaign_id"], row["start"]))
        elif table == "deliveries":
            journey_deliveries.append(row)
    # The branch is in the cohort's campaign when there is one.
    branch_campaign = "ck" if tested else campaigns[0]
    tested = [(table, {k: v for k, v in row.items() if k not in LOCAL}) for table, row in tested]
    tested += split_tests(rng, journey_deliveries, newsletter_deliveries)
    tested += holdouts(rng, journeys, branch_campaign)
    return rows + tested + experiment_resends(rng, tested)


def cohort(rng: Random) -> list[Row]:
    """One scenario in five: campaign ck, whose only goal is a plain event goal, and 6 to 12
    journeys of their own people through it, so A/B arms and holdout paths hold enough journeys
    (and conversions) for their statistics to leave the degenerate cases."""
    if rng.randint(0, 4):
        return []
    rows: list[Row] = [
        ("campaigns", {"campaign_id": "ck", "name": "Cohort", "kind": "campaign"}),
        (
            "goal_versions",
            {
                "campaign_id": "ck",
                "version": 1,
                "valid_from": at(-24),
                "goal_type": "event",
                "event_name": "purchase",
                "window_days": rng.choice([None, 1, 2, 7]),
                "basis": rng.choice(["received", "received", "opened", "clicked"]),
                "exit_condition": "none",
            },
        ),
    ]
    actions = [
        ("cka0", "email"),
        ("cka1", rng.choice(["email", "sms", "push"])),
        ("cka2", "push"),
    ]
    for action_id, action_type in actions:
        rows.append(
            (
                "campaign_actions",
                {
                    "action_id": action_id,
                    "campaign_id": "ck",
                    "action_type": action_type,
                    "webhook_conversions_enabled": False,
                },
            )
        )
    # The A/B test of cka0 has a real effect: one variant converts far more often.
    better = rng.randint(0, 1)
    metric = 0
    for index in range(rng.randint(6, 12)):
        person, journey = f"q{index}", f"k{index}"
        start = rng.choice([0, 0, 1, 24])
        variant = rng.randint(0, 1)
        rows += [
            ("people", {"internal_customer_id": person, "customer_id": person, "seq_num": 1}),
            (
                "subjects",
                {
                    "subject_name": journey,
                    "internal_customer_id": person,
                    "campaign_id": "ck",
                    "started_campaign_at": at(start),
                    "seq_num": 1,
                    "start": start,
                },
            ),
        ]
        for number in range(rng.randint(1, 3)):
            action_id, action_type = actions[number]
            delivery_id = f"dk{index}_{number}"
            rows.append(
                (
                    "deliveries",
                    {
                        "delivery_id": delivery_id,
                        "internal_customer_id": person,
                        "subject_id": journey,
                        "delivery_type": action_type,
                        "campaign_id": "ck",
                        "action_id": action_id,
                        "content_id": f"{action_id}-{rng.randint(0, 1)}",
                        "created_at": at(start),
                        "seq_num": 1,
                        **({"variant": variant} if number == 0 else {}),
                    },
                )
            )
            # Mostly sent; some bounce; engagement for the opened and clicked bases.
            kinds = rng.choice(
                [["sent"], ["sent", "opened"], ["delivered", "opened", "clicked"], ["bounced"]]
            )
            for kind in kinds:
                rows.append(
                    (
                        "metrics",
                        {
                            "event_id": f"mk{metric}",
                            "delivery_id": delivery_id,
                            "metric": kind,
                            "link_id": "l1" if kind == "clicked" else None,
                            "created_at": at(start + rng.choice([0, 0.5, 1])),
                            "seq_num": 1,
                        },
                    )
                )
                metric += 1
        if rng.randint(0, 9) < (8 if variant == better else 2):
            # A purchase around the start and the window's end, before and after the assignment.
            received = start + rng.choice([0, 1, 2, 24, 25, 48, 49, 168, 169])
            rows.append(
                (
                    "events",
                    {
                        "event_id": f"vk{index}",
                        "internal_customer_id": person,
                        "name": "purchase",
                        "properties": {},
                        "timestamp": at(received),
                        "received_at": at(received),
                        "seq_num": 1,
                    },
                )
            )
    return rows


def split_tests(
    rng: Random, deliveries: list[dict[str, Any]], newsletter_deliveries: list[dict[str, Any]]
) -> list[Row]:
    """A/B-tested messages: output rows naming each delivery's variant, for some actions.

    Two or three arms per tested action; a delivery of a tested action sometimes has no output
    row (it belongs to no test), and a newsletter's own test is out of scope.
    """
    rows: list[Row] = []
    # The cohort's first message is always tested, other actions one time in three.
    arms = {
        action: rng.choice([2, 2, 3])
        for action in sorted({d["action_id"] for d in deliveries})
        if action == "cka0" or rng.randint(0, 2) == 0
    }
    tested = [d for d in deliveries if d["action_id"] in arms and rng.randint(0, 7)]
    if newsletter_deliveries and rng.randint(0, 3) == 0:
        tested.append(newsletter_deliveries[0])
    for number, sent in enumerate(tested):
        rows.append(
            (
                "outputs",
                {
                    "output_id": f"o{number}",
                    "subject_name": sent["subject_id"],
                    "output_type": "delivery",
                    "action_id": sent["action_id"],
                    "delivery_id": sent["delivery_id"],
                    "split_test_index": sent["variant"]
                    if "variant" in sent
                    else rng.randint(0, arms.get(sent["action_id"], 2) - 1),
                    "created_at": sent["created_at"],
                    "seq_num": 1,
                },
            )
        )
    return rows


def holdouts(rng: Random, journeys: list[tuple[str, str, float]], campaign: str) -> list[Row]:
    """A random cohort branch in the campaign: its paths (sometimes none, sometimes a broken
    split) and the assignments of the campaign's journeys, at or after their start so
    occurrences fall before, at and after the assignment and its window's end."""
    if rng.randint(0, 2) == 0:
        return []
    action_id = f"{campaign}b"
    rows: list[Row] = [
        (
            "campaign_actions",
            {
                "action_id": action_id,
                "campaign_id": campaign,
                "action_type": "branch",
                "webhook_conversions_enabled": False,
            },
        )
    ]
    weights = rng.choice(SPLITS)
    control = rng.randint(0, len(weights) - 1)
    roles = ["control" if index == control else "treatment" for index in range(len(weights))]
    broken_roles = rng.randint(0, 9)
    if broken_roles == 0:
        roles = ["treatment"] * len(weights)  # no control
    elif broken_roles == 1:
        roles = ["control"] * len(weights)  # two or more controls
    if rng.randint(0, 5):  # else: a branch without branch_paths rows is not reported
        for index, (weight, role) in enumerate(zip(weights, roles, strict=True)):
            rows.append(
                (
                    "branch_paths",
                    {
                        "action_id": action_id,
                        "branch_index": index,
                        "campaign_id": campaign,
                        "weight_percent": weight,
                        "role": role,
                    },
                )
            )
    output = 0
    for subject, journey_campaign, start in journeys:
        if journey_campaign != campaign or not rng.randint(0, 5):
            continue
        for _ in range(rng.choice([1, 1, 1, 1, 2])):
            # A row without branch_index is quarantined; a second one is a repeated assignment.
            branch_index = rng.randint(0, len(weights) - 1) if rng.randint(0, 9) else None
            rows.append(
                (
                    "outputs",
                    {
                        "output_id": f"ob{output}",
                        "subject_name": subject,
                        "output_type": "random_cohort_branch",
                        "action_id": action_id,
                        "branch_index": branch_index,
                        "created_at": at(start + rng.choice([0, 0, 1, 24, 25])),
                        "seq_num": 1,
                    },
                )
            )
            output += 1
    return rows


def experiment_resends(rng: Random, rows: list[Row]) -> list[Row]:
    """Outputs landed twice (exact duplicates, or re-sent with a later seq_num and time) and a
    path row sent again with another weight, a conflict that breaks its branch."""
    extra: list[Row] = []
    for table, row in rows:
        choice = rng.randint(0, 9)
        if table == "outputs" and choice == 0:
            extra.append((table, dict(row)))
        elif table == "outputs" and choice == 1:
            extra.append((table, dict(row, seq_num=2, created_at=at(rng.choice(HOURS)))))
        elif table == "branch_paths" and choice == 0:
            extra.append((table, dict(row, weight_percent=1)))
    return extra


@st.composite
def resends(draw: st.DrawFn, rows: list[Row]) -> list[Row]:
    """Exact duplicates of some rows and re-sent rows (higher seq_num, one value changed)."""
    extra: list[Row] = []
    for table, row in rows:
        choice = draw(st.integers(0, 9))
        if choice == 0:
            extra.append((table, dict(row)))  # exact duplicate
        elif choice == 1 and table in SEQ_TABLES:
            changed = dict(row, seq_num=row["seq_num"] + 1)
            time_column = {
                "events": "received_at",
                "metrics": "created_at",
                "deliveries": "created_at",
                "subjects": "started_campaign_at",
                "attributes": None,
                "segment_memberships": None,
                "people": None,
                "outputs": "created_at",
            }[table]
            if time_column:
                changed[time_column] = at(draw(TIMES))
            extra.append((table, changed))
        elif choice == 3 and table == "deliveries":
            # A bad re-send (unknown channel) leaves the good delivery in place.
            extra.append((table, dict(row, seq_num=row["seq_num"] + 1, delivery_type="fax")))
        elif choice == 3 and table == "events":
            # A bad re-send does not replace the good row it re-sends.
            extra.append((table, dict(row, seq_num=row["seq_num"] + 1, properties="oops")))
        elif choice == 3 and table == "campaign_actions":
            # The same value spelled differently is a duplicate, not a conflict.
            extra.append(
                (
                    table,
                    dict(
                        row,
                        webhook_conversions_enabled=str(row["webhook_conversions_enabled"]).upper(),
                    ),
                )
            )
        elif choice == 2 and table == "goal_versions":
            extra.append(
                (table, dict(row, basis="received" if row["basis"] != "received" else "opened"))
            )
        elif choice == 2 and table == "branch_paths":
            # A conflicting path row: both are quarantined, so the branch's split is broken.
            extra.append((table, dict(row, weight_percent=1)))
        elif choice == 2 and table == "campaign_actions":
            # A conflicting configuration row: both rows of the key are quarantined.
            extra.append(
                (
                    table,
                    dict(row, webhook_conversions_enabled=not row["webhook_conversions_enabled"]),
                )
            )
    return extra


@st.composite
def bad_rows(
    draw: st.DrawFn, deliveries: list[str], people: list[str], campaigns: list[str]
) -> list[Row]:
    """A few rows that break the contract and must be quarantined, not used."""
    extra: list[Row] = []
    if people and draw(st.integers(0, 3)) == 0:
        # A delivery of an unknown channel: quarantined, so its metrics have no delivery either.
        extra.append(
            (
                "deliveries",
                {
                    "delivery_id": "dbad",
                    "internal_customer_id": people[0],
                    "subject_id": "j0",
                    "delivery_type": "fax",
                    "campaign_id": campaigns[0],
                    "created_at": at(0),
                    "seq_num": 1,
                },
            )
        )
        extra.append(
            (
                "metrics",
                {
                    "event_id": "mbad3",
                    "delivery_id": "dbad",
                    "metric": "sent",
                    "created_at": at(0),
                    "seq_num": 1,
                },
            )
        )
    if deliveries and draw(st.integers(0, 3)) == 0:
        extra.append(
            (
                "metrics",
                {
                    "event_id": "mbad1",
                    "delivery_id": deliveries[0],
                    "metric": "opened_twice",
                    "created_at": at(1),
                    "seq_num": 1,
                },
            )
        )
    if draw(st.integers(0, 3)) == 0:
        extra.append(
            (
                "metrics",
                {
                    "event_id": "mbad2",
                    "delivery_id": "dmissing",
                    "metric": "sent",
                    "created_at": at(1),
                    "seq_num": 1,
                },
            )
        )
    if people and draw(st.integers(0, 3)) == 0:
        # Properties that are not a JSON object, and an unparseable processing time.
        extra.append(
            (
                "events",
                {
                    "event_id": "vbad1",
                    "internal_customer_id": people[0],
                    "name": "purchase",
                    "properties": "[1, 2]",
                    "timestamp": at(1),
                    "received_at": at(1),
                    "seq_num": 1,
                },
            )
        )
        extra.append(
            (
                "events",
                {
                    "event_id": "vbad2",
                    "internal_customer_id": people[0],
                    "name": "purchase",
                    "properties": {},
                    "timestamp": at(1),
                    "received_at": "soon",
                    "seq_num": 1,
                },
            )
        )
    if campaigns and draw(st.integers(0, 3)) == 0:
        extra.append(
            (
                "goal_versions",
                {
                    "campaign_id": campaigns[0],
                    "version": 9,
                    "valid_from": at(0),
                    "goal_type": "event",
                    "event_name": "purchase",
                    "window_days": 91,
                    "basis": "received",
                    "exit_condition": "converted",
                },
            )
        )
    return extra


TIME_COLUMNS = {
    "deliveries": ["created_at"],
    "metrics": ["created_at"],
    "subjects": ["started_campaign_at"],
    "events": ["timestamp", "received_at"],
    "segment_memberships": ["occurred_at"],
    "attributes": ["timestamp"],
    "goal_versions": ["valid_from"],
    "outputs": ["created_at"],
}


@st.composite
def reformat_times(draw: st.DrawFn, table: str, row: dict[str, Any]) -> dict[str, Any]:
    """Some instants spelled as ISO with Z, with a +02:00 offset, or as epoch seconds."""
    out = dict(row)
    for column in TIME_COLUMNS.get(table, []):
        text = out.get(column)
        try:
            instant = datetime.fromisoformat(text) if text else None
        except ValueError:
            continue  # a deliberately bad value stays bad
        if instant is None:
            continue
        spelling = draw(st.sampled_from(["plain", "plain", "plain", "zulu", "offset", "epoch"]))
        if spelling == "zulu":
            out[column] = instant.isoformat() + "Z"
        elif spelling == "offset":
            out[column] = (instant + timedelta(hours=2)).isoformat() + "+02:00"
        elif spelling == "epoch" and not instant.microsecond:
            out[column] = str(int(instant.replace(tzinfo=UTC).timestamp()))
    return out


def materialize(rows: list[Row], example: int) -> Landing:
    """The scenario's rows with workspace w<example> and every id prefixed by e<example>_."""
    landing = Landing()
    prefix = f"e{example}_"
    for table, row in rows:
        out = dict(row, workspace_id=f"w{example}")
        for column in ID_COLUMNS.get(table, []):
            if out.get(column) is not None:
                out[column] = prefix + str(out[column])
        landing.add(table, **out)
    return landing
