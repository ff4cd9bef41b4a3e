"""Issue 22, contract section 4 "Experiments": A/B-tested messages and random cohort branches.

Expected statistics are computed here with scipy from the counts the scenario lands (never from
the SQL): CTBO = Phi(z), the delta-method lift interval, the two-sided p-value and the chi-squared
sample-ratio p-value.
"""

import math
from typing import Any

from scipy.stats import chi2, norm

from scenarios.builder import Scenario, ScenarioBuilder, expand_time

Z95 = 1.959964


def lift(p_t: float, n_t: int, p_c: float, n_c: int) -> tuple[float, float, float]:
    var = p_c * (1 - p_c) * p_t**2 / (p_c**4 * n_c) + p_t * (1 - p_t) / (p_c**2 * n_t)
    relative = (p_t - p_c) / p_c
    return relative, relative - Z95 * math.sqrt(var), relative + Z95 * math.sqrt(var)


def z_of(p_t: float, n_t: int, p_c: float, n_c: int) -> float:
    return (p_t - p_c) / math.sqrt(p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c)


def srm(observed: list[int], shares: list[float]) -> float:
    total = sum(observed)
    statistic = sum(
        (o - total * s) ** 2 / (total * s) for o, s in zip(observed, shares, strict=True)
    )
    return float(chi2.sf(statistic, len(observed) - 1))


def branch_path(
    s: ScenarioBuilder, action: str, index: Any, weight: Any, role: str, campaign: str = "c"
) -> None:
    s.raw(
        "branch_paths",
        workspace_id=s.ws,
        action_id=s.action_id(campaign, action),
        branch_index=index,
        campaign_id=s.id(campaign),
        weight_percent=weight,
        role=role,
    )


def assign(s: ScenarioBuilder, output: str, journey: str, action: str, path: Any, at: str) -> None:
    s.raw(
        "outputs",
        workspace_id=s.ws,
        output_id=s.id(output),
        subject_name=s.id(journey),
        output_type="random_cohort_branch",
        action_id=s.action_id("c", action),
        branch_index=path,
        created_at=expand_time(at),
        seq_num=1,
    )


def holdout_edges() -> Scenario:
    """A 50/50 holdout (path 0 control): the window's end is excluded, an occurrence before the
    assignment does not count, a journey without a goal at its start is not counted, a repeated
    assignment keeps the first, and a branch without branch_paths rows is not reported."""
    s = ScenarioBuilder("holdout_edges", "issue 22: holdout outcome from the assignment")
    # No goal before 01-03: a journey starting then is never counted.
    s.campaign("c")
    s.goal("c", 1, "01-01 00:00", goal_type="none", event_name=None)
    s.goal("c", 2, "01-03 00:00", window_days=7)
    branch_path(s, "branch", 0, 50, "control")
    branch_path(s, "branch", 1, 50, "treatment")
    journeys = {
        # journey: (path, start, assigned, goal event received)
        "j_at_window_end": (1, "01-04 00:00", "01-05 00:00", "01-12 00:00"),  # = assigned + 7 d
        "j_treated_converts": (1, "01-04 00:00", "01-05 00:00", "01-11 23:59:59"),
        "j_before_assignment": (0, "01-04 00:00", "01-05 00:00", "01-04 12:00"),
        "j_control_converts": (0, "01-04 00:00", "01-05 00:00", "01-05 00:00"),  # = assigned_at
        "j_no_goal_at_start": (0, "01-02 00:00", "01-05 00:00", "01-05 06:00"),
        "j_assigned_twice": (1, "01-04 00:00", "01-05 00:00", None),
    }
    for journey, (path, start, assigned, event) in journeys.items():
        person = f"p_{journey}"
        s.journey(journey, person=person, campaign="c", start=start)
        assign(s, f"o_{journey}", journey, "branch", path, assigned)
        if event:
            s.event(f"e_{journey}", person=person, received=event)
    # Assigned again, later, to the other path: the first assignment holds.
    assign(s, "o_again", "j_assigned_twice", "branch", 0, "01-06 00:00")
    # A second branch of the campaign without branch_paths rows: no report.
    assign(s, "o_unconfigured", "j_treated_converts", "branch_unconfigured", 0, "01-05 00:00")
    s.expect(
        "stg_quarantine",
        {
            "table_name": "outputs",
            "row_key": "o_again",
            "quarantine_reason": "reassigned_at_branch",
        },
    )
    n_c, p_c, n_t, p_t = 2, 1 / 2, 3, 1 / 3
    relative, low, high = lift(p_t, n_t, p_c, n_c)
    split = srm([n_c, n_t], [0.5, 0.5])
    common = {"action_id": "c.branch", "campaign_id": "c"}
    s.expect(
        "fct_holdout_lift",
        {
            **common,
            "branch_index": 0,
            "role": "control",
            "assigned": n_c,
            "converted": 1,
            "conversion_rate": p_c,
            "relative_lift": None,
            "lift_ci_low": None,
            "lift_ci_high": None,
            "p_value": None,
            "srm_p_value": split,
        },
        {
            **common,
            "branch_index": 1,
            "role": "treatment",
            "assigned": n_t,
            "converted": 1,
            "conversion_rate": p_t,
            "relative_lift": relative,
            "lift_ci_low": low,
            "lift_ci_high": high,
            "p_value": float(2 * norm.sf(abs(z_of(p_t, n_t, p_c, n_c)))),
            "srm_p_value": split,
        },
    )
    return s.build()


