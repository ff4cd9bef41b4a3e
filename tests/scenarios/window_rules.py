"""Rules 5 (anchor and window), 6 (credit), 7 (once per journey) and 8 (as of then)."""

from scenarios.builder import Scenario, ScenarioBuilder


def received_anchor_is_first_send() -> Scenario:
    s = ScenarioBuilder(
        "r5_received_anchor_is_first_send",
        "rule 5: basis received anchors at the first sent/delivered metric",
    )
    s.campaign_with_goal("c", window_days=1)
    journeys = [
        ("j_late", "p1", [("sent", "01-05 01:00"), ("delivered", "01-05 03:00")], "01-06 02:00"),
        ("j_in", "p2", [("sent", "01-05 01:00"), ("delivered", "01-05 03:00")], "01-06 00:30"),
        ("j_delivered_only", "p3", [("delivered", "01-05 01:00")], "01-05 05:00"),
    ]
    for journey, person, metrics, purchase_at in journeys:
        s.journey(journey, person=person, campaign="c", start="01-05 00:00")
        s.delivery(f"d_{journey}", journey=journey, created="01-05 01:00", metrics=metrics)
        s.event(f"e_{journey}", person=person, received=purchase_at)
    s.expect(
        "fct_conversions",
        {
            "journey_id": "j_in",
            "credited_delivery_id": "d_j_in",
            "anchor_at": "01-05 01:00",
            "seconds_to_convert": 23 * 3600 + 1800,
        },
        {
            "journey_id": "j_delivered_only",
            "credited_delivery_id": "d_j_delivered_only",
            "anchor_at": "01-05 01:00",
            "seconds_to_convert": 4 * 3600,
        },
    )
    s.expect(
        "fct_conversion_windows",
        *[
            {
                "delivery_id": f"d_{journey}",
                "goal_version": 1,
                "basis": "received",
                "anchor_at": "01-05 01:00",
                "window_ends_at": "01-06 01:00",
            }
            for journey, *_ in journeys
        ],
    )
    return s.build()


def opened_anchor_is_latest_open() -> Scenario:
    s = ScenarioBuilder(
        "r5_opened_anchor_is_latest_open_before_occurrence",
        "rule 5: basis opened anchors at the latest open at or before the occurrence",
    )
    s.campaign_with_goal("c", window_days=1, basis="opened")
    s.journey("j_reopened", person="p1", campaign="c", start="01-05 00:00")
    s.delivery(
        "d1",
        journey="j_reopened",
        created="01-05 01:00",
        metrics=[
            ("sent", "01-05 01:00"),
            ("opened", "01-05 02:00"),
            ("opened", "01-06 12:00"),
            ("opened", "01-07 05:00"),
        ],
    )
    s.event("e1", person="p1", received="01-07 01:00")
    s.journey("j_never_opened", person="p2", campaign="c", start="01-05 00:00")
    s.delivery(
        "d2", journey="j_never_opened", created="01-05 01:00", metrics=[("sent", "01-05 01:00")]
    )
    s.event("e2", person="p2", received="01-05 10:00")
    s.journey("j_open_too_old", person="p3", campaign="c", start="01-05 00:00")
    s.delivery(
        "d3",
        journey="j_open_too_old",
        created="01-05 01:00",
        metrics=[("sent", "01-05 01:00"), ("opened", "01-05 02:00")],
    )
    s.event("e3", person="p3", received="01-06 03:00")
    # An open recorded before the send: an anchor, but the delivery counts only once sent
    # (docs/decisions.md, "Opens before sends").
    s.journey("j_open_before_send", person="p4", campaign="c", start="01-05 00:00")
    s.delivery(
        "d4",
        journey="j_open_before_send",
        created="01-05 00:30",
        metrics=[("opened", "01-05 00:45"), ("sent", "01-05 01:00")],
    )
    s.event("e4a", person="p4", received="01-05 00:50")
    s.event("e4b", person="p4", received="01-06 00:40")
    s.expect(
        "fct_conversions",
        {
            "journey_id": "j_reopened",
            "occurrence_id": "e1",
            "credited_delivery_id": "d1",
            "basis": "opened",
            "anchor_at": "01-06 12:00",
        },
        {
            "journey_id": "j_open_before_send",
            "occurrence_id": "e4b",
            "credited_delivery_id": "d4",
            "basis": "opened",
            "anchor_at": "01-05 00:45",
        },
    )
    s.expect(
        "fct_conversion_windows",
        {
            "delivery_id": "d4",
            "basis": "opened",
            "anchor_at": "01-05 00:45",
            "window_ends_at": "01-06 00:45",
        },
        {
            "delivery_id": "d1",
            "basis": "opened",
            "anchor_at": "01-05 02:00",
            "window_ends_at": "01-06 02:00",
        },
        {
            "delivery_id": "d1",
            "basis": "opened",
            "anchor_at": "01-06 12:00",
            "window_ends_at": "01-07 12:00",
        },
        {
            "delivery_id": "d1",
            "basis": "opened",
            "anchor_at": "01-07 05:00",
            "window_ends_at": "01-08 05:00",
        },
        {
            "delivery_id": "d3",
            "basis": "opened",
            "anchor_at": "01-05 02:00",
            "window_ends_at": "01-06 02:00",
        },
    )
    return s.build()


