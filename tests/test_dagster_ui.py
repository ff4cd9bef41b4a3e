"""The on-call day in the Dagster UI, as an operator has it: `goalline ui` (webserver and daemon,
a fresh DAGSTER_HOME it creates) and a headless Chromium (Playwright) clicking through it.

- "Materialize all" over every daily partition is one backfill the daemon runs in at most two
  runs (the daily batch over the whole range, then the models) and leaves the marts built.
- A late row for an old processing day, in a new file, is staged by the next days' run (the
  landing manifest): no backfill of its day.
- A truncated file fails a day's run, naming the file; once it is sent again whole, the failed
  backfill's "Re-execute from failure" builds the days and the models after them.
- The asset graph and the checks of marts/fct_conversions render.

The landing data is tests/test_expectations.py's clean landing moved to the last ten days, with a
quarantined event, so the partitions (from GOALLINE_PARTITIONS_START) are few. Chromium comes
from Debian (`apt-get install chromium`): Playwright's own browser download is not reachable
here. The test installs it when missing and skips, saying why, only if that fails. Screenshots go
to tests/artifacts/. Starting `goalline ui`, the browser page and the clicks of "Materialize all"
are in benchmarks/dagster_ui.py, shared with benchmarks/materialize_all.py (the same click on the
demo, timed).

Shown able to fail: before `goalline_models` was one unit (orchestration/dbt_assets.py), the same
"Materialize all" on the demo had queued five runs of model subsets behind the daily batch when
it was stopped (the issue saw 10), so `len(runs) <= 2` fails; before the landing manifest the
late row's run failed on the reconciliation (issue 24).
"""

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from test_expectations import clean_landing

from benchmarks.dagster_ui import (
    browser_page,
    finished_backfill,
    goalline_ui,
    launch_materialize_all,
    open_when_loaded,
)

from landing_builder import Landing

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def days_ago(today: date, days: int) -> str:
    return (today - timedelta(days=days)).isoformat()


def recent_landing(today: date) -> Landing:
    """The clean landing with its dates moved into the last ten days, and one event whose
    processing time cannot be parsed (quarantined)."""
    moved = {
        "2025-10-01": days_ago(today, 9),
        "2025-11-01": days_ago(today, 9),
        "2025-12-01": days_ago(today, 9),
        "2026-01-01": days_ago(today, 8),
        "2026-01-05": days_ago(today, 5),
        "2026-01-06": days_ago(today, 4),
        "2026-01-20": days_ago(today, 1),
        "2026-01-21": days_ago(today, 0),
    }

    def move(value: Any) -> Any:
        if isinstance(value, str) and value[:10] in moved:
            return moved[value[:10]] + value[10:]
        return value

    landing = Landing()
    for table, rows in clean_landing().rows.items():
        for row in rows:
            landing.add(table, **{column: move(value) for column, value in row.items()})
    landing.add(
        "events",
        workspace_id="w",
        event_id="e_bad",
        internal_customer_id="p1",
        name="purchase",
        timestamp="not a time",
        received_at="not a time",
        seq_num=1,
    )
    return landing


@dataclass(frozen=True)
class Ui:
    url: str
    home: Path
    landing: Path
    db: Path
    today: date


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ui]:
    """`goalline ui` on the recent landing, partitions from its first day, a fresh DAGSTER_HOME."""
    workdir = tmp_path_factory.mktemp("ui")
    today = datetime.now(UTC).date()
    landing = recent_landing(today).write(workdir / "landing")
    home = workdir / "dagster_home"
    db = workdir / "ui.duckdb"
    with goalline_ui(home, landing, db, days_ago(today, 9), workdir / "goalline_ui.log") as url:
        yield Ui(url, home, landing, db, today)


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Any]:
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page(chromium) as page:
        yield page


def reconciliation(db: Path, table: str) -> tuple:
    with duckdb.connect(str(db), read_only=True) as connection:
        return connection.execute(
            "select rows_landed, rows_staged, rows_quarantined, rows_pending, rows_overdue"
            " from audit.fct_landing_reconciliation where table_name = ?",
            [table],
        ).fetchone()


def test_materialize_all_builds_every_day_in_one_run(ui: Ui, browser: Any) -> None:
    import dagster as dg

    page = browser
    launch_materialize_all(page, ui.url, None)
    _, runs, seconds = finished_backfill(ui.home, set())
    print(f"Materialize all: {len(runs)} run(s), {seconds:.0f} s")
    assert 1 <= len(runs) <= 2
    assert {run.status for run in runs} == {dg.DagsterRunStatus.SUCCESS}
    # Every day of the ten, processed as one dbt run; the quarantined event is counted.
    assert reconciliation(ui.db, "events") == (3, 2, 1, 0, 0)
    with duckdb.connect(str(ui.db), read_only=True) as connection:
        assert connection.execute("select count(*) from marts.fct_conversions").fetchone()[0] > 0
    page.goto(f"{ui.url}/runs", wait_until="networkidle")
    page.screenshot(path=str(ARTIFACTS / "materialize_all_runs.png"))