def tested_deliveries(
    s: ScenarioBuilder, variant: int, count: int, *, sent: int, opened: int, converted: int
) -> None:
    """`count` deliveries of variant `variant` of action c.email, each in its own journey: the
    first `sent` left the platform, of them the first `opened` were opened and the first
    `converted` converted."""
    for number in range(count):
        journey = f"v{variant}_j{number}"
        person = f"v{variant}_p{number}"
        s.journey(journey, person=person, campaign="c", start="01-05 00:00")
        metrics: list[tuple[Any, ...]] = []
        if number < sent:
            metrics.append(("sent", "01-05 01:00"))
        if number < min(sent, opened):
            metrics.append(("opened", "01-05 01:30"))
        s.delivery(f"d_{journey}", journey=journey, created="01-05 01:00", metrics=metrics)
        if number < min(sent, converted):
            s.event(f"e_{journey}", person=person, received="01-05 02:00")
        s.raw(
            "outputs",
            workspace_id=s.ws,
            output_id=s.id(f"o_{journey}"),
            subject_name=s.id(journey),
            output_type="email",
            action_id=s.action_id("c", "email"),
            delivery_id=s.id(f"d_{journey}"),
            split_test_index=variant,
            created_at=expand_time("01-05 01:00"),
            seq_num=1,
        )


def variant_row(
    variant: int,
    sent: int,
    opened: int,
    converted: int,
    original: tuple[int, int] | None,
    split: float,
) -> dict[str, Any]:
    """The expected mart row; `original` is (sent, converted) of variant 0, None on variant 0."""
    p = converted / sent if sent else None
    row: dict[str, Any] = {
        "action_id": "c.email",
        "campaign_id": "c",
        "variant": variant,
        "sent": sent,
        "opened": opened,
        "clicked": 0,
        "converted": converted,
        "conversion_rate": p,
        "ctbo": None,
        "relative_lift": None,
        "lift_ci_low": None,
        "lift_ci_high": None,
        "verdict": "original" if variant == 0 else "not significant",
        "srm_p_value": split,
    }
    if original is not None and sent:
        n0, c0 = original
        p0 = c0 / n0
        ctbo = float(norm.cdf(z_of(p, sent, p0, n0)))
        relative, low, high = lift(p, sent, p0, n0)
        verdict = (
            "variation winning" if ctbo > 0.95 else "original winning" if ctbo < 0.05 else None
        )
        row.update(ctbo=ctbo, relative_lift=relative, lift_ci_low=low, lift_ci_high=high)
        row["verdict"] = verdict or "not significant"
    return row


def ab_test() -> Scenario:
    """Three variants: the original converts 1 of 4 sent, variant 1 3 of 4, variant 2 sent none
    (ctbo null, not significant); the sample-ratio test over 4/4/0 against an even split."""
    s = ScenarioBuilder("ab_test", "issue 22: A/B test variants, CTBO, verdict, sent = 0")
    s.campaign_with_goal("c")
    tested_deliveries(s, 0, 4, sent=4, opened=2, converted=1)
    tested_deliveries(s, 1, 4, sent=4, opened=4, converted=3)
    tested_deliveries(s, 2, 2, sent=0, opened=0, converted=0)
    split = srm([4, 4, 0], [1 / 3] * 3)
    s.expect(
        "fct_ab_test_variants",
        variant_row(0, 4, 2, 1, None, split),
        variant_row(1, 4, 4, 3, (4, 1), split),
        variant_row(2, 0, 0, 0, (4, 1), split),
    )
    return s.build()


