"""Issue 23 item 3, the Dagster half: a late landing table fails `landing_fresh` on its asset.

The landing folders are written relative to now: every feed table 5 minutes old (fresh), then
events 8 hours old (past the 6-hour error threshold) and deliveries 50 minutes (past the 45-minute
warning). The check runs as the operator runs it: with the observation of the landing assets
(observe_landing_job), and alone. Shown able to fail: with the error threshold out of the way (a
check that ignored it), the 8-hour-old events are no longer an ERROR.
"""

import datetime as dt
from pathlib import Path

import dagster as dg
import pytest

from goalline.freshness import ERROR_VAR, feed_tables, freshness_thresholds, landing_freshness

from landing_builder import Landing

EVENTS = dg.AssetKey(["landing_files", "events"])
DELIVERIES = dg.AssetKey(["landing_files", "deliveries"])
CONVERSIONS = dg.AssetKey(["marts", "fct_conversions"])


def landing_aged(folder: Path, ages: dict[str, dt.timedelta]) -> Path:
    """One row per feed table, processed 5 minutes ago unless ages says otherwise, and an older
    row: the check looks at the newest processing time, not any row's."""
    now = dt.datetime.now(dt.UTC)
    landing = Landing()
    for table, column in feed_tables().items():
        newest = now - ages.get(table, dt.timedelta(minutes=5))
        for at in (newest - dt.timedelta(days=2), newest):
            landing.add(table, workspace_id="w", **{column: at.strftime("%Y-%m-%d %H:%M:%S")})
    return landing.write(folder)


@pytest.fixture(scope="module")
def orchestration_defs() -> dg.Definitions:
    from orchestration import defs

    return defs


def run_job(
    defs: dg.Definitions, landing: Path, db: Path, job: str = "observe_landing_job"
) -> dict[dg.AssetKey, dg.AssetCheckEvaluation]:
    """landing_fresh's evaluations per landing asset, from job run on landing."""
    from orchestration.landing_checks import landing_freshness_checks
    from orchestration.resources import Warehouse

    checks_only = dg.define_asset_job(
        "landing_fresh_only", selection=dg.AssetSelection.checks(landing_freshness_checks)
    )
    with_landing = dg.Definitions(
        assets=defs.assets,
        asset_checks=defs.asset_checks,
        jobs=[*(defs.jobs or []), checks_only],
        resources={
            **defs.resources,
            "warehouse": Warehouse(landing_dir=str(landing), db_path=str(db)),
        },
        executor=dg.in_process_executor,
    )
    result = with_landing.resolve_job_def(job).execute_in_process(
        instance=dg.DagsterInstance.ephemeral()
    )
    assert result.success
    return {
        event.asset_check_evaluation_data.asset_key: event.asset_check_evaluation_data
        for event in result.all_events
        if event.event_type_value == "ASSET_CHECK_EVALUATION"
        and event.asset_check_evaluation_data.check_name == "landing_fresh"
    }


def test_an_observation_fails_landing_fresh_on_a_table_8_hours_late(
    orchestration_defs: dg.Definitions, tmp_path: Path
) -> None:
    landing = landing_aged(
        tmp_path / "landing",
        {"events": dt.timedelta(hours=8), "deliveries": dt.timedelta(minutes=50)},
    )
    evaluations = run_job(orchestration_defs, landing, tmp_path / "w.duckdb")
    # A check per feed table, none on configuration tables.
    assert {key.path[-1] for key in evaluations} == set(feed_tables())

    events = evaluations[EVENTS]
    assert not events.passed
    assert events.severity == dg.AssetCheckSeverity.ERROR
    assert events.metadata["table"].value == "events"
    assert events.metadata["status"].value == "error"
    assert 479 <= events.metadata["age_minutes"].value <= 485
    newest = dt.datetime.fromisoformat(events.metadata["newest_processing_at"].value)
    assert abs(newest.replace(tzinfo=dt.UTC) - dt.datetime.now(dt.UTC)) > dt.timedelta(hours=7.9)
    assert events.metadata["error_after_minutes"].value == 360
    assert events.description.endswith("(late: past the error threshold)")

    deliveries = evaluations[DELIVERIES]
    assert not deliveries.passed
    assert deliveries.severity == dg.AssetCheckSeverity.WARN
    assert deliveries.metadata["status"].value == "warn"

    on_time = {key for key, evaluation in evaluations.items() if evaluation.passed}
    assert on_time == set(evaluations) - {EVENTS, DELIVERIES}


def test_landing_fresh_passes_on_a_fresh_landing_run_alone(
    orchestration_defs: dg.Definitions, tmp_path: Path
) -> None:
    """The check without an observation, as the Checks tab's "Execute" runs it."""
    landing = landing_aged(tmp_path / "landing", {})
    evaluations = run_job(orchestration_defs, landing, tmp_path / "w.duckdb", "landing_fresh_only")
    assert len(evaluations) == len(feed_tables())
    assert all(evaluation.passed for evaluation in evaluations.values())


def test_the_verdict_follows_the_error_threshold(
    orchestration_defs: dg.Definitions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planted bug: a check blind to the 6-hour threshold (here it is 10 hours) does not call the
    8-hour-old events an ERROR, so the first test would fail on it."""
    from orchestration import landing_checks

    monkeypatch.setattr(
        landing_checks,
        "landing_freshness",
        lambda *args: landing_freshness(*args, dbt_vars={ERROR_VAR: 600}),
    )
    landing = landing_aged(tmp_path / "landing", {"events": dt.timedelta(hours=8)})
    events = run_job(orchestration_defs, landing, tmp_path / "w.duckdb")[EVENTS]
    assert events.severity == dg.AssetCheckSeverity.WARN


def test_freshness_policies_use_the_dbt_thresholds(orchestration_defs: dg.Definitions) -> None:
    thresholds = freshness_thresholds()
    assert (thresholds.warn, thresholds.error) == (
        dt.timedelta(minutes=45),
        dt.timedelta(hours=6),
    )
    assert freshness_thresholds({ERROR_VAR: 600}).error == dt.timedelta(hours=10)
    expected = dg.FreshnessPolicy.time_window(
        fail_window=thresholds.error, warn_window=thresholds.warn
    )
    graph = orchestration_defs.resolve_asset_graph()
    with_policy = {key for key in graph.get_all_asset_keys() if graph.get(key).freshness_policy}
    assert {EVENTS, CONVERSIONS} <= with_policy
    assert all(graph.get(key).freshness_policy == expected for key in with_policy)
    # Marts and feed tables only: not configuration tables, staging or audit.
    assert all(key.path[0] in {"marts", "landing_files"} for key in with_policy)
    assert dg.AssetKey(["landing_files", "campaigns"]) not in with_policy
