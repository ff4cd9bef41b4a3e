"""Contract rules 1-10, the product docs' worked examples, newsletters, bad input and the analytics
marts, each proven by a scenario (tests/scenarios/) built together in one dbt run."""

from collections import defaultdict
from typing import Any

import pytest

from scenarios import ALL_SCENARIOS
from scenarios.builder import Scenario
from scenarios.warehouse import ScenarioWarehouse, normalise

ATTRIBUTION_MODELS = {"last_touch", "first_touch", "linear", "position_based", "time_decay"}


def projected(rows: list[dict[str, Any]], columns: list[str]) -> list[tuple[Any, ...]]:
    return sorted((tuple(normalise(row[column]) for column in columns) for row in rows), key=repr)


@pytest.mark.parametrize("scenario", ALL_SCENARIOS, ids=lambda scenario: scenario.name)
def test_scenario(scenario: Scenario, scenario_warehouse: ScenarioWarehouse) -> None:
    """The scenario's rows in each mart are exactly the expected ones (on the columns named)."""
    assert scenario.expected, f"{scenario.name} expects nothing"
    for relation, expected_rows in scenario.expected.items():
        actual_rows = scenario_warehouse.rows_for(scenario, relation)
        columns = sorted(expected_rows[0]) if expected_rows else []
        if not expected_rows:
            assert actual_rows == [], f"{relation}: expected no rows ({scenario.proves})"
            continue
        actual = projected(actual_rows, columns)
        expected = projected(expected_rows, columns)
        missing = [row for row in expected if row not in actual]
        unexpected = [row for row in actual if row not in expected]
        assert actual == expected, (
            f"{relation} ({scenario.proves})\ncolumns: {columns}\n"
            f"missing: {missing}\nunexpected: {unexpected}"
        )


def test_build_passes_every_dbt_test(scenario_warehouse: ScenarioWarehouse) -> None:
    """The scenarios also satisfy the project's own dbt tests (contracts, uniqueness, credits)."""
    assert scenario_warehouse.build_error is None


def test_only_bad_rows_are_quarantined(scenario_warehouse: ScenarioWarehouse) -> None:
    """Every quarantined row is one a scenario meant to be bad: the other fixtures are valid."""
    expected = sum(len(s.expected.get("stg_quarantine", [])) for s in ALL_SCENARIOS)
    assert len(scenario_warehouse.tables["stg_quarantine"]) == expected


def test_landing_reconciles_per_table(scenario_warehouse: ScenarioWarehouse) -> None:
    """Contract section 2: rows landed = staged + quarantined + superseded, for every table, with
    the counts the scenarios imply (landed rows written, bad rows and duplicates declared)."""
    quarantined: dict[str, int] = defaultdict(int)
    superseded: dict[str, int] = defaultdict(int)
    for scenario in ALL_SCENARIOS:
        for row in scenario.expected.get("stg_quarantine", []):
            quarantined[row["table_name"]] += 1
        for table, count in scenario.superseded.items():
            superseded[table] += count
    expected = {}
    for table, rows in scenario_warehouse.landing.rows.items():
        landed = len(rows)
        expected[table] = {
            "rows_landed": landed,
            "rows_staged": landed - quarantined[table] - superseded[table],
            "rows_quarantined": quarantined[table],
            "rows_superseded": superseded[table],
            "is_reconciled": True,
        }
    actual = {
        row["table_name"]: {column: row[column] for column in expected["deliveries"]}
        for row in scenario_warehouse.tables["fct_landing_reconciliation"]
    }
    assert actual == expected


def test_attribution_credits_sum_to_one(scenario_warehouse: ScenarioWarehouse) -> None:
    """Issue 7: every conversion has touches under all five models, each summing to 1."""
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for row in scenario_warehouse.tables["fct_attribution_touches"]:
        totals[(row["conversion_id"], row["model"])] += row["credit"]
    conversions = {row["conversion_id"] for row in scenario_warehouse.tables["fct_conversions"]}
    assert len(conversions) > 30, "the scenarios convert many journeys"
    assert set(totals) == {(c, model) for c in conversions for model in ATTRIBUTION_MODELS}
    # Credits are read rounded to 9 decimals, so three thirds may sum to 0.999999999.
    off = {key: total for key, total in totals.items() if abs(total - 1.0) > 1e-8}
    assert off == {}