def untracked_clicks() -> Scenario:
    s = ScenarioBuilder(
        "ex_untracked_clicks_never_count",
        "rule 5 / doc 000: basis clicked anchors at the latest tracked click; untracked "
        "clicks never count",
    )
    s.campaign_with_goal("c", basis="clicked")
    journeys = [
        ("j_untracked", "p1", [("clicked", "01-05 02:00", None)]),
        ("j_tracked", "p2", [("clicked", "01-05 02:00", "link1")]),
        (
            "j_tracked_then_untracked",
            "p3",
            [("clicked", "01-05 02:00", "link1"), ("clicked", "01-05 02:30", None)],
        ),
    ]
    for journey, person, clicks in journeys:
        s.journey(journey, person=person, campaign="c", start="01-05 00:00")
        s.delivery(
            f"d_{journey}",
            journey=journey,
            created="01-05 01:00",
            metrics=[("sent", "01-05 01:00"), *clicks],
        )
        s.event(f"e_{journey}", person=person, received="01-05 03:00")
    s.expect(
        "fct_conversions",
        {"journey_id": "j_tracked", "anchor_at": "01-05 02:00", "basis": "clicked"},
        {"journey_id": "j_tracked_then_untracked", "anchor_at": "01-05 02:00", "basis": "clicked"},
    )
    s.expect(
        "fct_deliveries",
        {"delivery_id": "d_j_untracked", "first_clicked_at": None},
        {"delivery_id": "d_j_tracked", "first_clicked_at": "01-05 02:00"},
        {"delivery_id": "d_j_tracked_then_untracked", "first_clicked_at": "01-05 02:00"},
    )
    return s.build()


def window_half_open() -> Scenario:
    s = ScenarioBuilder(
        "ex_window_boundary_half_open",
        "rule 5 / doc 000: anchor <= occurrence < anchor + window_days",
    )
    s.campaign_with_goal("c", window_days=2)
    journeys = [
        ("j_at_window_end", "p1", "01-07 01:00", False),
        ("j_just_before_end", "p2", "01-07 00:59:59", True),
        ("j_at_anchor", "p3", "01-05 01:00", True),
        ("j_just_before_anchor", "p4", "01-05 00:59:59", False),
    ]
    expected = []
    for journey, person, purchase_at, converts in journeys:
        s.journey(journey, person=person, campaign="c", start="01-05 00:00")
        s.delivery(
            f"d_{journey}",
            journey=journey,
            created="01-05 00:30",
            metrics=[("sent", "01-05 01:00")],
        )
        s.event(f"e_{journey}", person=person, received=purchase_at)
        expected.append(
            {
                "journey_id": journey,
                "is_converted": converts,
                "converted_at": purchase_at if converts else None,
            }
        )
    s.expect("fct_journeys", *expected)
    s.expect(
        "fct_conversions",
        {"journey_id": "j_just_before_end", "seconds_to_convert": 2 * 86400 - 1},
        {"journey_id": "j_at_anchor", "seconds_to_convert": 0},
    )
    return s.build()


