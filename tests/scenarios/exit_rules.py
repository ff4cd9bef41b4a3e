"""Rule 9 (expected exit and deliveries after it) and newsletters (a journey per delivery)."""

from scenarios.builder import Scenario, ScenarioBuilder


def exit_on_conversion() -> Scenario:
    s = ScenarioBuilder(
        "r9_exit_converted_counts_deliveries_strictly_after",
        "rule 9: exit at the first goal occurrence; deliveries of any channel created "
        "strictly after count",
    )
    s.campaign_with_goal("c", exit_condition="converted")
    s.journey("j1", person="p1", campaign="c", start="01-05 00:00")
    s.delivery("d1", journey="j1", created="01-05 01:00", metrics=[("sent", "01-05 01:00")])
    s.event("e1", person="p1", received="01-05 10:00")
    s.delivery("d_at_exit", journey="j1", created="01-05 10:00", metrics=[("sent", "01-05 10:00")])
    s.delivery("d_after", journey="j1", created="01-05 11:00", metrics=[("sent", "01-05 11:00")])
    s.delivery(
        "d_slack_after",
        journey="j1",
        channel="slack",
        created="01-05 12:00",
        metrics=[("attempted", "01-05 12:00")],
    )
    s.expect(
        "fct_journeys",
        {
            "journey_id": "j1",
            "is_converted": True,
            "exit_reason": "converted",
            "expected_exit_at": "01-05 10:00",
            "deliveries_sent": 3,
            "deliveries_after_exit": 2,
        },
    )
    return s.build()


def exit_ignores_window() -> Scenario:
    s = ScenarioBuilder(
        "r9_exit_on_goal_ignores_the_window",
        "rule 9: the exit is the first goal occurrence after the start, window ignored",
    )
    s.campaign_with_goal("c", window_days=1, exit_condition="converted")
    # Goal met outside every window: no conversion, but the exit still happens.
    s.journey("j_outside", person="p1", campaign="c", start="01-05 00:00")
    s.delivery("d1", journey="j_outside", created="01-05 01:00", metrics=[("sent", "01-05 01:00")])
    s.event("e1", person="p1", received="01-10 00:00")
    s.delivery("d2", journey="j_outside", created="01-11 00:00", metrics=[("sent", "01-11 00:00")])
    # Goal met before anything was sent: exit then, conversion later at the next occurrence.
    s.journey("j_early", person="p2", campaign="c", start="01-05 00:00")
    s.event("e2", person="p2", received="01-05 00:30")
    s.delivery("d3", journey="j_early", created="01-05 00:50", metrics=[("sent", "01-05 01:00")])
    s.event("e3", person="p2", received="01-05 02:00")
    s.expect(
        "fct_journeys",
        {
            "journey_id": "j_outside",
            "is_converted": False,
            "exit_reason": "converted",
            "expected_exit_at": "01-10 00:00",
            "deliveries_after_exit": 1,
        },
        {
            "journey_id": "j_early",
            "is_converted": True,
            "exit_reason": "converted",
            "expected_exit_at": "01-05 00:30",
            "deliveries_after_exit": 1,
        },
    )
    return s.build()


