"""Issue 22: the sample-ratio warnings. A broken split is named by a warning-severity dbt test
that does not hold back the build (the scenario build of tests/conftest.py, with ab_broken_split);
in Dagster the two marts are assets and the two tests their asset checks."""

import json
from typing import Any

import dagster as dg
import duckdb
import pytest

from goalline.build import dbt_target_dir

from scenarios.warehouse import ScenarioWarehouse

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
    from orchestration.project import parse_manifest

    parse_manifest()
    from orchestration import defs

    return defs.resolve_asset_graph()


def test_experiment_marts_are_assets_with_their_split_checks(graph: Any) -> None:
    for test_name, mart in SPLIT_TESTS.items():
        key = dg.AssetKey(["marts", mart])
        assert graph.get(key).group_name == "marts"
        assert dg.AssetCheckKey(key, test_name) in graph.asset_check_keys
