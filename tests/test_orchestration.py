"""The Dagster code location: definitions, a full build with the rule checks, a blocking check,
one partition rebuilt, the new-files sensor and the DuckDB pool serialising runs.

One full build (module fixture) feeds most tests; the partition test adds one partitioned run
and one plain dbt build to compare with; the pool test runs two tiny real runs in subprocesses.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)
from test_expectations import clean_landing

from goalline.publish import WAIT_ENV

CONVERSIONS = dg.AssetKey(["marts", "fct_conversions"])
JOURNEYS = dg.AssetKey(["marts", "fct_journeys"])
HISTORY = dg.AssetKey(["audit", "conversion_history"])
QUARANTINE = dg.AssetKey(["staging", "stg_quarantine"])
RECONCILIATION = dg.AssetKey(["audit", "fct_landing_reconciliation"])
DAILY_BATCH = dg.AssetKey(["staging", "daily_batch"])
DAILY_TABLES = [
    "staging.stg_cio__deliveries",
    "staging.stg_cio__metrics",
    "staging.stg_cio__subjects",
    "staging.stg_cio__people",
    "staging.stg_tracking__events",
]
# People created on 2025-10-01 ... the delivery after exit on 2026-01-21.
FIRST_DAY, LAST_DAY = "2025-10-01", "2026-01-21"
GOALLINE = str(Path(sys.executable).parent / "goalline")
MART_TABLES = ["marts.fct_conversions", "marts.fct_journeys", "marts.fct_deliveries"]


@pytest.fixture(scope="module")
def orchestration_defs() -> dg.Definitions:
    """The code location (conftest parsed the manifest before any test ran)."""
    from orchestration import defs

    return defs


def with_warehouse(defs: dg.Definitions, landing: Path, db: Path) -> dg.Definitions:
    from orchestration.resources import Warehouse

    return dg.Definitions(
        assets=defs.assets,
        asset_checks=defs.asset_checks,
        jobs=defs.jobs,
        resources={
            **defs.resources,
            "warehouse": Warehouse(landing_dir=str(landing), db_path=str(db)),
        },
        executor=dg.in_process_executor,
    )


def check_evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        event.asset_check_evaluation_data.check_name: event.asset_check_evaluation_data
        for event in result.all_events
        if event.event_type_value == "ASSET_CHECK_EVALUATION"
    }


def materialized_keys(result: dg.ExecuteInProcessResult) -> set[dg.AssetKey]:
    return {event.asset_key for event in result.get_asset_materialization_events()}


def table_rows(db: Path, table: str) -> set[tuple]:
    with duckdb.connect(str(db), read_only=True) as connection:
        return set(connection.execute(f"select * from {table}").fetchall())


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("orchestration")


BAD_EVENT = dict(
    workspace_id="w",
    event_id="e_bad",
    internal_customer_id="p1",
    name="purchase",
    timestamp="2026-01-07 00:00:00",
    received_at="not a time",
    seq_num=1,
)


@pytest.fixture(scope="module")
def landing(workdir: Path) -> Path:
    """The clean landing and one event whose processing time cannot be parsed (quarantined)."""
    return clean_landing().add("events", **BAD_EVENT).write(workdir / "landing")


@pytest.fixture(scope="module")
def full_build(
    orchestration_defs: dg.Definitions, landing: Path, workdir: Path
) -> tuple[Path, dg.ExecuteInProcessResult]:
    """Every asset of the daily job over the range of processing days the landing covers, as one
    run (a single-run backfill), in an ephemeral instance."""
    db = workdir / "full.duckdb"
    defs = with_warehouse(orchestration_defs, landing, db)
    result = defs.resolve_job_def("goalline_daily_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(),
        tags={
            ASSET_PARTITION_RANGE_START_TAG: FIRST_DAY,
            ASSET_PARTITION_RANGE_END_TAG: LAST_DAY,
        },
        raise_on_error=False,
    )
    return db, result


def test_definitions_load_with_dbt_groups_checks_and_automation(
    orchestration_defs: dg.Definitions,
) -> None:
    from expectations import all_suites
    from orchestration.rule_checks import GUARDED_SUITES

    graph = orchestration_defs.resolve_asset_graph()
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert {"landing", "staging", "intermediate", "marts", "audit", "semantic"} <= groups
    assert graph.get(CONVERSIONS).group_name == "marts"
    # One partitioned asset, the daily batch, fed by the observable landing files; the dbt nodes
    # it builds are not assets, the models downstream of them depend on it.
    partitioned = {key for key in graph.get_all_asset_keys() if graph.get(key).partitions_def}
    assert partitioned == {DAILY_BATCH}
    landing_events = dg.AssetKey(["landing_files", "events"])
    assert graph.get(landing_events).is_observable
    assert landing_events in graph.get(DAILY_BATCH).parent_keys
    assert not graph.has(dg.AssetKey(["staging", "stg_cio__metrics"]))
    assert graph.get(QUARANTINE).parent_keys == {DAILY_BATCH}

    check_keys = graph.asset_check_keys
    # dbt tests are asset checks; every GX suite guards its asset; the exit and restatement
    # suites only warn (the platform's sending; rows the platform sent late).
    assert dg.AssetCheckKey(CONVERSIONS, "unique_fct_conversions_journey_id") in check_keys
    assert {guarded.suite for guarded in GUARDED_SUITES} == {s.name for s in all_suites()}
    for guarded in GUARDED_SUITES:
        assert dg.AssetCheckKey(guarded.asset, guarded.check_name) in check_keys
        warning_only = {"exit", "no_retroactive_conversions.restatements"}
        assert guarded.blocking == (guarded.suite not in warning_only)

    assert (
        orchestration_defs.resolve_schedule_def("daily_build_schedule").cron_schedule == "0 6 * * *"
    )
    assert orchestration_defs.resolve_sensor_def("new_landing_files_sensor")
    for job in (
        "goalline_daily_job",
        "goalline_rebuild_job",
        "goalline_checks_job",
        "observe_landing_job",
    ):
        assert orchestration_defs.resolve_job_def(job)
    from orchestration import settings

    daily_job = orchestration_defs.resolve_job_def("goalline_daily_job")
    writers = {node.name: node.definition.pool for node in daily_job.nodes}
    assert writers == {name: settings.DUCKDB_POOL for name in writers}
    assert all(node.definition.retry_policy is not None for node in daily_job.nodes)
    from orchestration.dbt_assets import goalline_daily_batch, goalline_models

    # The models are materialised as one unit: a backfill requests them once (dbt_assets.py).
    assert not goalline_models.can_subset and goalline_daily_batch.keys == {DAILY_BATCH}


def test_the_manifest_is_parsed_again_only_when_the_project_changed(tmp_path: Path) -> None:
    """Each run worker loads the definitions: a current manifest spares it a dbt parse, and one
    older than a project file (a model edited since, then the code server's reload) is stale."""
    from orchestration.project import manifest_is_stale

    manifest = tmp_path / "manifest.json"
    assert manifest_is_stale(manifest)
    manifest.write_text("{}")
    assert not manifest_is_stale(manifest)
    os.utime(manifest, (0, 0))
    assert manifest_is_stale(manifest)


def test_loading_the_code_location_does_not_import_great_expectations() -> None:
    """Every run worker and the code server load the code location: Great Expectations (about
    half of that import time when it was pulled in through the `expectations` package) is
    imported only by the ops that run the suites."""
    probe = (
        "import sys; import orchestration.definitions; print(sorted(m for m in sys.modules"
        " if m.split('.')[0] in ('great_expectations', 'pyspark')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"


def test_a_full_build_materialises_the_marts_and_every_rule_check_passes(
    full_build: tuple[Path, dg.ExecuteInProcessResult],
) -> None:
    db, result = full_build
    assert result.success
    assert {CONVERSIONS, JOURNEYS, HISTORY, QUARANTINE} <= materialized_keys(result)
    batch_days = {
        event.partition
        for event in result.get_asset_materialization_events()
        if event.asset_key == DAILY_BATCH
    }
    assert min(batch_days) == FIRST_DAY and max(batch_days) == LAST_DAY
    assert len(batch_days) == 113
    evaluations = check_evaluations(result)
    from orchestration.rule_checks import GUARDED_SUITES

    for guarded in GUARDED_SUITES:
        evaluation = evaluations[guarded.check_name]
        if guarded.suite == "exit":
            # The scenario sends d5 after j2's expected exit: a warning with its count.
            assert not evaluation.passed
            assert evaluation.severity == dg.AssetCheckSeverity.WARN
            assert evaluation.metadata["offending_rows"].value == 1
        else:
            assert evaluation.passed, guarded.suite
    assert evaluations["unique_fct_conversions_journey_id"].passed
    with duckdb.connect(str(db), read_only=True) as connection:
        assert connection.execute("select journey_id from marts.fct_conversions").fetchall() == [
            ("j1",)
        ]
        assert connection.execute("select count(*) from audit.conversion_history").fetchone() == (
            1,
        )


def test_marts_carry_on_call_metadata(full_build: tuple[Path, dg.ExecuteInProcessResult]) -> None:
    db, result = full_build
    metadata = {
        event.asset_key: event.materialization.metadata
        for event in result.get_asset_materialization_events()
    }
    conversions = metadata[CONVERSIONS]
    assert conversions["dagster/row_count"].value == 1
    assert conversions["duckdb_file"].value == str(db)
    per_campaign = conversions["conversions_per_campaign"].value
    # The build summary's table: 2 journeys, 1 converted, and d5 sent after j2's expected exit.
    assert "| c1 | Onboarding | 2 | 1 | 50.0 | 1 |" in per_campaign
    quarantined = "| events | unparseable_timestamp:received_at | 1 |"
    assert quarantined in conversions["quarantined_rows_by_reason"].value
    assert quarantined in metadata[QUARANTINE]["quarantined_rows_by_reason"].value
    reconciliation = metadata[RECONCILIATION]
    assert reconciliation["rows_pending"].value == 0
    assert reconciliation["rows_overdue"].value == 0
    # table, landed, staged, quarantined, superseded, pending, overdue, oldest pending
    assert "| events | 3 | 2 | 1 | 0 | 0 | 0 |  |" in reconciliation["landing_reconciliation"].value
    assert metadata[JOURNEYS]["dagster/row_count"].value == 2
    batch = metadata[DAILY_BATCH]
    assert batch["processing_window"].value == "[2025-10-01 00:00:00, 2026-01-22 00:00:00) UTC"
    assert batch["rows_by_base_table"].value["staging.base_cio__metrics"] == 6
    assert batch["rows_by_base_table"].value["staging.base_tracking__events"] == 3
    assert "| base_tracking__events | model | success |" in batch["dbt_nodes"].value
    assert batch["tests_passed"].value > 0


def test_landing_observation_reports_files_rows_and_newest_processing_time(
    orchestration_defs: dg.Definitions, landing: Path, workdir: Path
) -> None:
    defs = with_warehouse(orchestration_defs, landing, workdir / "unused.duckdb")
    result = defs.resolve_job_def("observe_landing_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral()
    )
    observations = {
        event.asset_key: event.asset_observation_data.asset_observation
        for event in result.all_events
        if event.event_type_value == "ASSET_OBSERVATION"
    }
    events = observations[dg.AssetKey(["landing_files", "events"])]
    assert events.metadata["files"].value == 1
    assert events.metadata["rows"].value == 3
    assert events.metadata["newest_processing_at"].value == "2026-01-20T00:00:00"
    assert len(observations) == 12


def test_a_failing_blocking_check_stops_the_downstream_asset(
    orchestration_defs: dg.Definitions,
    full_build: tuple[Path, dg.ExecuteInProcessResult],
    landing: Path,
    tmp_path: Path,
) -> None:
    """A mart corrupted the way rule 7 forbids: the credit check fails, history is not written."""
    db, _ = full_build
    corrupted = Path(shutil.copy(db, tmp_path / "corrupted.duckdb"))
    with duckdb.connect(str(corrupted)) as connection:
        connection.execute("delete from audit.conversion_history")
        connection.execute(
            "insert into marts.fct_conversions select * replace ('second' as conversion_id) "
            "from marts.fct_conversions"
        )
    defs = with_warehouse(orchestration_defs, landing, corrupted)
    result = defs.resolve_job_def("goalline_checks_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
    credit = check_evaluations(result)["gx_credit"]
    assert not credit.passed and credit.severity == dg.AssetCheckSeverity.ERROR
    assert credit.metadata["offending_rows"].value == 4  # 2 per journey, 2 per delivery
    assert "one_conversion_per_journey" in credit.metadata["failing_rules"].value
    assert "j1" in credit.metadata["sample_offending_keys"].value
    assert HISTORY not in materialized_keys(result)
    with duckdb.connect(str(corrupted), read_only=True) as connection:
        assert connection.execute("select count(*) from audit.conversion_history").fetchone() == (
            0,
        )


def late_event() -> dict:
    """A purchase by p2 processed on 2026-01-06, landing late in a file of its own."""
    return dict(
        workspace_id="w",
        event_id="e3",
        internal_customer_id="p2",
        name="purchase",
        properties={"total": 5},
        timestamp="2026-01-06 12:00:00",
        received_at="2026-01-06 12:00:00",
        seq_num=1,
    )


def write_extra(landing: Path, name: str, table: str, row: dict) -> None:
    from landing_builder import Landing

    extra = Landing().add(table, **row).write(landing.parent / f"{name}_tmp")
    shutil.move(extra / f"{table}_000001.csv", landing / f"{table}_{name}.csv")
    shutil.rmtree(extra)


def test_rerunning_one_partition_replaces_only_that_days_rows(
    orchestration_defs: dg.Definitions,
    full_build: tuple[Path, dg.ExecuteInProcessResult],
    landing: Path,
    tmp_path: Path,
) -> None:
    """A late row for 2026-01-06 lands and that day is rebuilt. Markers written beforehand into
    the base rows (the staging views read them) show what was rewritten: the 01-06 event e1 is
    re-staged, the 01-05 metric m1 is left alone; and the result equals a full build of the same
    landing."""
    db, _ = full_build
    with_late = Path(shutil.copytree(landing, tmp_path / "with_late"))
    write_extra(with_late, "late", "events", late_event())
    rerun_db = Path(shutil.copy(db, tmp_path / "rerun.duckdb"))
    with duckdb.connect(str(rerun_db)) as connection:
        connection.execute(
            "update staging.base_tracking__events set event_name = 'marker' where event_id = 'e1'"
        )
        connection.execute(
            "update staging.base_cio__metrics set reason = 'marker' where event_id = 'm1'"
        )
    defs = with_warehouse(orchestration_defs, with_late, rerun_db)
    result = defs.resolve_job_def("goalline_daily_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), partition_key="2026-01-06", raise_on_error=False
    )
    assert result.success
    with duckdb.connect(str(rerun_db), read_only=True) as connection:
        events = dict(
            connection.execute(
                "select event_id, event_name from staging.stg_tracking__events"
            ).fetchall()
        )
        m1_reason = connection.execute(
            "select reason from staging.stg_cio__metrics where metric_id = 'm1'"
        ).fetchone()
    assert events == {"e1": "purchase", "e2": "purchase", "e3": "purchase"}
    assert m1_reason == ("marker",)

    # The CLI an operator runs builds the comparison, and its summary is checked on the way.
    expected_db = tmp_path / "expected.duckdb"
    built = subprocess.run(
        [GOALLINE, "build", "--landing", str(with_late), "--db", str(expected_db)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=600,
    )
    assert built.returncode == 0, built.stderr
    assert_summary_printed(built.stdout, expected_db)
    for table in DAILY_TABLES + MART_TABLES:
        rerun_rows, expected_rows = table_rows(rerun_db, table), table_rows(expected_db, table)
        if table == "staging.stg_cio__metrics":
            rerun_rows = {row for row in rerun_rows if "m1" not in row}
            expected_rows = {row for row in expected_rows if "m1" not in row}
        assert rerun_rows == expected_rows, table


def assert_summary_printed(stdout: str, db: Path) -> None:
    """`goalline build` printed the campaign table and the quarantine by reason of db."""
    from goalline.summary import CAMPAIGN_SQL, QUARANTINE_SQL

    with duckdb.connect(str(db), read_only=True) as connection:
        campaigns = connection.execute(CAMPAIGN_SQL).fetchall()
        quarantined = connection.execute(QUARANTINE_SQL).fetchall()
    assert campaigns and quarantined == [("events", "unparseable_timestamp:received_at", 1)]
    lines = stdout.splitlines()
    for row in [*campaigns, *quarantined]:
        # One line of a rich table: the values in order, between box-drawing separators.
        cells = r"\W+".join(re.escape("" if value is None else str(value)) for value in row)
        assert any(re.search(rf"\W{cells}\W", line) for line in lines), (row, stdout)


def test_a_partition_is_passed_to_dbt_as_a_half_open_utc_window(
    orchestration_defs: dg.Definitions, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.dbt_assets import daily_partitions, dbt_build_args, processing_vars

    monkeypatch.delenv("DBT_LOG_LEVEL_FILE", raising=False)

    window = daily_partitions.time_window_for_partition_key("2026-01-06")
    dbt_vars = processing_vars(window.start, window.end)
    assert dbt_vars == {
        "processing_start": "2026-01-06 00:00:00",
        "processing_end": "2026-01-07 00:00:00",
    }
    build = ["build", "--exclude-resource-type", "unit_test", "--log-level-file", "info"]
    assert dbt_build_args(False, dbt_vars) == [*build, "--vars", json.dumps(dbt_vars)]
    assert dbt_build_args(True, None) == [*build, "--full-refresh"]


def test_the_daily_schedule_builds_yesterday_at_six_utc(orchestration_defs: dg.Definitions) -> None:
    schedule = orchestration_defs.resolve_schedule_def("daily_build_schedule")
    at = datetime(2026, 1, 7, 6, 0, tzinfo=UTC)
    repository = orchestration_defs.get_repository_def()
    with dg.build_schedule_context(
        scheduled_execution_time=at, repository_def=repository
    ) as context:
        requests = schedule.evaluate_tick(context).run_requests
    assert [request.partition_key for request in requests] == ["2026-01-06"]


def landed(landing: Path, name: str, age_seconds: float) -> Path:
    path = landing / name
    stamp = time.time() - age_seconds
    os.utime(path, (stamp, stamp))
    return path


def evaluate_sensor(
    defs: dg.Definitions, cursor: str | None
) -> tuple[list[dg.RunRequest], str | None, str | None]:
    sensor = defs.resolve_sensor_def("new_landing_files_sensor")
    with dg.build_sensor_context(cursor=cursor, definitions=defs) as context:
        data = sensor.evaluate_tick(context)
    return list(data.run_requests or []), data.cursor, data.skip_message


def test_the_sensor_starts_one_run_per_new_file_with_its_processing_days(
    orchestration_defs: dg.Definitions,
    landing: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = Path(shutil.copytree(landing, tmp_path / "landing"))
    for path in folder.iterdir():
        landed(folder, path.name, 3600)
    monkeypatch.setenv("CONVERSIONS_LANDING_DIR", str(folder))

    requests, cursor, _ = evaluate_sensor(orchestration_defs, None)
    assert len(requests) == 1
    # One run over every processing day the files carry: people created 2025-10-01 ... 2026-01-21.
    assert requests[0].tags[ASSET_PARTITION_RANGE_START_TAG] == "2025-10-01"
    assert requests[0].tags[ASSET_PARTITION_RANGE_END_TAG] == "2026-01-21"
    assert len(json.loads(cursor)) == len(list(folder.iterdir()))

    requests, cursor_again, skip = evaluate_sensor(orchestration_defs, cursor)
    assert requests == [] and "no new files" in skip and cursor_again in (None, cursor)

    write_extra(folder, "late", "events", late_event())
    # Still being written (fresh mtime): not yet, and not forgotten.
    requests, still, _ = evaluate_sensor(orchestration_defs, cursor)
    assert requests == [] and still in (None, cursor)
    landed(folder, "events_late.csv", 120)
    requests, cursor, _ = evaluate_sensor(orchestration_defs, cursor)
    assert len(requests) == 1
    assert requests[0].tags[ASSET_PARTITION_RANGE_START_TAG] == "2026-01-06"
    assert requests[0].tags[ASSET_PARTITION_RANGE_END_TAG] == "2026-01-06"
    assert "events_late.csv" in json.loads(cursor)
    requests, _, _ = evaluate_sensor(orchestration_defs, cursor)
    assert requests == []

    # A file re-landed under the same name (new mtime) is built again.
    landed(folder, "events_late.csv", 60)
    requests, cursor, _ = evaluate_sensor(orchestration_defs, cursor)
    assert len(requests) == 1

    # Rows older than the first partition: no window can hold them, so a full refresh.
    old = {**late_event(), "event_id": "e0", "received_at": "2024-06-01 00:00:00"}
    write_extra(folder, "old", "events", old)
    landed(folder, "events_old.csv", 60)
    requests, _, _ = evaluate_sensor(orchestration_defs, cursor)
    assert len(requests) == 1
    assert requests[0].tags[ASSET_PARTITION_RANGE_START_TAG] == "2025-01-01"
    ops = requests[0].run_config["ops"]
    assert ops["goalline_daily_batch"]["config"]["full_refresh"] is True


@pytest.fixture
def dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    from orchestration.home import ensure_home

    home = ensure_home(tmp_path / "dagster_home")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    yield home


def test_two_launches_are_serialised_by_the_duckdb_pool(
    orchestration_defs: dg.Definitions,
    full_build: tuple[Path, dg.ExecuteInProcessResult],
    landing: Path,
    dagster_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two queued runs that write the DuckDB file: the run queue starts the second only after the
    first has finished (pool of one slot at run granularity, dagster.yaml of DAGSTER_HOME)."""
    from dagster._core.workspace.context import WorkspaceProcessContext
    from dagster._core.workspace.load_target import ModuleTarget
    from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import (
        QueuedRunCoordinatorDaemon,
    )

    db = Path(shutil.copy(full_build[0], tmp_path / "pool.duckdb"))
    monkeypatch.setenv("CONVERSIONS_LANDING_DIR", str(landing))
    monkeypatch.setenv("CONVERSIONS_DUCKDB_PATH", str(db))
    target = ModuleTarget(
        module_name="orchestration",
        attribute="defs",
        working_directory=str(Path(__file__).resolve().parent.parent),
        location_name="goalline",
    )
    with dg.DagsterInstance.get() as instance:
        assert instance.global_op_concurrency_default_limit == 1
        with WorkspaceProcessContext(instance, target) as workspace_process_context:
            workspace = workspace_process_context.create_request_context()
            location = workspace.get_code_location("goalline")
            repository = location.get_repository("__repository__")
            remote_job = repository.get_full_job("goalline_checks_job")
            # Only the history writer (no Great Expectations): a short real write to the file.
            job = orchestration_defs.resolve_job_def("goalline_checks_job").get_subset(
                asset_selection={HISTORY}
            )
            runs = []
            for _ in range(2):
                run = instance.create_run_for_job(
                    job_def=job,
                    asset_selection=frozenset({HISTORY}),
                    remote_job_origin=remote_job.get_remote_origin(),
                    job_code_origin=remote_job.get_python_origin(),
                )
                assert run.run_op_concurrency.all_pools == {"goalline_duckdb"}
                instance.submit_run(run.run_id, workspace)
                runs.append(run.run_id)
            daemon = QueuedRunCoordinatorDaemon(interval_seconds=1)

            def tick() -> None:
                list(daemon.run_iteration(workspace_process_context))

            def status(run_id: str) -> dg.DagsterRunStatus:
                return instance.get_run_by_id(run_id).status

            tick()
            assert status(runs[0]) != dg.DagsterRunStatus.QUEUED
            assert status(runs[1]) == dg.DagsterRunStatus.QUEUED
            deadline = time.time() + 120
            while status(runs[0]) not in (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE):
                tick()
                # While the first run holds the pool, the second stays queued.
                if status(runs[0]) not in (
                    dg.DagsterRunStatus.SUCCESS,
                    dg.DagsterRunStatus.FAILURE,
                ):
                    assert status(runs[1]) == dg.DagsterRunStatus.QUEUED
                assert time.time() < deadline, "first run did not finish"
                time.sleep(1)
            assert status(runs[0]) == dg.DagsterRunStatus.SUCCESS
            while status(runs[1]) not in (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE):
                tick()
                assert time.time() < deadline, "second run did not finish"
                time.sleep(1)
            assert status(runs[1]) == dg.DagsterRunStatus.SUCCESS
            first = instance.get_run_record_by_id(runs[0])
            second = instance.get_run_record_by_id(runs[1])
            assert second.start_time >= first.end_time


HOLDER = """
import sys, time
from pathlib import Path
from goalline.publish import exclusive
with exclusive(Path(sys.argv[1]), 0):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def step_events(result: dg.ExecuteInProcessResult, event_type: str) -> list[dg.DagsterEvent]:
    return [event for event in result.all_events if event.event_type_value == event_type]


def test_the_rebuild_job_retries_a_held_lock_and_rebuilds_the_marts(
    orchestration_defs: dg.Definitions,
    full_build: tuple[Path, dg.ExecuteInProcessResult],
    landing: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """goalline_rebuild_job, run: a CLI build holds the file's lock for a while, the dbt step
    gives up waiting (GOALLINE_LOCK_WAIT_SECONDS=1), its RetryPolicy tries again until the lock
    is free, and the full refresh gives the marts of the full build."""
    db = Path(shutil.copy(full_build[0], tmp_path / "rebuild.duckdb"))
    # Held longer than the run takes to start (seconds on a loaded machine) plus one retry delay.
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), "25"], stdout=subprocess.PIPE)
    assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
    monkeypatch.setenv(WAIT_ENV, "1")
    try:
        defs = with_warehouse(orchestration_defs, landing, db)
        result = defs.resolve_job_def("goalline_rebuild_job").execute_in_process(
            instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
        )
    finally:
        holder.kill()
        holder.wait()
    assert result.success
    retries = step_events(result, "STEP_UP_FOR_RETRY")
    assert retries and {retry.step_key for retry in retries} == {"goalline_models"}
    assert all("is still running after 1 s" in str(r.event_specific_data) for r in retries)
    assert {CONVERSIONS, JOURNEYS, HISTORY} <= materialized_keys(result)
    for table in MART_TABLES:
        assert table_rows(db, table) == table_rows(full_build[0], table), table


def test_a_model_error_fails_at_once_naming_the_model(
    orchestration_defs: dg.Definitions,
    full_build: tuple[Path, dg.ExecuteInProcessResult],
    landing: Path,
    tmp_path: Path,
) -> None:
    """A staging view the models read is gone: dbt fails on the model; the step is not retried
    (a SQL error fails again), its failure names the model and dbt's error, and the file readers
    see is left as it was."""
    db = Path(shutil.copy(full_build[0], tmp_path / "broken.duckdb"))
    with duckdb.connect(str(db)) as connection:
        connection.execute("drop view staging.stg_tracking__events")
    before = table_rows(db, "marts.fct_conversions")
    defs = with_warehouse(orchestration_defs, landing, db)
    result = defs.resolve_job_def("goalline_rebuild_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
    assert not result.success
    assert step_events(result, "STEP_UP_FOR_RETRY") == []
    [failure] = step_events(result, "STEP_FAILURE")
    data = failure.step_failure_data
    assert "int_event_goal_candidates" in data.error.message
    metadata = data.user_failure_data.metadata
    assert "int_event_goal_candidates" in metadata["failing_node_names"].value
    assert "stg_tracking__events" in metadata["failing_nodes"].value
    assert table_rows(db, "marts.fct_conversions") == before


def test_a_partition_run_takes_every_new_file_whatever_its_days(
    orchestration_defs: dg.Definitions,
    full_build: tuple[Path, dg.ExecuteInProcessResult],
    landing: Path,
    tmp_path: Path,
) -> None:
    """Rows land for 01-06 and for 01-25; only 01-06 is run. Both files are new to the landing
    manifest, so the run stages both: nothing is pending, and the reconciliation's
    materialization says so."""
    folder = Path(shutil.copytree(landing, tmp_path / "landing"))
    write_extra(folder, "late", "events", late_event())
    later = {**late_event(), "event_id": "e4", "received_at": "2026-01-25 08:00:00"}
    write_extra(folder, "later", "events", later)
    db = Path(shutil.copy(full_build[0], tmp_path / "pending.duckdb"))
    defs = with_warehouse(orchestration_defs, folder, db)
    run = defs.resolve_job_def("goalline_daily_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), partition_key="2026-01-06", raise_on_error=False
    )
    evaluations = check_evaluations(run)
    assert evaluations["assert_landing_reconciles"].passed
    metadata = {
        event.asset_key: event.materialization.metadata
        for event in run.get_asset_materialization_events()
    }
    assert metadata[RECONCILIATION]["rows_pending"].value == 0
    assert "| events | 5 | 4 | 1 | 0 | 0 | 0 |" in (
        metadata[RECONCILIATION]["landing_reconciliation"].value
    )
    assert evaluations["gx_integrity__reconciliation"].passed
    assert run.success