def land_late_subject(ui: Ui) -> None:
    """A subject for an old day, landed days after it in a new file (a platform re-sync)."""
    late = Landing().add(
        "subjects",
        workspace_id="w",
        subject_name="j9",
        internal_customer_id="p1",
        campaign_id="c1",
        started_campaign_at=f"{days_ago(ui.today, 9)} 12:00:00",
        seq_num=1,
    )
    written = late.write(ui.landing.parent / "late")
    shutil.move(written / "subjects_000001.csv", ui.landing / "subjects_late.csv")


def write_event_parquet(path: Path, event_id: str, at: str, truncated: bool = False) -> None:
    """One event as a parquet file; truncated: its second half cut off, as a copy interrupted."""
    with duckdb.connect() as connection:
        connection.execute(
            f"copy (select 'w' as workspace_id, '{event_id}' as event_id, "
            f"'p1' as internal_customer_id, 'purchase' as name, '{at}' as timestamp, "
            f"'{at}' as received_at, '{{}}' as properties, 1 as seq_num) "
            f"to '{path}' (format parquet)"
        )
    if truncated:
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def backfill_ids(home: Path) -> set[str]:
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home)) as instance:
        return {backfill.backfill_id for backfill in instance.get_backfills()}


def test_a_failed_backfill_re_executed_from_failure_builds_the_days_and_the_late_row(
    ui: Ui, browser: Any
) -> None:
    """A resent events file for yesterday lands truncated: the run fails naming the file and
    publishes nothing. The file is sent again whole, and the failed backfill's "Re-execute from
    failure" (its page's menu) builds the failed partitions and the models after them. A subject
    that landed meanwhile for a day nine days back is taken by that run of the last two days: its
    file is new to the landing manifest, so no backfill of its own day is needed."""
    import dagster as dg

    page = browser
    yesterday = days_ago(ui.today, 1)
    resent = ui.landing / "events_resent.parquet"
    write_event_parquet(resent, "e_resent", f"{yesterday} 15:00:00", truncated=True)
    land_late_subject(ui)
    before = reconciliation(ui.db, "events")
    assert reconciliation(ui.db, "subjects") == (2, 2, 0, 0, 0)
    known = backfill_ids(ui.home)
    # Two days: one partition would be a run, not a backfill, launched from another button.
    launch_materialize_all(page, ui.url, f"[{days_ago(ui.today, 2)}...{yesterday}]")
    failed, runs, _ = finished_backfill(ui.home, known)
    [failed_run] = [run for run in runs if run.status == dg.DagsterRunStatus.FAILURE]
    open_when_loaded(page, f"{ui.url}/runs/{failed_run.run_id}", "STEP_FAILURE")
    page.get_by_text(re.compile("events_resent.parquet")).first.wait_for(
        state="attached", timeout=60_000
    )
    assert reconciliation(ui.db, "events") == before
    assert reconciliation(ui.db, "subjects") == (2, 2, 0, 0, 0)

    write_event_parquet(resent, "e_resent", f"{yesterday} 15:00:00")
    open_when_loaded(page, f"{ui.url}/runs/b/{failed.backfill_id}", "staging / daily_batch")
    menu = page.get_by_role("button").filter(has=page.get_by_role("img", name="expand_more"))
    menu.first.click()
    page.get_by_role("menuitem", name="Re-execute from failure").click()
    _, fixed_runs, _ = finished_backfill(ui.home, known | {failed.backfill_id})
    page.goto(f"{ui.url}/runs", wait_until="networkidle")
    page.screenshot(path=str(ARTIFACTS / "re_executed_from_failure.png"), full_page=True)
    assert 1 <= len(fixed_runs) <= 2
    assert {run.status for run in fixed_runs} == {dg.DagsterRunStatus.SUCCESS}
    landed, staged, quarantined, _, _ = before
    assert reconciliation(ui.db, "events") == (landed + 1, staged + 1, quarantined, 0, 0)
    assert reconciliation(ui.db, "subjects") == (3, 3, 0, 0, 0)


def test_the_ui_renders_the_asset_graph_and_the_checks_of_fct_conversions(
    ui: Ui, browser: Any
) -> None:
    page = browser
    # The asset's own lineage centres it with its neighbours and checks (the whole marts group's
    # graph is wider than the window since the audit marts joined, and draws only what is in view).
    open_when_loaded(page, f"{ui.url}/assets/marts/fct_conversions?view=lineage", "fct_conversions")
    page.get_by_text("Asset checks").first.wait_for(timeout=30_000)
    page.get_by_text(re.compile(r"\d+ / \d+ Passed")).first.wait_for(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "asset_graph_marts.png"))

    open_when_loaded(page, f"{ui.url}/assets/marts/fct_conversions?view=checks", "gx_credit")
    for check in (
        "gx_windows",
        "gx_no_retroactive_conversions",
        "unique_fct_conversions_journey_id",
    ):
        # Long names are drawn middle-truncated; the full name is in the row's DOM.
        page.get_by_text(check, exact=True).first.wait_for(state="attached", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "fct_conversions_checks.png"))
    assert (ARTIFACTS / "asset_graph_marts.png").stat().st_size > 0
    assert (ARTIFACTS / "fct_conversions_checks.png").stat().st_size > 0
