"""Issue 7 marts: multi-touch attribution, exclusive cross-journey credit (rule "
"10), campaign daily."""

from scenarios.builder import Scenario, ScenarioBuilder

HALF_LIFE_DAYS = 7  # dbt_project.yml var attribution_half_life_days


def touch_credits(touches: list[tuple[str, float]]) -> list[dict[str, object]]:
    """Expected fct_attribution_touches rows for one conversion, from each touch's age in days.

    touches are in anchor order (first touch first). The models' definitions, written out:
    position_based gives 40% to the first and last touch and shares 20% among the middle ones;
    with two touches 50/50, with one 100% (docs/decisions.md).
    """
    count = len(touches)
    decay = [0.5 ** (age / HALF_LIFE_DAYS) for _, age in touches]
    rows = []
    for position, (delivery, _) in enumerate(touches, start=1):
        is_first, is_last = position == 1, position == count
        if count == 1:
            position_based = 1.0
        elif count == 2:
            position_based = 0.5
        else:
            position_based = 0.4 if is_first or is_last else 0.2 / (count - 2)
        credits = {
            "last_touch": 1.0 if is_last else 0.0,
            "first_touch": 1.0 if is_first else 0.0,
            "linear": 1.0 / count,
            "position_based": position_based,
            "time_decay": decay[position - 1] / sum(decay),
        }
        rows += [
            {"model": model, "delivery_id": delivery, "touch_position": position, "credit": credit}
            for model, credit in credits.items()
        ]
    return rows


def attribution_touches() -> Scenario:
    s = ScenarioBuilder(
        "an7_attribution_touch_credits",
        "issue 7: exact credits of last_touch, first_touch, linear, position_based 40/20/40 and "
        "time_decay (half-life 7 days) for 1, 2, 3 and 4 touches in window",
    )
    s.campaign_with_goal("c", window_days=30)
    s.journey("j3", person="p3", campaign="c", start="01-01 00:00")
    for delivery, sent in [("d1", "01-01 00:00"), ("d2", "01-08 00:00"), ("d3", "01-14 00:00")]:
        s.delivery(delivery, journey="j3", created=sent, metrics=[("sent", sent)])
    s.delivery(
        "d_slack",
        journey="j3",
        channel="slack",
        created="01-14 12:00",
        metrics=[("sent", "01-14 12:00")],
    )  # not a touch: never attributable
    s.event("e3", person="p3", received="01-15 00:00")
    s.journey("j4", person="p4", campaign="c", start="01-01 00:00")
    for delivery, sent in [
        ("d4a", "01-01 00:00"),
        ("d4b", "01-03 00:00"),
        ("d4c", "01-05 00:00"),
        ("d4d", "01-07 00:00"),
    ]:
        s.delivery(delivery, journey="j4", created=sent, metrics=[("sent", sent)])
    s.event("e4", person="p4", received="01-08 00:00")
    s.journey("j2", person="p2", campaign="c", start="01-01 00:00")
    for delivery, sent in [("d2a", "01-02 00:00"), ("d2b", "01-05 12:00")]:
        s.delivery(delivery, journey="j2", created=sent, metrics=[("sent", sent)])
    s.event("e2", person="p2", received="01-09 00:00")
    s.journey("j1", person="p1", campaign="c", start="01-01 00:00")
    s.delivery("d1only", journey="j1", created="01-02 00:00", metrics=[("sent", "01-02 00:00")])
    s.event("e1", person="p1", received="01-03 00:00")
    s.expect(
        "fct_attribution_touches",
        *[{"journey_id": "j3", **row} for row in touch_credits([("d1", 14), ("d2", 7), ("d3", 1)])],
        *[
            {"journey_id": "j4", **row}
            for row in touch_credits([("d4a", 7), ("d4b", 5), ("d4c", 3), ("d4d", 1)])
        ],
        *[{"journey_id": "j2", **row} for row in touch_credits([("d2a", 7), ("d2b", 3.5)])],
        *[{"journey_id": "j1", **row} for row in touch_credits([("d1only", 1)])],
    )
    return s.build()


