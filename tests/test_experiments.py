"""Issue 22: the sample-ratio warnings and the daily path of the experiment marts.

A broken split is named by a warning-severity dbt test that does not hold back the build (the
scenario build of tests/conftest.py, with ab_broken_split); in Dagster the two marts are assets and
the two tests their asset checks. Processing-day runs, as orchestration runs them, give the full
build's experiment marts, a repeated assignment landing in a later day's batch included.
"""

import json
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from benchmarks.dbt_run import dbt_build
from goalline.build import dbt_target_dir
from orchestration.project import DAILY_SELECT

from scenarios.experiments import ab_test, holdout_edges
from scenarios.warehouse import ScenarioWarehouse, merged_landing

SPLIT_TESTS = {
    "assert_ab_test_split_is_balanced": "fct_ab_test_variants",
    "assert_holdout_split_is_balanced": "fct_holdout_lift",
}


def split_test_results(warehouse: ScenarioWarehouse) -> dict[str, dict]:
    run_results = json.loads((dbt_target_dir(warehouse.db_path) / "run_results.json").read_text())
    return {
        result["unique_id"].split(".")[2]: result
        for result in run_results["results"]
        if result["unique_id"].split(".")[2] in SPLIT_TESTS
    }


def test_a_broken_split_warns_naming_its_action(scenario_warehouse: ScenarioWarehouse) -> None:
    results = split_test_results(scenario_warehouse)
    ab_test = results["assert_ab_test_split_is_balanced"]
    # Only ab_broken_split's action fails the test: a warning, and the build still passed.
    assert (ab_test["status"], ab_test["failures"]) == ("warn", 1)
    assert results["assert_holdout_split_is_balanced"]["status"] == "pass"
    assert scenario_warehouse.build_error is None
    connection = duckdb.connect(str(scenario_warehouse.db_path), read_only=True)
    try:
        named = connection.execute(ab_test["compiled_code"]).fetchall()
    finally:
        connection.close()
    assert [(row[1], row[2]) for row in named] == [("ab_broken_split/c", "ab_broken_split/c.email")]


@pytest.fixture(scope="module")
def graph() -> Any:
    from orchestration import defs

    return defs.resolve_asset_graph()


def test_experiment_marts_are_assets_with_their_split_checks(graph: Any) -> None:
    for test_name, mart in SPLIT_TESTS.items():
        key = dg.AssetKey(["marts", mart])
        assert graph.get(key).group_name == "marts"
        assert dg.AssetCheckKey(key, test_name) in graph.asset_check_keys


# Processing-day windows over the scenarios' rows (config and people on 01-01, assignments and
# sends on 01-05, the repeated assignment on 01-06, goal events up to 01-12).
WINDOWS = [
    {"processing_end": "2026-01-05 00:00:00"},
    {"processing_start": "2026-01-05 00:00:00", "processing_end": "2026-01-06 00:00:00"},
    {"processing_start": "2026-01-06 00:00:00", "processing_end": "2026-02-01 00:00:00"},
]
EXPERIMENT_RELATIONS = [
    "marts.fct_ab_test_variants",
    "marts.fct_holdout_lift",
    "staging.stg_quarantine",
    "intermediate.int_holdout_outcomes",
]


def relation_rows(db: Path, relation: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as connection:
        rows = connection.execute(f"select * from {relation}").fetchall()
    rounded = [tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in rows]
    return sorted(rounded, key=repr)


def test_daily_runs_give_the_full_builds_experiment_marts(tmp_path: Path) -> None:
    landing = merged_landing([holdout_edges(), ab_test()]).write(tmp_path / "landing")
    full = tmp_path / "full" / "goalline.duckdb"
    daily = tmp_path / "daily" / "goalline.duckdb"
    dbt_build(landing, full, full_refresh=True, with_tests=False)
    for window in WINDOWS:
        # As orchestration runs a partition: the daily batch with its vars, then the rest.
        dbt_build(
            landing,
            daily,
            select=DAILY_SELECT,
            with_tests=False,
            target_dir=daily.parent / "daily_dbt_target",
            **window,
        )
        dbt_build(landing, daily, exclude=DAILY_SELECT, with_tests=False)
    for relation in EXPERIMENT_RELATIONS:
        assert relation_rows(daily, relation) == relation_rows(full, relation), relation
    assert relation_rows(full, "marts.fct_holdout_lift"), "the scenarios report a holdout"
