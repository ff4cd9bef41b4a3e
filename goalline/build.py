"""Runs dbt on a landing folder into a target (a DuckDB file by default), in process, with a
progress bar. Postgres and Spark get the landing folder loaded into their landing tables first.

A DuckDB build writes a private copy of the file and publishes it when dbt succeeded
(goalline.publish): readers holding the file never block it, and a failed build changes nothing.
"""

import os
import warnings
from collections.abc import Callable
from pathlib import Path

from dbt.adapters.duckdb.connections import DuckDBConnectionManager
from dbt.cli.main import dbtRunner, dbtRunnerResult
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from goalline.errors import error_line
from goalline.landing import contract_tables, unreadable_file
from goalline.load import load_landing
from goalline.paths import DEFAULT_DB_PATH, PROFILES_DIR, PROJECT_DIR
from goalline.publish import writing
from goalline.targets import SPARK_REMOTE_ENV, Target, warehouse_env

# dbt's unit tests check the models' SQL on fixed inputs, so they belong where SQL changes
# (development, CI: tests/test_engines.py runs them on every engine), not in every build of the same
# code, as dbt's docs advise. On Spark they were about 7% of a build's node time.
BUILD_COMMAND = "build --exclude-resource-type unit_test"


class BuildError(Exception):
    """dbt did not finish; the message names the first failing node or error."""


def release_duckdb() -> None:
    """Close the DuckDB handle dbt-duckdb keeps for the whole process after a run.

    DuckDB has one writer per file; while that handle lives, no other client (a BI tool, a
    read-only check, the next build with other settings) can open the file.
    """
    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
        DuckDBConnectionManager._ENV = None


def dbt_target_dir(db_path: Path, target: Target = Target.DUCKDB) -> Path:
    """dbt's artifacts for builds into db_path (or on another target), kept beside it.

    Builds into different files (parallel tests, a benchmark next to a demo build) or targets must
    not share one manifest and partial-parse cache. The default database keeps dbt's own target/,
    where plain `dbt` and MetricFlow's `mf` look.
    """
    if target is not Target.DUCKDB:
        return db_path.resolve().parent / f"{db_path.stem}_{target.value}_dbt_target"
    if db_path.resolve() == DEFAULT_DB_PATH:
        return DEFAULT_DB_PATH.parent
    return db_path.resolve().parent / f"{db_path.stem}_dbt_target"


def dbt_args(command: str, *extra: str, project_dir: Path = PROJECT_DIR) -> list[str]:
    """dbt's arguments for the project (a copy of it with project_dir) and the shipped profile.

    With a --target-path, dbt's log goes there too, beside the run's artifacts (as dagster-dbt
    keeps it): builds of different warehouses from one checkout otherwise append to, and rotate,
    one logs/dbt.log, and two processes rotating it at once fail with a logging traceback.
    """
    log_path: list[str] = []
    if "--target-path" in extra:
        log_path = ["--log-path", extra[extra.index("--target-path") + 1]]
    return [
        *command.split(),
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(PROFILES_DIR),
        *log_path,
        *extra,
    ]


def file_log_args() -> list[str]:
    """dbt's file log at info unless DBT_LOG_LEVEL_FILE says otherwise (=debug for on-call).

    At debug it holds every statement, written under a lock dbt's threads share: about 9% of a
    Postgres daily run's wall time.
    """
    return [] if "DBT_LOG_LEVEL_FILE" in os.environ else ["--log-level-file", "info"]


def first_failure(result: dbtRunnerResult) -> str:
    """The line of dbt's error that says what is wrong, without dbt's header and macro trail."""
    if result.exception is not None:
        return _meaningful_line(str(result.exception))
    for node_result in getattr(result.result, "results", []) or []:
        if str(node_result.status) in {"error", "fail"}:
            return f"{node_result.node.name}: {_meaningful_line(node_result.message or '')}"
    return "dbt failed"


