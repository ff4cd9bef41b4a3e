"""Randomized differential test (issue 5): the dbt marts against tests/reference/.

Hypothesis draws small one-workspace scenarios (tests/reference/strategies.py); all of them go into
one landing folder and one dbt build, and every mart the reference derives (COMPARED in
tests/reference/compare.py: deliveries, conversion windows, journeys, conversions, campaign daily,
attribution touches, cross-journey conversions, newsletters, platform reconciliation, A/B test
variants, holdout lift) must equal the reference's rows example by example, as a multiset: a
duplicated row is a difference; probabilities (CTBO, p-values, lifts) agree within 1e-6. On a
difference the first failing scenario is shrunk (batched delta debugging, one dbt build per round)
and printed as landing rows, ready to become a fixture in tests/test_reference_fixtures.py.

The default batch (500 scenarios, derandomized: the same batch every run) takes about a minute.
A bigger or different batch:

    GOALLINE_DIFF_EXAMPLES=5000 GOALLINE_DIFF_SEED=7 uv run pytest tests/test_differential.py
"""

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from reference.batch import build_and_compare, describe, generate, shrink
from reference.compare import COMPARED, differences, example_of, read_dbt, read_reference
from reference.strategies import Row

EXAMPLES = int(os.environ.get("GOALLINE_DIFF_EXAMPLES", "500"))
SEED = os.environ.get("GOALLINE_DIFF_SEED")
SHRINK_ROUNDS = int(os.environ.get("GOALLINE_DIFF_SHRINK_ROUNDS", "10"))


@pytest.fixture(scope="module")
def batch_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[list[Row]], dict, Path]:
    workdir = tmp_path_factory.mktemp("differential")
    batch = generate(EXAMPLES, int(SEED) if SEED else None)
    return batch, build_and_compare(batch, workdir), workdir


def test_marts_agree_with_reference(batch_run: tuple[list[list[Row]], dict, Path]) -> None:
    batch, found, workdir = batch_run
    if not found:
        return
    first = min(found)
    minimal = shrink(batch[first], workdir / "shrink", SHRINK_ROUNDS)
    remaining = build_and_compare([minimal], workdir / "minimal").get(0, found[first])
    pytest.fail(
        f"{len(found)} of {len(batch)} scenarios differ (first: example {first}).\n"
        f"Minimal scenario ({len(minimal)} rows):\n{describe(minimal)}\n"
        "Differences:\n" + "\n".join(remaining)
    )


def test_batch_exercises_the_rules(batch_run: tuple[list[list[Row]], dict, Path]) -> None:
    """Agreement means little if nothing converts: the batch must reach every rule's outcome."""
    if EXAMPLES < 500:
        pytest.skip("coverage is asserted for batches of 500 scenarios or more")
    _, _, workdir = batch_run
    reference = {
        mart: [row for rows in per_example.values() for row in rows]
        for mart, per_example in read_reference(workdir / "landing").items()
    }
    conversions, journeys = reference["fct_conversions"], reference["fct_journeys"]
    cross = reference["fct_cross_journey_conversions"]
    assert len(conversions) >= EXAMPLES // 25
    assert {r["basis"] for r in conversions} == {"received", "opened", "clicked"}
    assert {r["goal_type"] for r in conversions} >= {"event", "segment_entered"}
    assert {r["exit_reason"] for r in journeys} == {
        None,
        "converted",
        "stopped_matching",
        "goal_met_at_start",
    }
    assert any(r["deliveries_after_exit"] for r in journeys)
    assert any(r["credited_journey_id"] for r in cross)
    assert any(r["candidate_journeys"] > 1 for r in cross)
    assert any(r["revenue"] is not None for r in conversions)

    deliveries = reference["fct_deliveries"]
    assert {r["is_attributable"] for r in deliveries} == {True, False}
    assert {r["left_platform"] for r in deliveries} == {True, False}
    assert any(r["is_converted"] for r in deliveries)
    assert any(r["journey_id"] is None for r in deliveries)  # transactional messages
    windows = reference["fct_conversion_windows"]
    assert {r["basis"] for r in windows} == {"received", "opened", "clicked"}
    assert {r["window_ends_at"] is None for r in windows} == {True, False}
    daily = reference["fct_campaign_daily"]
    assert {r["goal_basis"] for r in daily} >= {"received", "opened", "clicked"}
    assert any(r["converted"] and r["conversion_rate"] for r in daily)
    assert any(r["unique_opened"] < r["opened"] for r in daily)
    touches = reference["fct_attribution_touches"]
    assert any(r["touch_count"] > 2 for r in touches)
    assert {r["credit"] for r in touches if r["model"] == "time_decay"} - {0.0, 1.0}
    newsletters = reference["fct_newsletters"]
    assert any(r["conversions"] for r in newsletters)
    assert any(r["revenue"] is not None for r in newsletters)
    reconciliation = reference["fct_platform_conversion_reconciliation"]
    assert {r["difference"] for r in reconciliation} == {"agree", "ours_only", "platform_only"}
    variants = reference["fct_ab_test_variants"]
    assert {r["verdict"] for r in variants} == {
        "original",
        "variation winning",
        "original winning",
        "not significant",
    }
    assert any(r["ctbo"] is not None for r in variants)
    assert any(r["relative_lift"] is not None for r in variants)
    assert any(r["sent"] == 0 for r in variants)
    assert any(r["variant"] == 2 for r in variants)
    holdouts = reference["fct_holdout_lift"]
    assert {r["role"] for r in holdouts} == {"control", "treatment"}
    assert any(r["p_value"] is not None for r in holdouts)
    assert any(r["lift_ci_low"] is not None for r in holdouts)
    assert any(r["assigned"] == 0 for r in holdouts)
    srm = [r["srm_p_value"] for r in variants + holdouts if r["srm_p_value"] is not None]
    assert any(p < 0.001 for p in srm) and any(p > 0.5 for p in srm)


