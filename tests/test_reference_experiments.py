"""The reference's experiment marts (tests/reference/experiments.py) on hand-computed numbers.

The differential trusts the reference; these pin it without dbt: the statistics against values
worked out by hand from the contract's formulas, and the holdout's edges (an occurrence at the
window's end, one before the assignment, a journey without a goal, a branch without paths, a
broken split, a repeated assignment, a variant with sent = 0) on rows staged from csv.
"""

from pathlib import Path
from typing import Any

import pytest

from landing_builder import Landing
from reference.experiments import ctbo, lift, srm_p_value, two_sided_p
from reference.landing import stage
from reference.marts import build_marts
from reference.strategies import Row, at, materialize

# Phi(2) and 2 * (1 - Phi(2)), to 12 digits.
PHI_2 = 0.977249868052
TAIL_2 = 0.045500263896


def test_ctbo_is_phi_of_the_unpooled_z() -> None:
    # 10/100 against 20/100: se^2 = 0.0009 + 0.0016, z = 0.1 / 0.05 = 2.
    assert ctbo(0.1, 100, 0.2, 100) == pytest.approx(PHI_2, abs=1e-12)
    assert ctbo(0.2, 100, 0.1, 100) == pytest.approx(1 - PHI_2, abs=1e-12)
    assert ctbo(0.1, 100, 0.2, 0) is None  # an empty arm
    assert ctbo(0.0, 50, 0.0, 50) is None  # a zero denominator


def test_lift_interval_by_the_delta_method() -> None:
    # var = .1*.9*.2^2 / (.1^4*100) + .2*.8 / (.1^2*100) = .36 + .16; half = 1.959964*sqrt(.52).
    relative, low, high = lift(0.1, 100, 0.2, 100)
    half = 1.959964 * 0.52**0.5
    assert (relative, low, high) == pytest.approx((1.0, 1.0 - half, 1.0 + half), abs=1e-12)
    assert lift(0.0, 100, 0.2, 100) is None
    assert lift(0.1, 0, 0.2, 100) is None
    assert two_sided_p(0.1, 100, 0.2, 100) == pytest.approx(TAIL_2, abs=1e-12)


def test_sample_ratio_is_a_chi_squared_tail() -> None:
    # 60/40 against 50/50: chi2 = 2 * 10^2 / 50 = 4 on 1 df, whose tail is P(|Z| > 2).
    assert srm_p_value([60, 40], [0.5, 0.5]) == pytest.approx(TAIL_2, abs=1e-12)
    # 20/30/50 against 20/30/50: a perfect fit.
    assert srm_p_value([20, 30, 50], [0.2, 0.3, 0.5]) == pytest.approx(1.0)
    assert srm_p_value([10], [1.0]) is None
    assert srm_p_value([0, 0], [0.5, 0.5]) is None


def _goal(window_days: int | None) -> list[Row]:
    return [
        ("people", {"internal_customer_id": "p0", "seq_num": 1}),
        ("campaigns", {"campaign_id": "c0", "kind": "campaign"}),
        ("campaigns", {"campaign_id": "c1", "kind": "campaign"}),
        *[
            (
                "campaign_actions",
                {"action_id": action, "campaign_id": "c0", "action_type": kind},
            )
            for action, kind in (("a0", "email"), ("b0", "branch"), ("b1", "branch"))
        ],
        (
            "goal_versions",
            {
                "campaign_id": "c0",
                "version": 1,
                "valid_from": at(-24),
                "goal_type": "event",
                "event_name": "purchase",
                "window_days": window_days,
                "basis": "received",
                "exit_condition": "none",
            },
        ),
        # Campaign c1's goal is `none`: its journeys are not counted.
        (
            "goal_versions",
            {
                "campaign_id": "c1",
                "version": 1,
                "valid_from": at(-24),
                "goal_type": "none",
                "basis": "received",
                "exit_condition": "none",
            },
        ),
    ]