def _meaningful_line(message: str) -> str:
    lines = [
        line.strip()
        for line in message.splitlines()
        if line.strip() and not line.strip().startswith(">")
    ]
    # dbt prefixes "Compilation Error in model x (path)"; the next line carries the cause.
    if len(lines) > 1 and (" Error in " in lines[0] or lines[0].endswith(" Error")):
        return error_line(lines[1])
    return error_line(lines[0]) if lines else "dbt failed"


def run_build(
    landing_dir: Path | None,
    db_path: Path,
    *,
    target: Target = Target.DUCKDB,
    full_refresh: bool = False,
    select: str | None = None,
    dbt_vars: str | None = None,
    show_progress: bool = False,
    wait_seconds: float | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> dbtRunnerResult:
    """`dbt build` every model (or a selection) of the project on the target from landing_dir,
    or, without one, from the landing tables in place (nothing is loaded).

    DuckDB builds into a working copy of db_path, published over it on success; a second build of
    the same file waits up to wait_seconds (default: GOALLINE_LOCK_WAIT_SECONDS or 600), telling
    on_wait, then raises WarehouseBusy. Postgres and Spark load landing_dir into their landing
    tables first (`goalline load`), and db_path only names where dbt's artifacts go.
    """
    db_path.parent.mkdir(parents=True, exist_ok=True)
    # Keyed on the published file: the working copy's folder is removed after every build.
    extra = ["--target-path", str(dbt_target_dir(db_path, target))]
    if full_refresh:
        extra.append("--full-refresh")
    if select:
        extra += ["--select", select]
    if dbt_vars:
        extra += ["--vars", dbt_vars]
    extra += file_log_args()
    if target is not Target.DUCKDB:
        return _invoke(landing_dir, db_path, target, extra, show_progress)
    with writing(db_path, wait_seconds, on_wait) as working_db:
        return _invoke(landing_dir, working_db, target, extra, show_progress)


def _invoke(
    landing_dir: Path | None, db_path: Path, target: Target, extra: list[str], show_progress: bool
) -> dbtRunnerResult:
    if target is Target.SPARK and os.environ.get(SPARK_REMOTE_ENV):
        # The Spark Connect server has the profile's settings (goalline/spark_server.py); dbt-spark
        # sets them again on its session, and the static ones only warn that they cannot change.
        warnings.filterwarnings("ignore", message=r"Failed to set spark\.", category=UserWarning)
    with warehouse_env(landing_dir, db_path, target):
        if target is not Target.DUCKDB and landing_dir is not None:
            load_landing(landing_dir, target)
        try:
            if not show_progress:
                result = dbtRunner().invoke(dbt_args(BUILD_COMMAND, "--quiet", *extra))
            else:
                result = _build_with_progress(extra)
        finally:
            release_duckdb()
    if not result.success:
        if landing_dir is None:
            raise BuildError(first_failure(result))
        raise BuildError(_name_unreadable_file(landing_dir, target, first_failure(result)))
    return result


def _name_unreadable_file(landing_dir: Path, target: Target, failure: str) -> str:
    """The failure, or, when a model reading a table's landing files failed on DuckDB and one of
    those files cannot be read, which file and why."""
    node = failure.partition(":")[0]
    # lnd_<table> reads the files; base_<source>__<table> is where DuckDB scans them.
    table = node.removeprefix("lnd_") if node.startswith("lnd_") else node.rpartition("__")[2]
    if target is not Target.DUCKDB or table not in {t.name for t in contract_tables()}:
        return failure
    return unreadable_file(landing_dir, table) or failure


def _build_with_progress(extra: list[str]) -> dbtRunnerResult:
    columns = (
        TextColumn("[bold]dbt build"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task("parsing", total=None)

        def on_event(event) -> None:
            name = event.info.name
            if name == "NodeStart":
                progress.update(task, description=event.data.node_info.node_name)
            elif name == "NodeFinished":
                progress.advance(task)
            elif name == "ConcurrencyLine":
                progress.update(task, total=event.data.node_count)

        runner = dbtRunner(callbacks=[on_event])
        return runner.invoke(dbt_args(BUILD_COMMAND, "--quiet", *extra))