def ab_broken_split() -> Scenario:
    """30 sent of the original against 5 of the variant: the split is broken (srm < 0.001) and
    the warning test names the action."""
    s = ScenarioBuilder("ab_broken_split", "issue 22: sample ratio mismatch")
    s.campaign_with_goal("c")
    tested_deliveries(s, 0, 30, sent=30, opened=0, converted=3)
    tested_deliveries(s, 1, 5, sent=5, opened=0, converted=1)
    split = srm([30, 5], [0.5, 0.5])
    assert split < 0.001
    s.expect(
        "fct_ab_test_variants",
        variant_row(0, 30, 0, 3, None, split),
        variant_row(1, 5, 0, 1, (30, 3), split),
    )
    return s.build()


def experiment_bad_rows() -> Scenario:
    """Each quarantine reason of the experiment inputs."""
    s = ScenarioBuilder("bad_experiment_rows", "issue 22: bad branch and variant rows")
    ws = s.ws
    quarantined: list[dict[str, Any]] = []

    def bad_path(action: str, index: Any, weight: Any, role: str, reason: str) -> None:
        branch_path(s, action, index, weight, role)
        quarantined.append(
            {
                "table_name": "branch_paths",
                "row_key": f"{ws}|c.{action}|{index}",
                "quarantine_reason": reason,
            }
        )

    s.campaign_with_goal("c")
    s.journey("j", person="p", campaign="c", start="01-05 00:00")
    s.raw(
        "outputs",
        workspace_id=ws,
        output_id=s.id("o_no_path"),
        subject_name=s.id("j"),
        output_type="random_cohort_branch",
        action_id=s.action_id("c", "branch"),
        created_at=expand_time("01-05 00:00"),
        seq_num=1,
    )
    s.raw(
        "outputs",
        workspace_id=ws,
        output_id=s.id("o_bad_variant"),
        subject_name=s.id("j"),
        output_type="email",
        action_id=s.action_id("c", "email"),
        split_test_index="two",
        created_at=expand_time("01-05 00:00"),
        seq_num=1,
    )
    quarantined += [
        {
            "table_name": "outputs",
            "row_key": "o_no_path",
            "quarantine_reason": "random_cohort_branch_without_branch_index",
        },
        {
            "table_name": "outputs",
            "row_key": "o_bad_variant",
            "quarantine_reason": "invalid_split_test_index",
        },
    ]
    # A weight above 100 breaks its path, and so the branch's sum for its sibling.
    bad_path("b_weight", 0, 120, "control", "weight_percent_out_of_range")
    bad_path("b_weight", 1, 50, "treatment", "branch_weights_not_100")
    bad_path("b_sum", 0, 40, "control", "branch_weights_not_100")
    bad_path("b_sum", 1, 50, "treatment", "branch_weights_not_100")
    bad_path("b_two_controls", 0, 50, "control", "branch_without_one_control")
    bad_path("b_two_controls", 1, 50, "control", "branch_without_one_control")
    bad_path("b_no_control", 0, 50, "treatment", "branch_without_one_control")
    bad_path("b_no_control", 1, 50, "treatment", "branch_without_one_control")
    bad_path("b_conflict", 0, 50, "control", "config_conflict")
    bad_path("b_conflict", 0, 60, "control", "config_conflict")
    bad_path("b_conflict", 1, 50, "treatment", "branch_weights_not_100")
    # A valid branch with decimal weights and an exact duplicate row (superseded).
    branch_path(s, "b_ok", 0, "33.33", "control")
    branch_path(s, "b_ok", 1, "33.33", "treatment")
    branch_path(s, "b_ok", 2, "33.34", "treatment")
    branch_path(s, "b_ok", 2, "33.34", "treatment")
    s.expect_superseded("branch_paths", 1)
    s.expect("stg_quarantine", *quarantined)
    # Only the valid branch is reported, every path with nobody assigned.
    s.expect(
        "fct_holdout_lift",
        *[
            {"action_id": "c.b_ok", "branch_index": index, "assigned": 0, "srm_p_value": None}
            for index in range(3)
        ],
    )
    return s.build()


SCENARIOS = [holdout_edges(), ab_test(), ab_broken_split(), experiment_bad_rows()]