def _journey(journey: str, campaign: str, purchase_at: float | None) -> list[Row]:
    rows: list[Row] = [
        (
            "subjects",
            {
                "subject_name": journey,
                "internal_customer_id": f"p{journey}",
                "campaign_id": campaign,
                "started_campaign_at": at(0),
                "seq_num": 1,
            },
        ),
        ("people", {"internal_customer_id": f"p{journey}", "seq_num": 1}),
    ]
    if purchase_at is not None:
        rows.append(
            (
                "events",
                {
                    "event_id": f"v{journey}",
                    "internal_customer_id": f"p{journey}",
                    "name": "purchase",
                    "properties": {},
                    "timestamp": at(purchase_at),
                    "received_at": at(purchase_at),
                    "seq_num": 1,
                },
            )
        )
    return rows


def _assign(output: str, journey: str, branch: str, path: int | None, hours: float) -> Row:
    return (
        "outputs",
        {
            "output_id": output,
            "subject_name": journey,
            "output_type": "random_cohort_branch",
            "action_id": branch,
            "branch_index": path,
            "created_at": at(hours),
            "seq_num": 1,
        },
    )


def _paths(branch: str, *paths: tuple[int, Any, str]) -> list[Row]:
    return [
        (
            "branch_paths",
            {
                "action_id": branch,
                "branch_index": index,
                "campaign_id": "c0",
                "weight_percent": weight,
                "role": role,
            },
        )
        for index, weight, role in paths
    ]


def _marts(rows: list[Row], tmp_path: Path) -> dict[str, list[dict[str, Any]]]:
    landing = Landing().extend(materialize(rows, 0))
    marts = build_marts(stage(landing.write(tmp_path / "landing")))
    return {
        name: [
            {k: v.removeprefix("e0_") if isinstance(v, str) else v for k, v in row.items()}
            for row in marts[name]
        ]
        for name in ("fct_holdout_lift", "fct_ab_test_variants")
    }


def test_holdout_counts_from_the_assignment_within_the_window(tmp_path: Path) -> None:
    """Assigned one hour after the start, window one day: an occurrence at assigned_at is in, one
    exactly at assigned_at + 1 day is out, one before the assignment is out; a journey without a
    goal at its start is not counted; a repeated assignment and a row without its path are
    quarantined, so the first assignment holds."""
    rows = [
        *_goal(1),
        *_paths("b0", (0, 50, "control"), (1, 50, "treatment")),
        *_journey("j0", "c0", 1),  # at the assignment: converted
        *_journey("j1", "c0", 25),  # exactly at the window's end: not converted
        *_journey("j2", "c0", 0.5),  # before the assignment: not converted
        *_journey("j3", "c1", 2),  # no goal in force at the start: not counted
        *_journey("j4", "c0", 2),  # converted, on the path of its first assignment
        _assign("o0", "j0", "b0", 1, 1),
        _assign("o1", "j1", "b0", 1, 1),
        _assign("o2", "j2", "b0", 0, 1),
        _assign("o3", "j3", "b0", 0, 1),
        _assign("o4", "j4", "b0", 0, 1),
        _assign("o5", "j4", "b0", 1, 2),  # repeated: quarantined
        _assign("o6", "j2", "b0", None, 0),  # no branch_index: quarantined
    ]
    holdout = sorted(_marts(rows, tmp_path)["fct_holdout_lift"], key=lambda r: r["branch_index"])
    assert [(r["role"], r["assigned"], r["converted"]) for r in holdout] == [
        ("control", 2, 1),
        ("treatment", 2, 1),
    ]
    # p_c = p_t = 0.5: lift 0, var = .25*.25/(.0625*2) + .25/(.25*2) = 1, z = 0.
    treatment = holdout[1]
    assert treatment["relative_lift"] == 0.0
    assert (treatment["lift_ci_low"], treatment["lift_ci_high"]) == pytest.approx(
        (-1.959964, 1.959964)
    )
    assert treatment["p_value"] == pytest.approx(1.0)
    assert holdout[0]["relative_lift"] is None and holdout[0]["p_value"] is None
    assert [r["srm_p_value"] for r in holdout] == pytest.approx([1.0, 1.0])


