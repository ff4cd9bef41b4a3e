"""The experiment marts of contract section 4 (A/B tests and holdouts), from the staged rows.

Statistics come from scipy (norm.cdf, chi2.sf), never from the SQL's own approximations, so the
differential compares the SQL's probabilities with exact ones. Choices the contract leaves open are
the ones written down in docs/decisions.md ("Experiments").
"""

import math
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from scipy.stats import chi2, norm

from reference.landing import RANDOM_COHORT_BRANCH, BranchPath, Delivery
from reference.rules import Journey, World, goal_at_start, occurrences

# The two-sided 95% normal quantile the contract writes out.
Z95 = 1.959964
# A goal version without a window judges the holdout over 90 days.
HOLDOUT_DEFAULT_WINDOW_DAYS = 90
SRM_THRESHOLD = 0.001


def rate(converted: int, total: int) -> float | None:
    return converted / total if total else None


def ctbo(p_original: float, n_original: int, p_variant: float, n_variant: int) -> float | None:
    """Chance to beat the original: Phi of the unpooled z; null on an empty arm or zero spread."""
    if not n_original or not n_variant:
        return None
    spread = p_variant * (1 - p_variant) / n_variant + p_original * (1 - p_original) / n_original
    if spread <= 0:
        return None
    return float(norm.cdf((p_variant - p_original) / math.sqrt(spread)))


def lift(
    p_control: float, n_control: int, p_treated: float, n_treated: int
) -> tuple[float, float, float] | None:
    """Relative lift and its delta-method 95% interval; null on an empty arm or p_control = 0."""
    if not n_control or not n_treated or p_control == 0:
        return None
    relative = (p_treated - p_control) / p_control
    variance = p_control * (1 - p_control) * p_treated**2 / (
        p_control**4 * n_control
    ) + p_treated * (1 - p_treated) / (p_control**2 * n_treated)
    half = Z95 * math.sqrt(variance)
    return relative, relative - half, relative + half


def two_sided_p(p_control: float, n_control: int, p_treated: float, n_treated: int) -> float | None:
    if not n_control or not n_treated:
        return None
    spread = p_treated * (1 - p_treated) / n_treated + p_control * (1 - p_control) / n_control
    if spread <= 0:
        return None
    z = (p_treated - p_control) / math.sqrt(spread)
    return float(2 * norm.sf(abs(z)))


def srm_p_value(observed: list[int], shares: list[float]) -> float | None:
    """Chi-squared goodness of fit of the arms' counts to their shares (which sum to 1)."""
    total = sum(observed)
    if len(observed) < 2 or total == 0:
        return None
    statistic = sum(
        (count - total * share) ** 2 / (total * share)
        for count, share in zip(observed, shares, strict=True)
    )
    return float(chi2.sf(statistic, len(observed) - 1))


def verdict(variant: int, chance: float | None) -> str:
    if variant == 0:
        return "original"
    if chance is not None and chance > 0.95:
        return "variation winning"
    if chance is not None and chance < 0.05:
        return "original winning"
    return "not significant"


