"""Rules 1 (goal in force at the journey start) and 2 (version at processing time)."""

from scenarios.builder import Scenario, ScenarioBuilder


def no_goal_at_start() -> Scenario:
    s = ScenarioBuilder(
        "r1_no_goal_at_start", "rule 1: goal 'none' or no goal at all never converts"
    )
    s.campaign_with_goal("c_none", goal_type="none")
    s.campaign("c_unset")  # a campaign that never had a goal version
    for journey, person, campaign in [("j1", "p1", "c_none"), ("j2", "p2", "c_unset")]:
        s.journey(journey, person=person, campaign=campaign, start="01-05 00:00")
        s.delivery(
            f"d_{journey}",
            journey=journey,
            created="01-05 00:10",
            metrics=[("sent", "01-05 00:11")],
        )
        s.event(f"e_{journey}", person=person, received="01-05 02:00")
    s.expect(
        "fct_journeys",
        {
            "journey_id": "j1",
            "goal_version_at_start": 1,
            "is_converted": False,
            "exit_reason": None,
        },
        {
            "journey_id": "j2",
            "goal_version_at_start": None,
            "is_converted": False,
            "exit_reason": None,
        },
    )
    s.expect("fct_conversions")
    s.expect("fct_conversion_windows")
    return s.build()


def goal_added_mid_flight() -> Scenario:
    s = ScenarioBuilder(
        "ex_goal_added_to_running_campaign",
        "rule 1 / doc 000: a goal added to a running campaign does not convert earlier journeys",
    )
    s.campaign("c")
    s.goal("c", 1, "01-01 00:00", goal_type="none")
    s.goal("c", 2, "01-05 12:00", window_days=7, exit_condition="converted")
    s.journey("j_before", person="p1", campaign="c", start="01-05 00:00")
    s.delivery("d1", journey="j_before", created="01-05 00:10", metrics=[("sent", "01-05 00:11")])
    s.event("e1", person="p1", received="01-06 10:00")
    s.journey("j_after", person="p2", campaign="c", start="01-06 00:00")
    s.delivery("d2", journey="j_after", created="01-06 00:10", metrics=[("sent", "01-06 00:11")])
    s.event("e2", person="p2", received="01-06 10:00")
    # A version is in force from its valid_from instant on (docs/decisions.md).
    s.journey("j_at_save", person="p3", campaign="c", start="01-05 12:00")
    s.delivery("d3", journey="j_at_save", created="01-05 12:00", metrics=[("sent", "01-05 12:00")])
    s.event("e3", person="p3", received="01-05 13:00")
    s.expect(
        "fct_journeys",
        {
            "journey_id": "j_at_save",
            "goal_version_at_start": 2,
            "is_converted": True,
            "credited_delivery_id": "d3",
            "exit_reason": "converted",
        },
        {
            "journey_id": "j_before",
            "goal_version_at_start": 1,
            "is_converted": False,
            "credited_delivery_id": None,
            "exit_reason": None,
        },
        {
            "journey_id": "j_after",
            "goal_version_at_start": 2,
            "is_converted": True,
            "credited_delivery_id": "d2",
            "exit_reason": "converted",
        },
    )
    s.expect(
        "fct_conversions",
        {
            "journey_id": "j_after",
            "occurrence_id": "e2",
            "goal_version": 2,
            "converted_at": "01-06 10:00",
        },
        {
            "journey_id": "j_at_save",
            "occurrence_id": "e3",
            "goal_version": 2,
            "converted_at": "01-05 13:00",
        },
    )
    return s.build()


def version_at_processing_time() -> Scenario:
    s = ScenarioBuilder(
        "r2_version_at_processing_time",
        "rule 2: the version in force at received_at judges an event, never its timestamp",
    )
    s.campaign("c")
    s.goal("c", 1, "01-01 00:00", event_name="purchase")
    s.goal("c", 2, "01-06 00:00", event_name="upgrade")
    s.journey("j1", person="p1", campaign="c", start="01-05 00:00")
    s.delivery("d1", journey="j1", created="01-05 01:00", metrics=[("sent", "01-05 01:00")])
    # Claimed under version 1 but processed under version 2, which wants `upgrade`.
    s.event("e1", person="p1", name="purchase", claimed="01-05 10:00", received="01-06 10:00")
    s.event("e2", person="p1", name="upgrade", received="01-07 10:00")
    s.journey("j2", person="p2", campaign="c", start="01-05 00:00")
    s.delivery("d2", journey="j2", created="01-05 01:00", metrics=[("sent", "01-05 01:00")])
    # Client clock ahead: claimed after version 2 was saved, processed while version 1 held.
    s.event("e3", person="p2", name="purchase", claimed="01-06 10:00", received="01-05 20:00")
    # "At or after the journey start" is by processing time too, both ways.
    s.journey("j3", person="p3", campaign="c", start="01-05 00:00")
    s.delivery("d3", journey="j3", created="01-05 01:00", metrics=[("sent", "01-05 01:00")])
    s.event("e4", person="p3", name="purchase", claimed="01-04 12:00", received="01-05 02:00")
    s.journey("j4", person="p4", campaign="c", start="01-05 12:00")
    s.delivery("d4", journey="j4", created="01-05 12:00", metrics=[("sent", "01-05 12:30")])
    s.event("e5", person="p4", name="purchase", claimed="01-05 13:00", received="01-05 11:00")
    s.expect(
        "fct_conversions",
        {
            "journey_id": "j1",
            "occurrence_id": "e2",
            "goal_version": 2,
            "converted_at": "01-07 10:00",
            "occurred_at_claimed": "01-07 10:00",
            "credited_delivery_id": "d1",
        },
        {
            "journey_id": "j2",
            "occurrence_id": "e3",
            "goal_version": 1,
            "converted_at": "01-05 20:00",
            "occurred_at_claimed": "01-06 10:00",
            "credited_delivery_id": "d2",
        },
        {
            "journey_id": "j3",
            "occurrence_id": "e4",
            "goal_version": 1,
            "converted_at": "01-05 02:00",
            "occurred_at_claimed": "01-04 12:00",
            "credited_delivery_id": "d3",
        },
    )
    return s.build()