def null_window_unlimited() -> Scenario:
    s = ScenarioBuilder(
        "r5_null_window_is_unlimited", "rule 5: a legacy goal without window_days has no limit"
    )
    s.campaign_with_goal("c", window_days=None)
    s.journey("j1", person="p1", campaign="c", start="01-05 00:00")
    s.delivery("d1", journey="j1", created="01-05 01:00", metrics=[("sent", "01-05 01:00")])
    s.event("e1", person="p1", received="06-30 00:00")
    s.expect(
        "fct_conversions",
        {"journey_id": "j1", "converted_at": "06-30 00:00", "credited_delivery_id": "d1"},
    )
    s.expect(
        "fct_conversion_windows",
        {"delivery_id": "d1", "anchor_at": "01-05 01:00", "window_ends_at": None},
    )
    return s.build()


def two_messages_received() -> Scenario:
    s = ScenarioBuilder(
        "ex_two_messages_received_second_gets_credit",
        "rule 6 / doc 000: two messages received, goal met in both windows: the later "
        "one is credited",
    )
    s.campaign_with_goal("c")
    s.journey("j1", person="p1", campaign="c", start="01-05 00:00")
    s.delivery("d1", journey="j1", created="01-05 01:00", metrics=[("sent", "01-05 01:00")])
    s.delivery("d2", journey="j1", created="01-05 02:00", metrics=[("sent", "01-05 02:00")])
    s.event("e1", person="p1", received="01-05 10:00")
    # Latest anchor, not latest created: d3 was created first but left the platform last.
    s.journey("j2", person="p2", campaign="c", start="01-05 00:00")
    s.delivery("d3", journey="j2", created="01-05 01:00", metrics=[("sent", "01-05 05:00")])
    s.delivery("d4", journey="j2", created="01-05 02:00", metrics=[("sent", "01-05 03:00")])
    s.event("e2", person="p2", received="01-05 10:00")
    s.expect(
        "fct_conversions",
        {"journey_id": "j1", "credited_delivery_id": "d2", "anchor_at": "01-05 02:00"},
        {"journey_id": "j2", "credited_delivery_id": "d3", "anchor_at": "01-05 05:00"},
    )
    return s.build()


def opened_out_of_order() -> Scenario:
    s = ScenarioBuilder(
        "ex_two_messages_opened_out_of_order_first_gets_credit",
        "rule 6 / doc 000: basis opened, second message opened first, then the first: "
        "first is credited",
    )
    s.campaign_with_goal("c", basis="opened")
    s.journey("j1", person="p1", campaign="c", start="01-05 00:00")
    s.delivery(
        "d1",
        journey="j1",
        created="01-05 01:00",
        metrics=[("sent", "01-05 01:00"), ("opened", "01-05 04:00")],
    )
    s.delivery(
        "d2",
        journey="j1",
        created="01-05 02:00",
        metrics=[("sent", "01-05 02:00"), ("opened", "01-05 03:00")],
    )
    s.event("e1", person="p1", received="01-05 05:00")
    s.expect(
        "fct_conversions",
        {"journey_id": "j1", "credited_delivery_id": "d1", "anchor_at": "01-05 04:00"},
    )
    return s.build()


def tie_on_created_at() -> Scenario:
    s = ScenarioBuilder(
        "r6_anchor_tie_goes_to_later_created_at",
        "rule 6: equal anchors: the delivery created later wins, whatever its id",
    )
    s.campaign_with_goal("c")
    s.journey("j1", person="p1", campaign="c", start="01-05 00:00")
    s.delivery("dz", journey="j1", created="01-05 01:00", metrics=[("sent", "01-05 03:00")])
    s.delivery("da", journey="j1", created="01-05 02:00", metrics=[("sent", "01-05 03:00")])
    s.event("e1", person="p1", received="01-05 10:00")
    s.expect("fct_conversions", {"journey_id": "j1", "credited_delivery_id": "da"})
    return s.build()