def test_comparison_reports_a_planted_difference(
    batch_run: tuple[list[list[Row]], dict, Path],
) -> None:
    """The harness can fail: a reference run on altered landing rows must differ from dbt."""
    _, _, workdir = batch_run
    dbt = read_dbt(workdir / "differential.duckdb")
    converted = next(n for n, rows in dbt["fct_conversions"].items() if rows)
    altered = workdir / "altered"
    altered.mkdir()
    for path in (workdir / "landing").iterdir():
        text = path.read_text()
        if path.name.startswith("goal_versions"):
            # Every goal of the example becomes `none`: its conversions must disappear.
            text = "\n".join(
                line.replace(",event,", ",none,")
                .replace(",segment_entered,", ",none,")
                .replace(",segment_exited,", ",none,")
                if f",e{converted}_" in line
                else line
                for line in text.splitlines()
            )
        (altered / path.name).write_text(text)
    assert differences(dbt, read_reference(altered), converted)


def test_comparison_reports_a_duplicated_row(
    batch_run: tuple[list[list[Row]], dict, Path],
) -> None:
    """Rows are compared as multisets: one row of every compared mart planted a second time in a
    copy of the build is a difference, reported with both counts."""
    _, _, workdir = batch_run
    copy = workdir / "duplicated.duckdb"
    shutil.copy(workdir / "differential.duckdb", copy)
    planted = {}
    with duckdb.connect(str(copy)) as connection:
        for mart, compared in COMPARED.items():
            connection.execute(f"create temp table planted as select * from marts.{mart} limit 1")
            connection.execute(f"insert into marts.{mart} select * from planted")
            value = connection.execute(f"select {compared.example_column} from planted").fetchone()
            planted[mart] = example_of(value[0])
            connection.execute("drop table planted")
    dbt, reference = read_dbt(copy), read_reference(workdir / "landing")
    for mart, example in planted.items():
        reported = [d for d in differences(dbt, reference, example) if d.startswith(f"{mart}[")]
        assert len(reported) == 1 and "1 row(s) in reference, 2 in dbt" in reported[0], reported


def test_probabilities_compare_within_their_tolerance(
    batch_run: tuple[list[list[Row]], dict, Path],
) -> None:
    """The SQL's normal CDF and chi-squared tail are approximations (1e-7 on probabilities): a
    CTBO off by 5e-7 agrees with the reference, one off by 2e-6 is a difference."""
    _, _, workdir = batch_run
    reference = read_reference(workdir / "landing")
    for shift, reported in ((5e-7, False), (2e-6, True)):
        copy = workdir / f"shifted_{shift}.duckdb"
        shutil.copy(workdir / "differential.duckdb", copy)
        with duckdb.connect(str(copy)) as connection:
            workspace = connection.execute(
                "select min(workspace_id) from marts.fct_ab_test_variants where ctbo is not null"
            ).fetchone()[0]
            connection.execute(
                "update marts.fct_ab_test_variants set ctbo = ctbo + ? where workspace_id = ?",
                [shift, workspace],
            )
        found = differences(read_dbt(copy), reference, example_of(workspace))
        assert any(d.startswith("fct_ab_test_variants[") for d in found) is reported, found
