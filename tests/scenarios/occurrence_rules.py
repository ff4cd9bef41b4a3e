"""Rule 3: what is a goal occurrence (event filters, compare_to, segment goals)."""

from typing import Any

from scenarios.builder import Scenario, ScenarioBuilder

# (case, filter, event properties, converts?)
FilterCase = tuple[str, dict[str, Any] | str | None, dict[str, Any], bool]


def condition(prop: str, operator: str, value: Any = None) -> dict[str, Any]:
    found = {"property": prop, "operator": operator}
    if value is not None:
        found["value"] = value
    return found


def one(prop: str, operator: str, value: Any = None) -> dict[str, Any]:
    return {"match": "all", "conditions": [condition(prop, operator, value)]}


def filter_cases(name: str, proves: str, cases: list[FilterCase]) -> Scenario:
    """One campaign per case (its goal carries the case's filter), one journey, one purchase."""
    s = ScenarioBuilder(name, proves)
    expected = []
    for case, goal_filter, properties, converts in cases:
        s.campaign_with_goal(f"c_{case}", filter=goal_filter)
        s.journey(f"j_{case}", person=f"p_{case}", campaign=f"c_{case}", start="01-05 00:00")
        s.delivery(
            f"d_{case}",
            journey=f"j_{case}",
            created="01-05 01:00",
            metrics=[("sent", "01-05 01:00")],
        )
        s.event(f"e_{case}", person=f"p_{case}", received="01-05 10:00", properties=properties)
        expected.append({"journey_id": f"j_{case}", "is_converted": converts})
    s.expect("fct_journeys", *expected)
    return s.build()


def operators_on_numbers() -> Scenario:
    return filter_cases(
        "r3_filter_operators_on_numbers",
        "rule 3: eq, neq, gt, gte, lt, lte between JSON numbers compare as numbers",
        [
            ("eq", one("x", "eq", 10.0), {"x": 10}, True),
            ("eq_false", one("x", "eq", 11), {"x": 10}, False),
            ("neq", one("x", "neq", 6), {"x": 5}, True),
            ("neq_false", one("x", "neq", 5), {"x": 5}, False),
            ("gt", one("total", "gt", 9.99), {"total": 10}, True),
            ("gt_equal_false", one("x", "gt", 10), {"x": 10}, False),
            ("gte_equal", one("x", "gte", 10), {"x": 10}, True),
            ("gte_false", one("x", "gte", 10), {"x": 9}, False),
            ("lt", one("x", "lt", 5), {"x": 3}, True),
            ("lt_equal_false", one("x", "lt", 5), {"x": 5}, False),
            ("lte_equal", one("x", "lte", 5), {"x": 5}, True),
            ("lte_false", one("x", "lte", 5), {"x": 6}, False),
        ],
    )


def operators_on_text() -> Scenario:
    return filter_cases(
        "r3_filter_operators_on_text",
        "rule 3: contains, exists, not_exists and text eq/neq; JSON null counts as missing",
        [
            ("contains", one("plan", "contains", "annual"), {"plan": "premium_annual"}, True),
            (
                "contains_false",
                one("plan", "contains", "monthly"),
                {"plan": "premium_annual"},
                False,
            ),
            ("eq_text", one("plan", "eq", "pro"), {"plan": "pro"}, True),
            ("eq_text_case_sensitive", one("plan", "eq", "pro"), {"plan": "Pro"}, False),
            ("neq_text", one("plan", "neq", "basic"), {"plan": "pro"}, True),
            ("exists", one("coupon", "exists"), {"coupon": "X"}, True),
            ("exists_absent", one("coupon", "exists"), {}, False),
            ("exists_json_null", one("coupon", "exists"), {"coupon": None}, False),
            ("not_exists", one("coupon", "not_exists"), {}, True),
            ("not_exists_present", one("coupon", "not_exists"), {"coupon": "X"}, False),
            ("not_exists_json_null", one("coupon", "not_exists"), {"coupon": None}, True),
            ("unknown_operator", one("x", "between", 1), {"x": 1}, False),
        ],
    )