def exit_stopped_matching() -> Scenario:
    s = ScenarioBuilder(
        "r9_exit_stopped_matching",
        "rule 9: stopped_matching exits at the first trigger-segment exit after the start; a goal "
        "occurrence does not exit under that condition",
    )
    s.campaign_with_goal("c", trigger_segment="signup", exit_condition="stopped_matching")
    # Stopping to match needs no goal (c_no_goal), and a segment goal met at the start does not
    # exit the journey when the condition does not name `converted` (c_met).
    s.campaign_with_goal(
        "c_no_goal", goal_type="none", trigger_segment="signup", exit_condition="stopped_matching"
    )
    s.campaign_with_goal(
        "c_met",
        goal_type="segment_entered",
        segment="vip",
        trigger_segment="signup",
        exit_condition="stopped_matching",
    )
    journeys = [
        ("j_leaves", "p1", "c"),
        ("j_stays", "p2", "c"),
        ("j_left_before_start", "p3", "c"),
        ("j_no_goal", "p4", "c_no_goal"),
        ("j_goal_met_at_start", "p5", "c_met"),
    ]
    for journey, person, campaign in journeys:
        s.segment(person, "signup", "entered", "01-04 00:00")
        s.journey(journey, person=person, campaign=campaign, start="01-05 00:00")
        s.delivery(
            f"d1_{journey}",
            journey=journey,
            created="01-05 01:00",
            metrics=[("sent", "01-05 01:00")],
        )
        s.delivery(
            f"d2_{journey}",
            journey=journey,
            created="01-07 00:00",
            metrics=[("sent", "01-07 00:00")],
        )
    s.event("e1", person="p1", received="01-05 10:00")
    s.segment("p1", "signup", "exited", "01-06 00:00")
    s.segment("p3", "signup", "exited", "01-04 12:00")
    s.segment("p4", "signup", "exited", "01-06 00:00")
    s.segment("p5", "vip", "entered", "01-01 00:00")
    s.segment("p5", "signup", "exited", "01-06 00:00")
    stopped = {
        "is_converted": False,
        "exit_reason": "stopped_matching",
        "expected_exit_at": "01-06 00:00",
        "deliveries_after_exit": 1,
    }
    s.expect(
        "fct_journeys",
        {"journey_id": "j_no_goal", "goal_met_at_start": False, **stopped},
        {"journey_id": "j_goal_met_at_start", "goal_met_at_start": True, **stopped},
        {
            "goal_met_at_start": False,
            "journey_id": "j_leaves",
            "is_converted": True,
            "exit_reason": "stopped_matching",
            "expected_exit_at": "01-06 00:00",
            "deliveries_after_exit": 1,
        },
        {
            "journey_id": "j_stays",
            "goal_met_at_start": False,
            "is_converted": False,
            "exit_reason": None,
            "expected_exit_at": None,
            "deliveries_after_exit": 0,
        },
        {
            "journey_id": "j_left_before_start",
            "goal_met_at_start": False,
            "is_converted": False,
            "exit_reason": None,
            "expected_exit_at": None,
            "deliveries_after_exit": 0,
        },
    )
    return s.build()


def exit_converted_or_stopped_matching() -> Scenario:
    s = ScenarioBuilder(
        "r9_exit_converted_or_stopped_matching_earliest_wins",
        "rule 9: converted_or_stopped_matching exits at whichever comes first (a tie "
        "reads converted)",
    )
    s.campaign_with_goal(
        "c", trigger_segment="signup", exit_condition="converted_or_stopped_matching"
    )
    journeys = [
        ("j_stops_first", "p1", "01-07 00:00", "01-06 00:00"),
        ("j_converts_first", "p2", "01-05 10:00", "01-06 00:00"),
        ("j_same_instant", "p3", "01-06 00:00", "01-06 00:00"),
    ]
    for journey, person, purchase_at, stop_at in journeys:
        s.segment(person, "signup", "entered", "01-04 00:00")
        s.journey(journey, person=person, campaign="c", start="01-05 00:00")
        s.delivery(
            f"d_{journey}",
            journey=journey,
            created="01-05 01:00",
            metrics=[("sent", "01-05 01:00")],
        )
        s.event(f"e_{journey}", person=person, received=purchase_at)
        s.segment(person, "signup", "exited", stop_at)
    s.expect(
        "fct_journeys",
        {
            "journey_id": "j_stops_first",
            "is_converted": True,
            "exit_reason": "stopped_matching",
            "expected_exit_at": "01-06 00:00",
        },
        {
            "journey_id": "j_converts_first",
            "is_converted": True,
            "exit_reason": "converted",
            "expected_exit_at": "01-05 10:00",
        },
        {
            "journey_id": "j_same_instant",
            "is_converted": True,
            "exit_reason": "converted",
            "expected_exit_at": "01-06 00:00",
        },
    )
    return s.build()


