"""Shared fixtures. `scenario_warehouse` builds every rule scenario in one dbt run per session.

`postgres_env` starts a private Postgres server for the session (tests/engines.py) and points the
libpq variables (PGHOST, PGPORT, PGUSER, PGDATABASE) at it; `spark_warehouse` points
CONVERSIONS_SPARK_WAREHOUSE at a session folder. dbt-spark runs Spark in this process and a
process has one Spark session, so every Spark build of the session shares that warehouse.

The suite runs on two pytest-xdist workers, a test file to a worker (pyproject's addopts): its
fixtures shared per file stay one build. Each worker has its own session fixtures (a Postgres
server, a Spark session) and temp folders; the one thing the workers share is the Dagster code
location's dbt manifest, parsed once here before they start, so no worker rewrites it while the
other's code server reads it.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.dagster_ui import ChromiumUnavailable, ensure_chromium
from goalline.targets import SPARK_WAREHOUSE_ENV

from engines import EngineUnavailable, ensure_java, postgres_bin_dir, postgres_server
from scenarios import ALL_SCENARIOS
from scenarios.warehouse import ScenarioWarehouse, build_warehouse


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):
        from orchestration.project import prepare_manifest

        prepare_manifest()


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium for the browser tests (Playwright's download is not reachable here),
    installed when missing; the tests skip, saying why, only if that fails."""
    try:
        return ensure_chromium()
    except ChromiumUnavailable as error:
        pytest.skip(str(error))


@pytest.fixture(scope="session")
def scenario_warehouse(tmp_path_factory: pytest.TempPathFactory) -> ScenarioWarehouse:
    return build_warehouse(ALL_SCENARIOS, tmp_path_factory.mktemp("scenarios"))


@pytest.fixture(scope="session")
def postgres_env() -> Iterator[dict[str, str]]:
    try:
        postgres_bin_dir()
    except EngineUnavailable as error:
        pytest.fail(str(error))
    with postgres_server() as env, pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        # A password of the developer's environment is not the throwaway server's.
        patch.delenv("PGPASSWORD", raising=False)
        yield env


@pytest.fixture(scope="session")
def java() -> None:
    """A JVM for Spark (a local session or a server), installed when missing."""
    try:
        ensure_java()
    except EngineUnavailable as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def spark_warehouse(java: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("spark")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SPARK_WAREHOUSE_ENV, str(folder))
        yield folder