def numbers_versus_text() -> Scenario:
    return filter_cases(
        "r3_filter_numbers_versus_text",
        "rule 3: only two JSON numbers compare as numbers; anything else compares as text",
        [
            ("gt_numbers", one("x", "gt", 9), {"x": 10}, True),
            ("gt_text_digits", one("x", "gt", "9"), {"x": "10"}, False),
            ("gt_text_property_number_value", one("x", "gt", 9), {"x": "10"}, False),
            ("eq_text_property_number_value", one("x", "eq", 10), {"x": "10"}, True),
            ("eq_text_decimal_vs_number", one("x", "eq", 10), {"x": "10.0"}, False),
            ("eq_number_decimal_vs_number", one("x", "eq", 10), {"x": 10.0}, True),
            ("lt_text_order", one("fruit", "lt", "banana"), {"fruit": "apple"}, True),
        ],
    )


def missing_property() -> Scenario:
    operators = ["eq", "neq", "gt", "gte", "lt", "lte", "contains"]
    cases: list[FilterCase] = [
        (f"missing_{op}", one("total", op, 5), {"other": 5}, False) for op in operators
    ]
    cases += [
        ("missing_exists", one("total", "exists"), {"other": 5}, False),
        ("missing_not_exists", one("total", "not_exists"), {"other": 5}, True),
    ]
    return filter_cases(
        "r3_filter_missing_property",
        "rule 3: a missing property fails every operator but not_exists",
        cases,
    )


def match_all_any() -> Scenario:
    both = [condition("x", "eq", 1), condition("y", "eq", 2)]
    return filter_cases(
        "r3_filter_match_all_any_empty",
        "rule 3: match all needs every condition, any needs one; empty or null filter matches all",
        [
            ("all_met", {"match": "all", "conditions": both}, {"x": 1, "y": 2}, True),
            ("all_one_met", {"match": "all", "conditions": both}, {"x": 1, "y": 3}, False),
            ("any_one_met", {"match": "any", "conditions": both}, {"x": 1, "y": 3}, True),
            ("any_none_met", {"match": "any", "conditions": both}, {"x": 0, "y": 0}, False),
            ("match_omitted_means_all", {"conditions": both}, {"x": 1, "y": 3}, False),
            ("empty_object", {}, {"x": 0}, True),
            ("no_conditions", {"match": "all", "conditions": []}, {"x": 0}, True),
            ("null_filter", None, {"x": 0}, True),
        ],
    )


def compare_to_trigger_event() -> Scenario:
    s = ScenarioBuilder(
        "r3_compare_to_trigger_event_property",
        "rule 3: compare_to trigger_event_property reads the journey's trigger event",
    )
    same_course = {
        "match": "all",
        "conditions": [
            {
                "property": "course_id",
                "operator": "eq",
                "compare_to": {"trigger_event_property": "course_id"},
            }
        ],
    }
    s.campaign_with_goal("c", event_name="course_completed", filter=same_course)
    journeys = [
        (
            "j1",
            "p1",
            {"course_id": "c-1"},
            [("e1a", {"course_id": "c-2"}), ("e1b", {"course_id": "c-1"})],
        ),
        ("j2", "p2", {"course_id": 7}, [("e2", {"course_id": 7.0})]),
        ("j3", "p3", None, [("e3", {"course_id": "c-1"})]),  # no trigger event at all
        (
            "j4",
            "p4",
            {"other": "c-1"},
            [("e4", {"course_id": "c-1"})],
        ),  # trigger lacks the property
    ]
    for journey, person, trigger_properties, events in journeys:
        trigger = None
        if trigger_properties is not None:
            trigger = f"t_{journey}"
            s.event(
                trigger,
                person=person,
                name="course_started",
                received="01-05 00:00",
                properties=trigger_properties,
            )
        s.journey(journey, person=person, campaign="c", start="01-05 00:00", trigger_event=trigger)
        s.delivery(
            f"d_{journey}",
            journey=journey,
            created="01-05 01:00",
            metrics=[("sent", "01-05 01:00")],
        )
        for hour, (event, properties) in enumerate(events, start=10):
            s.event(
                event,
                person=person,
                name="course_completed",
                received=f"01-05 {hour}:00",
                properties=properties,
            )
    s.expect(
        "fct_conversions",
        {"journey_id": "j1", "occurrence_id": "e1b", "converted_at": "01-05 11:00"},
        {"journey_id": "j2", "occurrence_id": "e2", "converted_at": "01-05 10:00"},
    )
    return s.build()


