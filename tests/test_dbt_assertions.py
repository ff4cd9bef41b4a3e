"""Every dbt data test that guards a rule or a grain fails on a corrupted build.

The scenario build passes all of them (tests/test_rules.py). Here a copy of that DuckDB file gets
one corruption per test, aimed at the hole each used to have (a null flag, a missing row, a
null anchor, a duplicate at the grain), and one `dbt test` run over the copy must report every
one of these tests failing.
"""

import shutil
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunner

from goalline.build import dbt_args, dbt_target_dir, release_duckdb, warehouse_env

from reference.compare import COMPARED
from scenarios.warehouse import ScenarioWarehouse

# Every mart (the reference derives each one).
MARTS = tuple(COMPARED)

CORRUPTIONS = [
    # assert_landing_reconciles: a null flag, and a true flag over counts that do not add up.
    "update audit.fct_landing_reconciliation set is_reconciled = null where table_name = 'events'",
    "update audit.fct_landing_reconciliation set rows_staged = rows_staged + 1"
    " where table_name = 'people'",
    # assert_attribution_credits_sum_to_one: a conversion without touches under one model.
    "delete from marts.fct_attribution_touches where model = 'time_decay' and conversion_id ="
    " (select min(conversion_id) from marts.fct_conversions)",
    # assert_conversions_not_before_journey_start: a null anchor; a conversion without journey.
    "update marts.fct_conversions set anchor_at = null where conversion_id ="
    " (select max(conversion_id) from marts.fct_conversions)",
    "update marts.fct_journeys set journey_id = journey_id || '-gone' where journey_id ="
    " (select min(journey_id) from marts.fct_conversions where conversion_id >"
    "  (select min(conversion_id) from marts.fct_conversions))",
    # assert_last_touch_matches_conversions: a null credited delivery.
    "update marts.fct_conversions set credited_delivery_id = null where conversion_id ="
    " (select min(conversion_id) from marts.fct_conversions where conversion_id >"
    "  (select min(conversion_id) from marts.fct_conversions))",
    # assert_exit_reason_with_exit: an exit without its reason.
    "update marts.fct_journeys set exit_reason = null where journey_id ="
    " (select min(journey_id) from marts.fct_journeys where expected_exit_at is not null)",
    # not_null next to accepted_values (which lets nulls through), and an unknown value.
    "update marts.fct_deliveries set channel = null where delivery_id ="
    " (select min(delivery_id) from marts.fct_deliveries)",
    "update marts.fct_conversion_windows set basis = null where delivery_id ="
    " (select min(delivery_id) from marts.fct_conversion_windows)",
    "update marts.fct_conversions set goal_type = null, basis = null where conversion_id ="
    " (select min(conversion_id) from marts.fct_conversions)",
    "update marts.fct_platform_conversion_reconciliation set difference = 'platform_only:bogus'"
    " where delivery_id ="
    " (select min(delivery_id) from marts.fct_platform_conversion_reconciliation)",
    "update marts.fct_platform_conversion_reconciliation set difference = null where delivery_id ="
    " (select max(delivery_id) from marts.fct_platform_conversion_reconciliation)",
    # A duplicate at every mart's grain; for campaign days one with a null action (newsletters).
    *(
        f"insert into marts.{mart} select * from marts.{mart} limit 1"
        for mart in MARTS
        if mart != "fct_campaign_daily"
    ),
    "insert into marts.fct_campaign_daily select * from marts.fct_campaign_daily"
    " where action_id is null limit 1",
]

SINGULAR = {
    "assert_landing_reconciles": 2,
    "assert_attribution_credits_sum_to_one": 1,
    "assert_conversions_not_before_journey_start": 2,
    "assert_last_touch_matches_conversions": 1,
    "assert_exit_reason_with_exit": 1,
}
GENERIC = {
    *(("unique_grain", mart, None) for mart in MARTS),
    ("not_null", "fct_deliveries", "channel"),
    ("not_null", "fct_conversion_windows", "basis"),
    ("not_null", "fct_conversions", "goal_type"),
    ("not_null", "fct_conversions", "basis"),
    ("not_null", "fct_platform_conversion_reconciliation", "difference"),
    ("accepted_values", "fct_platform_conversion_reconciliation", "difference"),
}


@pytest.fixture(scope="module")
def failures(
    scenario_warehouse: ScenarioWarehouse, tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, str | None, str | None], int]:
    """Failing rows per test (name, model, column) of one `dbt test` over a corrupted copy."""
    assert scenario_warehouse.build_error is None, "the uncorrupted build must pass its tests"
    work = tmp_path_factory.mktemp("corrupted")
    corrupted = work / "corrupted.duckdb"
    shutil.copy(scenario_warehouse.db_path, corrupted)
    with duckdb.connect(str(corrupted)) as connection:
        for statement in CORRUPTIONS:
            connection.execute(statement)
    target = dbt_target_dir(corrupted)
    with warehouse_env(Path(work), corrupted):
        try:
            result = dbtRunner().invoke(
                dbt_args("test", "--quiet", "--target-path", str(target), "--select", "marts audit")
            )
        finally:
            release_duckdb()
    found: dict[tuple[str, str | None, str | None], int] = {}
    for node_result in result.result.results:
        node = node_result.node
        if node.resource_type != "test":
            continue  # the on-run-start hook
        if node.resource_type == "test" and not hasattr(node, "test_metadata"):
            key: tuple[str, str | None, str | None] = (node.name, None, None)
        else:
            model = node.attached_node.rsplit(".", 1)[-1]
            key = (node.test_metadata.name, model, node.column_name)
        if str(node_result.status) == "fail":
            found[key] = found.get(key, 0) + int(node_result.failures or 0)
    return found


@pytest.mark.parametrize("name", sorted(SINGULAR))
def test_singular_assertion_fails(
    name: str, failures: dict[tuple[str, str | None, str | None], int]
) -> None:
    assert failures.get((name, None, None), 0) >= SINGULAR[name]


@pytest.mark.parametrize(
    "test", sorted(GENERIC, key=repr), ids=lambda test: ".".join(filter(None, test))
)
def test_yaml_test_fails(
    test: tuple[str, str, str | None], failures: dict[tuple[str, str | None, str | None], int]
) -> None:
    name, model, column = test
    assert failures.get((name, model, column), 0) >= 1, sorted(failures)