def cross_journey() -> Scenario:
    s = ScenarioBuilder(
        "an7_cross_journey_exclusive_credit",
        "rule 10: one goal event matching two journeys: per-campaign credits both, the "
        "exclusive "
        "model credits the latest touchpoint within 30 days (ties: later start, greater "
        "journey_id)",
    )
    s.campaign_with_goal("cA", window_days=None)
    s.campaign_with_goal("cB", window_days=None)
    # (person, [(journey, campaign, start, [(delivery, channel, metrics)])], purchase received at)
    people = [
        (
            "p1",
            [
                ("j1A", "cA", "01-01 00:00", [("d1A", "email", [("sent", "01-02 00:00")])]),
                ("j1B", "cB", "01-03 00:00", [("d1B", "email", [("sent", "01-04 00:00")])]),
            ],
            "01-05 00:00",
        ),
        (
            "p2",
            [
                (
                    "j2A",
                    "cA",
                    "01-01 00:00",
                    [("d2A", "email", [("sent", "01-02 00:00"), ("opened", "01-04 12:00")])],
                ),
                ("j2B", "cB", "01-03 00:00", [("d2B", "email", [("sent", "01-04 00:00")])]),
            ],
            "01-05 00:00",
        ),
        (
            "p3",
            [
                ("j3A", "cA", "01-02 00:00", [("d3A", "email", [("sent", "01-04 00:00")])]),
                ("j3B", "cB", "01-01 00:00", [("d3B", "email", [("sent", "01-04 00:00")])]),
            ],
            "01-05 00:00",
        ),
        (
            "p4",
            [
                ("j4_a", "cA", "01-02 00:00", [("d4a", "email", [("sent", "01-04 00:00")])]),
                ("j4_b", "cB", "01-02 00:00", [("d4b", "email", [("sent", "01-04 00:00")])]),
            ],
            "01-05 00:00",
        ),
        (
            "p5",
            [
                ("j5A", "cA", "01-01 00:00", [("d5A", "email", [("sent", "01-01 00:00")])]),
                ("j5B", "cB", "01-01 00:00", [("d5B", "email", [("sent", "01-01 00:00")])]),
            ],
            "01-31 00:00:01",
        ),
        (
            "p6",
            [("j6A", "cA", "01-01 00:00", [("d6A", "email", [("sent", "01-01 00:00")])])],
            "01-31 00:00",
        ),
        (
            "p7",
            [
                (
                    "j7A",
                    "cA",
                    "01-01 00:00",
                    [
                        ("d7A", "email", [("sent", "01-02 00:00")]),
                        ("d7A_slack", "slack", [("sent", "01-04 00:00")]),
                    ],
                ),
                ("j7B", "cB", "01-01 00:00", [("d7B", "email", [("sent", "01-03 00:00")])]),
            ],
            "01-05 00:00",
        ),
        (
            "p8",
            [
                (
                    "j8A",
                    "cA",
                    "01-01 00:00",
                    [("d8A", "email", [("sent", "01-02 00:00"), ("clicked", "01-04 00:00", None)])],
                ),
                ("j8B", "cB", "01-01 00:00", [("d8B", "email", [("sent", "01-03 00:00")])]),
            ],
            "01-05 00:00",
        ),
    ]
    for person, journeys, purchase_at in people:
        for journey, campaign, start, deliveries in journeys:
            s.journey(journey, person=person, campaign=campaign, start=start)
            for delivery, channel, metrics in deliveries:
                s.delivery(
                    delivery,
                    journey=journey,
                    channel=channel,
                    created=metrics[0][1],
                    metrics=metrics,
                )
        s.event(f"e_{person}", person=person, received=purchase_at)
    # Rules 5-7 do not apply: a second purchase after the journey converted (p9), a goal on
    # clicks within one day that the per-campaign view never converts (p10).
    s.campaign_with_goal("cC", basis="clicked", window_days=1)
    for journey, person, campaign in [("j9A", "p9", "cA"), ("j10C", "p10", "cC")]:
        s.journey(journey, person=person, campaign=campaign, start="01-01 00:00")
        s.delivery(
            f"d_{journey}",
            journey=journey,
            created="01-02 00:00",
            metrics=[("sent", "01-02 00:00")],
        )
    s.event("e_p9a", person="p9", received="01-05 00:00")
    s.event("e_p9b", person="p9", received="01-06 00:00")
    s.event("e_p10", person="p10", received="01-05 00:00")
    # Only journeys whose goal the event matches are candidates (p11: cF's filter fails).
    big_orders = {
        "match": "all",
        "conditions": [{"property": "total", "operator": "gt", "value": 100}],
    }
    s.campaign_with_goal("cF", window_days=None, filter=big_orders)
    for journey, campaign, sent in [("j11A", "cA", "01-02 00:00"), ("j11F", "cF", "01-03 00:00")]:
        s.journey(journey, person="p11", campaign=campaign, start="01-01 00:00")
        s.delivery(f"d_{journey}", journey=journey, created=sent, metrics=[("sent", sent)])
    s.event("e_p11", person="p11", received="01-05 00:00", properties={"total": 20})

    def credited(
        person: str,
        candidates: int,
        journey: str | None,
        campaign: str | None,
        delivery: str | None,
        touch_at: str | None,
    ) -> dict[str, object]:
        converted_at = next(at for p, _, at in people if p == person)
        return {
            "occurrence_id": f"e_{person}",
            "person_id": person,
            "converted_at": converted_at,
            "candidate_journeys": candidates,
            "credited_journey_id": journey,
            "credited_campaign_id": campaign,
            "touch_delivery_id": delivery,
            "touch_at": touch_at,
        }

    s.expect(
        "fct_cross_journey_conversions",
        credited("p1", 2, "j1B", "cB", "d1B", "01-04 00:00"),
        credited("p2", 2, "j2A", "cA", "d2A", "01-04 12:00"),  # an open is a touchpoint
        credited("p3", 2, "j3A", "cA", "d3A", "01-04 00:00"),  # tie: the later journey start
        credited("p4", 2, "j4_b", "cB", "d4b", "01-04 00:00"),  # tie: the greater journey_id
        credited("p5", 2, None, None, None, None),  # last touch 30 days and 1 second before
        credited("p6", 1, "j6A", "cA", "d6A", "01-01 00:00"),  # exactly 30 days before
        credited("p7", 2, "j7B", "cB", "d7B", "01-03 00:00"),  # slack is no touchpoint
        credited("p8", 2, "j8B", "cB", "d8B", "01-03 00:00"),  # nor an untracked click
        *[
            {
                "occurrence_id": event,
                "person_id": person,
                "converted_at": at,
                "candidate_journeys": 1,
                "credited_journey_id": journey,
                "credited_campaign_id": campaign,
                "touch_delivery_id": f"d_{journey}",
                "touch_at": "01-02 00:00",
            }
            for event, person, at, journey, campaign in [
                ("e_p9a", "p9", "01-05 00:00", "j9A", "cA"),
                ("e_p9b", "p9", "01-06 00:00", "j9A", "cA"),
                ("e_p10", "p10", "01-05 00:00", "j10C", "cC"),
                ("e_p11", "p11", "01-05 00:00", "j11A", "cA"),
            ]
        ],
    )
    # The per-campaign view credits both journeys of p1 with the same event (double counting).
    s.expect(
        "fct_conversions",
        *[
            {
                "journey_id": journey,
                "occurrence_id": f"e_{person}",
                "credited_delivery_id": delivery,
            }
            for person, journey, delivery in [
                ("p1", "j1A", "d1A"),
                ("p1", "j1B", "d1B"),
                ("p2", "j2A", "d2A"),
                ("p2", "j2B", "d2B"),
                ("p3", "j3A", "d3A"),
                ("p3", "j3B", "d3B"),
                ("p4", "j4_a", "d4a"),
                ("p4", "j4_b", "d4b"),
                ("p5", "j5A", "d5A"),
                ("p5", "j5B", "d5B"),
                ("p6", "j6A", "d6A"),
                ("p7", "j7A", "d7A"),
                ("p7", "j7B", "d7B"),
                ("p8", "j8A", "d8A"),
                ("p8", "j8B", "d8B"),
                ("p9a", "j9A", "d_j9A"),
                ("p11", "j11A", "d_j11A"),
            ]
        ],
    )
    return s.build()