def goal_removed_mid_flight() -> Scenario:
    s = ScenarioBuilder(
        "r2_goal_removed_mid_flight",
        "rule 2: once a version with goal 'none' is in force, events neither convert nor exit",
    )
    s.campaign("c")
    s.goal("c", 1, "01-01 00:00", exit_condition="converted")
    s.goal("c", 2, "01-06 00:00", goal_type="none", exit_condition="converted")
    for journey, person, purchase_at in [
        ("j_before", "p1", "01-05 10:00"),
        ("j_after", "p2", "01-06 10:00"),
    ]:
        s.journey(journey, person=person, campaign="c", start="01-05 00:00")
        s.delivery(
            f"d_{journey}",
            journey=journey,
            created="01-05 01:00",
            metrics=[("sent", "01-05 01:00")],
        )
        s.event(f"e_{journey}", person=person, received=purchase_at)
    s.expect(
        "fct_journeys",
        {"journey_id": "j_before", "is_converted": True, "exit_reason": "converted"},
        {"journey_id": "j_after", "is_converted": False, "exit_reason": None},
    )
    return s.build()


def segment_change_judged_at_processing_time() -> Scenario:
    s = ScenarioBuilder(
        "r2_segment_change_judged_by_version_at_occurred_at",
        "rule 2: a segment entry is judged by the goal version in force at its occurred_at",
    )
    s.campaign("c")
    s.goal("c", 1, "01-01 00:00", goal_type="segment_entered", segment="vip")
    s.goal("c", 2, "01-06 00:00", goal_type="segment_entered", segment="gold")
    s.journey("j1", person="p1", campaign="c", start="01-05 00:00")
    s.delivery("d1", journey="j1", created="01-05 01:00", metrics=[("sent", "01-05 01:00")])
    s.segment("p1", "vip", "entered", "01-07 00:00")  # vip was the goal only until 01-06
    s.segment("p1", "gold", "entered", "01-08 00:00")
    s.expect(
        "fct_conversions",
        {"journey_id": "j1", "goal_version": 2, "converted_at": "01-08 00:00"},
    )
    return s.build()


def edit_keeps_recorded_conversion() -> Scenario:
    s = ScenarioBuilder(
        "ex_goal_edit_keeps_recorded_conversion",
        "rule 2 / doc 000: an edit never changes a conversion recorded before it; it "
        "judges later ones",
    )
    s.campaign("c")
    s.goal("c", 1, "01-01 00:00")
    stricter = {
        "match": "all",
        "conditions": [{"property": "total", "operator": "gt", "value": 100}],
    }
    s.goal("c", 2, "01-08 00:00", filter=stricter)
    for journey, person in [("j1", "p1"), ("j2", "p2")]:
        s.journey(journey, person=person, campaign="c", start="01-05 00:00")
        s.delivery(
            f"d_{journey}",
            journey=journey,
            created="01-05 01:00",
            metrics=[("sent", "01-05 01:00")],
        )
    s.event("e1", person="p1", received="01-06 10:00", properties={"total": 20})
    s.event("e2", person="p2", received="01-08 10:00", properties={"total": 20})
    s.event("e3", person="p2", received="01-09 10:00", properties={"total": 150})
    s.expect(
        "fct_conversions",
        {
            "journey_id": "j1",
            "occurrence_id": "e1",
            "goal_version": 1,
            "converted_at": "01-06 10:00",
        },
        {
            "journey_id": "j2",
            "occurrence_id": "e3",
            "goal_version": 2,
            "converted_at": "01-09 10:00",
        },
    )
    s.expect(
        "fct_journeys",
        {"journey_id": "j1", "goal_version_at_start": 1, "is_converted": True},
        {"journey_id": "j2", "goal_version_at_start": 1, "is_converted": True},
    )
    return s.build()


def backdated_event() -> Scenario:
    s = ScenarioBuilder(
        "ex_backdated_event_outside_window",
        "rule 2 / doc 000: an event timestamped inside the window but received after it "
        "never converts",
    )
    s.campaign_with_goal("c", window_days=3)
    for journey, person in [("j_backdated", "p1"), ("j_on_time", "p2")]:
        s.journey(journey, person=person, campaign="c", start="01-05 00:00")
        s.delivery(
            f"d_{journey}",
            journey=journey,
            created="01-05 01:00",
            metrics=[("sent", "01-05 01:00")],
        )
    # The window of the send closes at 01-08 01:00.
    s.event("e1", person="p1", claimed="01-06 10:00", received="01-09 10:00")
    s.event("e2", person="p2", claimed="01-06 10:00", received="01-06 10:00")
    s.expect(
        "fct_journeys",
        {"journey_id": "j_backdated", "is_converted": False, "converted_at": None},
        {"journey_id": "j_on_time", "is_converted": True, "converted_at": "01-06 10:00"},
    )
    return s.build()


SCENARIOS = [
    no_goal_at_start(),
    goal_added_mid_flight(),
    version_at_processing_time(),
    goal_removed_mid_flight(),
    segment_change_judged_at_processing_time(),
    edit_keeps_recorded_conversion(),
    backdated_event(),
]