def compare_to_person_attribute() -> Scenario:
    s = ScenarioBuilder(
        "r3_compare_to_person_attribute_as_of_processing",
        "rule 3: person attributes are read as of the event's processing time; later "
        "changes do not matter",
    )
    same_plan = {
        "match": "all",
        "conditions": [
            {"property": "plan", "operator": "eq", "compare_to": {"person_attribute": "plan"}}
        ],
    }
    s.campaign_with_goal("c", filter=same_plan)
    for journey, person in [("j1", "p1"), ("j2", "p2"), ("j3", "p3")]:
        s.journey(journey, person=person, campaign="c", start="01-05 00:00")
        s.delivery(
            f"d_{journey}",
            journey=journey,
            created="01-05 01:00",
            metrics=[("sent", "01-05 01:00")],
        )
    # p1 matched when the event was processed; the later change must not undo it.
    s.attribute("p1", "plan", "pro", "01-01 00:00")
    s.event("e1", person="p1", received="01-06 10:00", properties={"plan": "pro"})
    s.attribute("p1", "plan", "basic", "01-06 12:00")
    # p2 did not match when e2 was processed; the later change must not make it match.
    s.attribute("p2", "plan", "basic", "01-01 00:00")
    s.event("e2", person="p2", received="01-06 10:00", properties={"plan": "pro"})
    s.attribute("p2", "plan", "pro", "01-06 11:00")
    s.event("e3", person="p2", received="01-06 13:00", properties={"plan": "pro"})
    # p3 has no such attribute: a missing value to compare with fails.
    s.event("e4", person="p3", received="01-06 10:00", properties={"plan": "pro"})
    s.expect(
        "fct_conversions",
        {"journey_id": "j1", "occurrence_id": "e1"},
        {"journey_id": "j2", "occurrence_id": "e3"},
    )
    return s.build()


def segment_goals() -> Scenario:
    s = ScenarioBuilder(
        "r3_segment_entered_and_exited_goals",
        "rule 3: entering (or exiting) the goal segment after the start is the occurrence",
    )
    s.campaign_with_goal("c_enter", goal_type="segment_entered", segment="vip")
    s.campaign_with_goal("c_exit", goal_type="segment_exited", segment="trial")
    for journey, person, campaign in [
        ("j_enters", "p1", "c_enter"),
        ("j_other_segment", "p2", "c_enter"),
        ("j_exits", "p3", "c_exit"),
        ("j_stays", "p4", "c_exit"),
    ]:
        s.journey(journey, person=person, campaign=campaign, start="01-05 00:00")
        s.delivery(
            f"d_{journey}",
            journey=journey,
            created="01-05 01:00",
            metrics=[("sent", "01-05 01:00")],
        )
    s.segment("p1", "vip", "entered", "01-06 10:00")
    s.segment("p2", "gold", "entered", "01-06 10:00")
    s.segment("p3", "trial", "entered", "01-01 00:00")
    s.segment("p3", "trial", "exited", "01-06 10:00")
    s.segment("p4", "trial", "entered", "01-01 00:00")
    s.expect(
        "fct_conversions",
        {
            "journey_id": "j_enters",
            "goal_type": "segment_entered",
            "converted_at": "01-06 10:00",
            "credited_delivery_id": "d_j_enters",
        },
        {
            "journey_id": "j_exits",
            "goal_type": "segment_exited",
            "converted_at": "01-06 10:00",
            "credited_delivery_id": "d_j_exits",
        },
    )
    s.expect(
        "fct_journeys",
        {"journey_id": "j_enters", "goal_met_at_start": False, "is_converted": True},
        {"journey_id": "j_other_segment", "goal_met_at_start": False, "is_converted": False},
        {"journey_id": "j_exits", "goal_met_at_start": False, "is_converted": True},
        {"journey_id": "j_stays", "goal_met_at_start": False, "is_converted": False},
    )
    return s.build()


