"""On-call sees a late landing table in the Dagster UI: `goalline ui` (webserver and daemon, a fresh
DAGSTER_HOME) on a landing folder whose newest events are 8 hours old; observe_landing_job runs,
as the schedule or an operator launches it, and the events asset's Checks tab shows
`landing_fresh` failed, naming the table and its age.

The run is launched through the webserver's GraphQL API (what the UI's buttons call), so the test
loads one page. Chromium comes from Debian (see tests/test_dagster_ui.py); the screenshot goes to
tests/artifacts/. Shown able to fail: tests/test_landing_freshness_check.py plants a check blind to
the error threshold, under which the events are no longer an ERROR.
"""

import datetime as dt
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from test_landing_freshness_check import landing_aged

from benchmarks.dagster_ui import (
    browser_page,
    goalline_ui,
    open_when_loaded,
)

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
RUN_TIMEOUT = 180


def launch_when_loaded(url: str, job: str, timeout: float = 240) -> str:
    """The job's run id, launched as the UI launches it; the webserver answers before the code
    location has loaded, so a launch is tried again until then."""
    from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError

    address = urlparse(url)
    client = DagsterGraphQLClient(str(address.hostname), port_number=address.port)
    deadline = time.time() + timeout
    while True:
        try:
            return client.submit_job_execution(job)
        except DagsterGraphQLClientError:
            if time.time() > deadline:
                raise
            time.sleep(2)


def finished_run(home: Path, run_id: str) -> Any:
    import dagster as dg

    deadline = time.time() + RUN_TIMEOUT
    with dg.DagsterInstance.from_config(str(home)) as instance:
        while time.time() < deadline:
            run = instance.get_run_by_id(run_id)
            if run is not None and run.is_finished:
                return run
            time.sleep(2)
    raise AssertionError(f"run {run_id} did not finish within {RUN_TIMEOUT}s")


def test_a_landing_table_8_hours_late_shows_a_failed_landing_fresh_check(
    chromium: Path, tmp_path: Path
) -> None:
    import dagster as dg

    ARTIFACTS.mkdir(exist_ok=True)
    landing = landing_aged(tmp_path / "landing", {"events": dt.timedelta(hours=8)})
    home = tmp_path / "dagster_home"
    today = dt.datetime.now(dt.UTC).date().isoformat()
    with (
        goalline_ui(home, landing, tmp_path / "ui.duckdb", today, tmp_path / "ui.log") as url,
        browser_page(chromium) as page,
    ):
        run = finished_run(home, launch_when_loaded(url, "observe_landing_job"))
        # A failed check is not a failed run: the observation itself succeeded.
        assert run.status == dg.DagsterRunStatus.SUCCESS

        open_when_loaded(page, f"{url}/assets/landing_files/events?view=checks", "landing_fresh")
        page.get_by_text("Failed", exact=True).first.wait_for(timeout=60_000)
        # The check's description names the table and its age, as the result has it.
        page.get_by_text(
            re.compile(r"events: newest row processed 8\.\d h ago \(late: past the error")
        ).first.wait_for(state="attached", timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "landing_fresh_failed.png"), full_page=True)
    assert (ARTIFACTS / "landing_fresh_failed.png").stat().st_size > 0