def tie_on_delivery_id() -> Scenario:
    s = ScenarioBuilder(
        "r6_anchor_and_created_tie_goes_to_greater_delivery_id",
        "rule 6: equal anchors and created_at: the greater delivery_id wins",
    )
    s.campaign_with_goal("c")
    s.journey("j1", person="p1", campaign="c", start="01-05 00:00")
    s.delivery("d2", journey="j1", created="01-05 01:00", metrics=[("sent", "01-05 03:00")])
    s.delivery("d1", journey="j1", created="01-05 01:00", metrics=[("sent", "01-05 03:00")])
    s.event("e1", person="p1", received="01-05 10:00")
    s.expect("fct_conversions", {"journey_id": "j1", "credited_delivery_id": "d2"})
    return s.build()


def once_per_journey() -> Scenario:
    s = ScenarioBuilder(
        "r7_converts_once_at_first_occurrence_with_delivery_in_window",
        "rule 7: one conversion per journey, at its first occurrence with a delivery in window; "
        "a delivery converts at most once",
    )
    s.campaign_with_goal("c")
    s.journey("j1", person="p1", campaign="c", start="01-05 00:00")
    s.event("e0", person="p1", received="01-05 00:30")  # nothing has left the platform yet
    s.delivery("d1", journey="j1", created="01-05 01:00", metrics=[("sent", "01-05 01:00")])
    s.event("e1", person="p1", received="01-05 02:00")
    s.delivery("d2", journey="j1", created="01-05 03:00", metrics=[("sent", "01-05 03:00")])
    s.event("e2", person="p1", received="01-05 04:00")
    # Two occurrences at one instant: the smaller occurrence id (docs/decisions.md).
    s.journey("j2", person="p2", campaign="c", start="01-05 00:00")
    s.delivery("d3", journey="j2", created="01-05 01:00", metrics=[("sent", "01-05 01:00")])
    s.event("e_b", person="p2", received="01-05 05:00")
    s.event("e_a", person="p2", received="01-05 05:00")
    s.expect(
        "fct_conversions",
        {
            "journey_id": "j1",
            "occurrence_id": "e1",
            "converted_at": "01-05 02:00",
            "credited_delivery_id": "d1",
        },
        {
            "journey_id": "j2",
            "occurrence_id": "e_a",
            "converted_at": "01-05 05:00",
            "credited_delivery_id": "d3",
        },
    )
    s.expect(
        "fct_deliveries",
        {"delivery_id": "d1", "is_converted": True, "converted_at": "01-05 02:00"},
        {"delivery_id": "d2", "is_converted": False, "converted_at": None},
        {"delivery_id": "d3", "is_converted": True, "converted_at": "01-05 05:00"},
    )
    return s.build()


def late_data() -> Scenario:
    s = ScenarioBuilder(
        "r8_late_data_does_not_change_a_conversion",
        "rule 8: data processed after the occurrence (a backdated event, a late send, a bounce, "
        "a goal edit) leaves the conversion as it was",
    )
    s.campaign("c")
    s.goal("c", 1, "01-01 00:00")
    s.goal("c", 2, "01-05 12:30", event_name="upgrade")
    s.journey("j1", person="p1", campaign="c", start="01-05 00:00")
    s.delivery(
        "d1",
        journey="j1",
        created="01-05 01:00",
        metrics=[("sent", "01-05 01:00"), ("bounced", "01-05 13:00")],
    )
    s.delivery("d2", journey="j1", created="01-05 08:00", metrics=[("sent", "01-05 11:00")])
    s.event("e1", person="p1", received="01-05 10:00")
    s.event("e_late", person="p1", claimed="01-05 05:00", received="01-05 12:00")
    s.expect(
        "fct_conversions",
        {
            "journey_id": "j1",
            "occurrence_id": "e1",
            "goal_version": 1,
            "converted_at": "01-05 10:00",
            "credited_delivery_id": "d1",
            "anchor_at": "01-05 01:00",
        },
    )
    return s.build()


SCENARIOS = [
    received_anchor_is_first_send(),
    opened_anchor_is_latest_open(),
    untracked_clicks(),
    window_half_open(),
    null_window_unlimited(),
    two_messages_received(),
    opened_out_of_order(),
    tie_on_created_at(),
    tie_on_delivery_id(),
    once_per_journey(),
    late_data(),
]