def already_in_segment_at_start() -> Scenario:
    s = ScenarioBuilder(
        "ex_already_in_goal_segment_never_converts",
        "rule 3/9 / doc 000: a segment goal met at the start never converts; with a "
        "`converted` exit "
        "condition the journey exits at its start (goal_met_at_start)",
    )
    s.campaign_with_goal(
        "c", goal_type="segment_entered", segment="vip", exit_condition="converted"
    )
    s.campaign_with_goal("c_no_exit", goal_type="segment_entered", segment="vip")
    s.campaign_with_goal(
        "c_exited",
        goal_type="segment_exited",
        segment="trial",
        exit_condition="converted_or_stopped_matching",
    )
    journeys = [
        ("j_in_before", "p1", "c", "01-05 01:00"),
        ("j_entered_at_start", "p2", "c", "01-05 00:00"),  # created at the exit instant: not after
        ("j_no_exit_condition", "p3", "c_no_exit", "01-05 01:00"),
        ("j_never_in_exit_goal", "p4", "c_exited", "01-05 01:00"),
        ("j_left_before_start", "p5", "c_exited", "01-05 01:00"),
    ]
    for journey, person, campaign, created in journeys:
        s.journey(journey, person=person, campaign=campaign, start="01-05 00:00")
        s.delivery(f"d_{journey}", journey=journey, created=created, metrics=[("sent", created)])
    for person in ("p1", "p3"):
        s.segment(person, "vip", "entered", "01-01 00:00")
        s.segment(person, "vip", "exited", "01-06 00:00")
        s.segment(person, "vip", "entered", "01-07 10:00")
    s.segment("p2", "vip", "entered", "01-05 00:00")
    s.segment("p5", "trial", "entered", "01-01 00:00")
    s.segment("p5", "trial", "exited", "01-04 00:00")
    s.segment("p5", "trial", "entered", "01-06 00:00")
    s.segment("p5", "trial", "exited", "01-07 00:00")
    s.expect(
        "fct_journeys",
        {
            "journey_id": "j_in_before",
            "goal_met_at_start": True,
            "is_converted": False,
            "exit_reason": "goal_met_at_start",
            "expected_exit_at": "01-05 00:00",
            "deliveries_after_exit": 1,
        },
        {
            "journey_id": "j_entered_at_start",
            "goal_met_at_start": True,
            "is_converted": False,
            "exit_reason": "goal_met_at_start",
            "expected_exit_at": "01-05 00:00",
            "deliveries_after_exit": 0,
        },
        {
            "journey_id": "j_no_exit_condition",
            "goal_met_at_start": True,
            "is_converted": False,
            "exit_reason": None,
            "expected_exit_at": None,
            "deliveries_after_exit": 0,
        },
        {
            "journey_id": "j_never_in_exit_goal",
            "goal_met_at_start": True,
            "is_converted": False,
            "exit_reason": "goal_met_at_start",
            "expected_exit_at": "01-05 00:00",
            "deliveries_after_exit": 1,
        },
        {
            "journey_id": "j_left_before_start",
            "goal_met_at_start": True,
            "is_converted": False,
            "exit_reason": "goal_met_at_start",
            "expected_exit_at": "01-05 00:00",
            "deliveries_after_exit": 1,
        },
    )
    s.expect("fct_conversions")
    s.expect("fct_conversion_windows")
    return s.build()


SCENARIOS = [
    operators_on_numbers(),
    operators_on_text(),
    numbers_versus_text(),
    missing_property(),
    match_all_any(),
    compare_to_trigger_event(),
    compare_to_person_attribute(),
    segment_goals(),
    already_in_segment_at_start(),
]