def exit_condition_of_version_at_start() -> Scenario:
    s = ScenarioBuilder(
        "r9_exit_condition_of_version_at_start",
        "rule 9: the exit condition is the one in force at the journey start; none means no exit",
    )
    s.campaign("c_none_then_converted")
    s.goal("c_none_then_converted", 1, "01-01 00:00", exit_condition="none")
    s.goal("c_none_then_converted", 2, "01-05 05:00", exit_condition="converted")
    s.campaign("c_converted_then_none")
    s.goal("c_converted_then_none", 1, "01-01 00:00", exit_condition="converted")
    s.goal("c_converted_then_none", 2, "01-05 05:00", exit_condition="none")
    for journey, person, campaign in [
        ("j_no_exit", "p1", "c_none_then_converted"),
        ("j_exits", "p2", "c_converted_then_none"),
    ]:
        s.journey(journey, person=person, campaign=campaign, start="01-05 00:00")
        s.delivery(
            f"d1_{journey}",
            journey=journey,
            created="01-05 01:00",
            metrics=[("sent", "01-05 01:00")],
        )
        s.event(f"e_{journey}", person=person, received="01-05 10:00")
        s.delivery(
            f"d2_{journey}",
            journey=journey,
            created="01-05 11:00",
            metrics=[("sent", "01-05 11:00")],
        )
    s.expect(
        "fct_journeys",
        {
            "journey_id": "j_no_exit",
            "goal_version_at_start": 1,
            "is_converted": True,
            "exit_reason": None,
            "expected_exit_at": None,
            "deliveries_after_exit": 0,
        },
        {
            "journey_id": "j_exits",
            "goal_version_at_start": 1,
            "is_converted": True,
            "exit_reason": "converted",
            "expected_exit_at": "01-05 10:00",
            "deliveries_after_exit": 1,
        },
    )
    s.expect(
        "fct_conversions",
        {"journey_id": "j_no_exit", "goal_version": 2},
        {"journey_id": "j_exits", "goal_version": 2},
    )
    return s.build()


def newsletters() -> Scenario:
    s = ScenarioBuilder(
        "nl_newsletter_delivery_is_a_journey",
        "contract section 3: a newsletter delivery is a journey of one message starting at its "
        "created_at (journey_id = delivery_id); rules 1-9 apply to it",
    )
    s.campaign("n1", kind="newsletter")
    s.goal("n1", 1, "01-01 00:00", window_days=3)
    s.campaign("n2", kind="newsletter")
    s.goal("n2", 1, "01-06 00:00", window_days=3)  # saved after n2 was sent
    s.newsletter_delivery(
        "nd1",
        newsletter="n1",
        person="p1",
        created="01-05 09:00",
        metrics=[("sent", "01-05 09:01")],
    )
    s.event("e1", person="p1", received="01-05 12:00")
    s.newsletter_delivery(
        "nd2",
        newsletter="n1",
        person="p2",
        created="01-05 09:00",
        metrics=[("sent", "01-05 09:01")],
    )
    s.event("e2", person="p2", received="01-05 08:00")  # before the newsletter started
    s.newsletter_delivery(
        "nd3",
        newsletter="n2",
        person="p3",
        created="01-05 09:00",
        metrics=[("sent", "01-05 09:01")],
    )
    s.event("e3", person="p3", received="01-06 10:00")
    s.expect(
        "fct_journeys",
        {
            "journey_id": "nd1",
            "campaign_id": "n1",
            "person_id": "p1",
            "started_at": "01-05 09:00",
            "goal_version_at_start": 1,
            "is_converted": True,
            "credited_delivery_id": "nd1",
            "deliveries_sent": 1,
        },
        {
            "journey_id": "nd2",
            "campaign_id": "n1",
            "person_id": "p2",
            "started_at": "01-05 09:00",
            "goal_version_at_start": 1,
            "is_converted": False,
            "credited_delivery_id": None,
            "deliveries_sent": 1,
        },
        {
            "journey_id": "nd3",
            "campaign_id": "n2",
            "person_id": "p3",
            "started_at": "01-05 09:00",
            "goal_version_at_start": None,
            "is_converted": False,
            "credited_delivery_id": None,
            "deliveries_sent": 1,
        },
    )
    s.expect(
        "fct_deliveries",
        {
            "delivery_id": "nd1",
            "journey_id": "nd1",
            "campaign_id": None,
            "newsletter_id": "n1",
            "is_converted": True,
        },
        {
            "delivery_id": "nd2",
            "journey_id": "nd2",
            "campaign_id": None,
            "newsletter_id": "n1",
            "is_converted": False,
        },
        {
            "delivery_id": "nd3",
            "journey_id": "nd3",
            "campaign_id": None,
            "newsletter_id": "n2",
            "is_converted": False,
        },
    )
    s.expect(
        "fct_conversions",
        {
            "journey_id": "nd1",
            "campaign_id": "n1",
            "occurrence_id": "e1",
            "credited_delivery_id": "nd1",
            "anchor_at": "01-05 09:01",
        },
    )
    return s.build()


SCENARIOS = [
    exit_on_conversion(),
    exit_ignores_window(),
    exit_stopped_matching(),
    exit_converted_or_stopped_matching(),
    exit_condition_of_version_at_start(),
    newsletters(),
]