def test_no_window_means_90_days(tmp_path: Path) -> None:
    rows = [
        *_goal(None),
        *_paths("b0", (0, 100, "control")),
        *_journey("j0", "c0", 24 * 90 - 1),
        *_journey("j1", "c0", 24 * 90),
        _assign("o0", "j0", "b0", 0, 0),
        _assign("o1", "j1", "b0", 0, 0),
    ]
    (row,) = _marts(rows, tmp_path)["fct_holdout_lift"]
    assert (row["assigned"], row["converted"], row["srm_p_value"]) == (2, 1, None)


@pytest.mark.parametrize(
    "paths",
    [
        [(0, 50, "control"), (1, 40, "treatment")],  # sums to 90
        [(0, 120, "control"), (1, -20, "treatment")],  # weights outside 0-100
        [(0, 50, "treatment"), (1, 50, "treatment")],  # no control
        [(0, 50, "control"), (1, 50, "control")],  # two controls
        [],  # no branch_paths rows
    ],
    ids=["sum-90", "out-of-range", "no-control", "two-controls", "no-paths"],
)
def test_a_broken_or_missing_split_is_not_reported(
    tmp_path: Path, paths: list[tuple[int, Any, str]]
) -> None:
    rows = [
        *_goal(7),
        *_paths("b0", *paths),
        *_paths("b1", (0, "33.5", "control"), (1, "66.5", "treatment")),
        *_journey("j0", "c0", 2),
        _assign("o0", "j0", "b0", 0, 0),
        _assign("o1", "j0", "b1", 1, 0),
    ]
    holdout = _marts(rows, tmp_path)["fct_holdout_lift"]
    assert {(r["action_id"], r["branch_index"], r["assigned"]) for r in holdout} == {
        ("b1", 0, 0),
        ("b1", 1, 1),
    }


def test_variants_count_sent_deliveries_and_keep_an_empty_arm(tmp_path: Path) -> None:
    """Variant 0: two sent, one converted; variant 1: its one delivery bounced (sent = 0), so
    neither CTBO nor lift; the even-split test over 2 and 0 sent is chi2 = 2 on 1 df."""
    rows = [*_goal(7), *_journey("j0", "c0", 2), *_journey("j1", "c0", None)]
    for delivery, journey, variant, metric in [
        ("d0", "j0", 0, "sent"),
        ("d1", "j1", 0, "sent"),
        ("d2", "j1", 1, "bounced"),
    ]:
        person = f"p{journey}"
        rows += [
            (
                "deliveries",
                {
                    "delivery_id": delivery,
                    "internal_customer_id": person,
                    "subject_id": journey,
                    "delivery_type": "email",
                    "campaign_id": "c0",
                    "action_id": "a0",
                    "content_id": f"a0-{variant}",
                    "created_at": at(0),
                    "seq_num": 1,
                },
            ),
            (
                "metrics",
                {
                    "event_id": f"m{delivery}",
                    "delivery_id": delivery,
                    "metric": metric,
                    "created_at": at(0.5),
                    "seq_num": 1,
                },
            ),
            (
                "outputs",
                {
                    "output_id": f"o{delivery}",
                    "subject_name": journey,
                    "output_type": "email",
                    "action_id": "a0",
                    "delivery_id": delivery,
                    "split_test_index": variant,
                    "created_at": at(0),
                    "seq_num": 1,
                },
            ),
        ]
    variants = sorted(_marts(rows, tmp_path)["fct_ab_test_variants"], key=lambda r: r["variant"])
    assert [
        (r["variant"], r["content_id"], r["sent"], r["converted"], r["conversion_rate"])
        for r in variants
    ] == [(0, "a0-0", 2, 1, 0.5), (1, "a0-1", 0, 0, None)]
    assert [(r["ctbo"], r["relative_lift"], r["verdict"]) for r in variants] == [
        (None, None, "original"),
        (None, None, "not significant"),
    ]
    assert [r["srm_p_value"] for r in variants] == pytest.approx([0.157299207050285] * 2)
