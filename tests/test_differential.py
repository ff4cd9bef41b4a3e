"""Randomized differential test (issue 5): the dbt marts against tests/reference/.

Hypothesis draws small one-workspace scenarios (tests/reference/strategies.py); all of them go into
one landing folder and one dbt build, and fct_journeys, fct_conversions and
fct_cross_journey_conversions must equal the reference's rows example by example. On a difference
the first failing scenario is shrunk (batched delta debugging, one dbt build per round) and printed
as landing rows, ready to become a fixture in tests/test_reference_fixtures.py.

The default batch (500 scenarios, derandomized: the same batch every run) takes about a minute.
A bigger or different batch:

    GOALLINE_DIFF_EXAMPLES=5000 GOALLINE_DIFF_SEED=7 uv run pytest tests/test_differential.py
"""

import os
from pathlib import Path

import pytest

from reference.batch import build_and_compare, describe, generate, shrink
from reference.compare import differences, read_dbt, read_reference
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
    reference = read_reference(workdir / "landing")
    conversions = [r for rows in reference["fct_conversions"].values() for r in rows]
    journeys = [r for rows in reference["fct_journeys"].values() for r in rows]
    cross = [r for rows in reference["fct_cross_journey_conversions"].values() for r in rows]
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