def campaign_daily() -> Scenario:
    s = ScenarioBuilder(
        "an7_campaign_daily_counts",
        "issue 7: fct_campaign_daily counts per campaign, action and day, newsletters included",
    )
    s.campaign_with_goal("c")
    s.journey("j1", person="p1", campaign="c", start="01-05 00:00")
    s.delivery(
        "d1",
        journey="j1",
        created="01-05 01:00",
        metrics=[
            ("sent", "01-05 01:00"),
            ("delivered", "01-05 01:01"),
            ("opened", "01-05 02:00"),
            ("opened", "01-05 03:00"),
            ("clicked", "01-05 04:00", "link1"),
            ("clicked", "01-05 04:30", None),
        ],
    )
    s.journey("j2", person="p2", campaign="c", start="01-05 00:00")
    s.delivery(
        "d2",
        journey="j2",
        created="01-05 01:00",
        metrics=[("sent", "01-05 01:00"), ("bounced", "01-05 01:05")],
    )
    s.delivery(
        "d3",
        journey="j1",
        action="email2",
        created="01-06 09:00",
        metrics=[("sent", "01-06 09:00"), ("unsubscribed", "01-06 09:30")],
    )
    s.event("e1", person="p1", received="01-06 08:00")
    s.campaign("n1", kind="newsletter")
    s.goal("n1", 1, "01-01 00:00", window_days=3)
    s.newsletter_delivery(
        "nd1",
        newsletter="n1",
        person="p3",
        created="01-05 09:00",
        metrics=[("sent", "01-05 09:01"), ("opened", "01-05 10:00")],
    )
    s.event("e2", person="p3", received="01-05 12:00")
    zero = {
        "sent": 0,
        "delivered": 0,
        "opened": 0,
        "unique_opened": 0,
        "clicked": 0,
        "unique_clicked": 0,
        "converted": 0,
        "bounced": 0,
        "unsubscribed": 0,
    }
    s.expect(
        "fct_campaign_daily",
        {
            "campaign_id": "c",
            "action_id": "c.email",
            "activity_date": "2026-01-05",
            **zero,
            "sent": 2,
            "delivered": 1,
            "opened": 2,
            "unique_opened": 1,
            "clicked": 1,
            "unique_clicked": 1,
            "bounced": 1,
            "goal_basis": "received",
            "conversion_rate": 0.0,
        },
        # The conversion is reported on the day it was processed, under the credited action.
        {
            "campaign_id": "c",
            "action_id": "c.email",
            "activity_date": "2026-01-06",
            **zero,
            "converted": 1,
            "goal_basis": "received",
            "conversion_rate": None,
        },
        {
            "campaign_id": "c",
            "action_id": "c.email2",
            "activity_date": "2026-01-06",
            **zero,
            "sent": 1,
            "unsubscribed": 1,
            "goal_basis": "received",
            "conversion_rate": 0.0,
        },
        {
            "campaign_id": "n1",
            "action_id": None,
            "activity_date": "2026-01-05",
            **zero,
            "sent": 1,
            "opened": 1,
            "unique_opened": 1,
            "converted": 1,
            "goal_basis": "received",
            "conversion_rate": 1.0,
        },
    )
    return s.build()


SCENARIOS = [attribution_touches(), cross_journey(), campaign_daily()]