def ab_test_variants(world: World, deliveries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per campaign x action x variant that has at least one delivery."""
    # Should two output rows name one delivery, the first (created_at, then output_id) holds.
    variant_of = {
        (o.workspace_id, o.delivery_id): o.split_test_index
        for o in sorted(
            world.staged.outputs, key=lambda o: (o.created_at, o.output_id), reverse=True
        )
        if o.split_test_index is not None and o.delivery_id is not None
    }
    staged: dict[str, Delivery] = {d.delivery_id: d for d in world.staged.deliveries}
    arms: dict[tuple, list[tuple[Delivery, dict[str, Any]]]] = defaultdict(list)
    for row in deliveries:
        delivery = staged[row["delivery_id"]]
        variant = variant_of.get((delivery.workspace_id, delivery.delivery_id))
        if variant is None or delivery.campaign_id is None:
            continue  # newsletters' own tests are out of scope
        key = (delivery.workspace_id, delivery.campaign_id, delivery.action_id, variant)
        arms[key].append((delivery, row))
    counts: dict[tuple, dict[str, Any]] = {}
    for key, members in arms.items():
        sent = [row for _, row in members if row["left_platform"]]
        contents = [d.content_id for d, _ in members if d.content_id is not None]
        counts[key] = {
            "workspace_id": key[0],
            "campaign_id": key[1],
            "action_id": key[2],
            "variant": key[3],
            "content_id": max(contents, default=None),
            "sent": len(sent),
            "opened": sum(r["first_opened_at"] is not None for r in sent),
            "clicked": sum(r["first_clicked_at"] is not None for r in sent),
            "converted": sum(bool(r["is_converted"]) for r in sent),
        }
    by_action: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for key, row in counts.items():
        by_action[key[:3]].append(row)
    rows = []
    for action_rows in by_action.values():
        # Variants: an even split is the configured one.
        even = [1 / len(action_rows)] * len(action_rows)
        srm = srm_p_value([r["sent"] for r in action_rows], even)
        original = next((r for r in action_rows if r["variant"] == 0), None)
        for row in action_rows:
            p = rate(row["converted"], row["sent"])
            chance = relative = None
            interval: tuple[float | None, float | None] = (None, None)
            if row["variant"] != 0 and original is not None:
                p0, n0 = rate(original["converted"], original["sent"]) or 0.0, original["sent"]
                chance = ctbo(p0, n0, p or 0.0, row["sent"])
                found = lift(p0, n0, p or 0.0, row["sent"])
                if found is not None:
                    relative, interval = found[0], found[1:]
            rows.append(
                {
                    **row,
                    "conversion_rate": p,
                    "ctbo": chance,
                    "relative_lift": relative,
                    "lift_ci_low": interval[0],
                    "lift_ci_high": interval[1],
                    "verdict": verdict(row["variant"], chance),
                    "srm_p_value": srm,
                }
            )
    return rows


def holdout_converted(world: World, journey: Journey, assigned_at: datetime) -> bool:
    """Intention to treat: a goal occurrence (rules 1-3) in the window from the assignment."""
    for occurrence in occurrences(world, journey):
        days = occurrence.version.window_days or HOLDOUT_DEFAULT_WINDOW_DAYS
        if assigned_at <= occurrence.processed_at < assigned_at + timedelta(days=days):
            return True
    return False


def holdout_lift(world: World, journeys: list[Journey]) -> list[dict[str, Any]]:
    """One row per configured path of a valid branch (branch_paths), assigned 0 included."""
    by_id = {(j.workspace_id, j.journey_id): j for j in journeys}
    paths: dict[tuple[str, str], list[BranchPath]] = defaultdict(list)
    for path in world.staged.branch_paths:
        paths[(path.workspace_id, path.action_id)].append(path)
    tallies: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for output in world.staged.outputs:
        if output.output_type != RANDOM_COHORT_BRANCH:
            continue
        journey = by_id.get((output.workspace_id, output.journey_id or ""))
        if journey is None:
            continue  # a journey never landed has no start, so no goal in force
        start_version = goal_at_start(world, journey)
        if start_version is None or start_version.goal_type == "none":
            continue
        tally = tallies[(output.workspace_id, output.action_id, output.branch_index)]
        tally[0] += 1
        tally[1] += holdout_converted(world, journey, output.created_at)
    rows = []
    for (workspace_id, action_id), branch in paths.items():
        counts = {
            p.branch_index: tallies[(workspace_id, action_id, p.branch_index)] for p in branch
        }
        # A 0% path is no arm of the test: nobody is expected there.
        armed = [p for p in branch if p.weight_percent > 0]
        shares = [float(p.weight_percent) / 100 for p in armed]
        srm = srm_p_value([counts[p.branch_index][0] for p in armed], shares)
        control = next(p for p in branch if p.role == "control")
        n_c, converted_c = counts[control.branch_index]
        p_c = rate(converted_c, n_c) or 0.0
        for path in branch:
            assigned, converted = counts[path.branch_index]
            p_t = rate(converted, assigned)
            found = p_value = None
            if path.role == "treatment":
                found = lift(p_c, n_c, p_t or 0.0, assigned)
                # The p-value goes with the lift: null where the lift is (p_c = 0 or an empty arm).
                p_value = two_sided_p(p_c, n_c, p_t or 0.0, assigned) if found else None
            rows.append(
                {
                    "workspace_id": workspace_id,
                    "campaign_id": path.campaign_id,
                    "action_id": action_id,
                    "branch_index": path.branch_index,
                    "role": path.role,
                    "assigned": assigned,
                    "converted": converted,
                    "conversion_rate": p_t,
                    "relative_lift": found[0] if found else None,
                    "lift_ci_low": found[1] if found else None,
                    "lift_ci_high": found[2] if found else None,
                    "p_value": p_value,
                    "srm_p_value": srm,
                }
            )
    return rows
