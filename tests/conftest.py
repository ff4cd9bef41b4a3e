"""Shared fixtures. `scenario_warehouse` builds every rule scenario in one dbt run per session."""

import pytest

from scenarios import ALL_SCENARIOS
from scenarios.warehouse import ScenarioWarehouse, build_warehouse


@pytest.fixture(scope="session")
def scenario_warehouse(tmp_path_factory: pytest.TempPathFactory) -> ScenarioWarehouse:
    return build_warehouse(ALL_SCENARIOS, tmp_path_factory.mktemp("scenarios"))
