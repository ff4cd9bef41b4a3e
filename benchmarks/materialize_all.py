"""The Dagster UI's "Materialize all" (every partition) on the demo landing, timed, against
`goalline build` of the same landing in the same run.

    .venv/bin/python benchmarks/materialize_all.py [--partitions-start YYYY-MM-DD] [--last-90-days]

What an on-call operator gets: `goalline ui` (dagster dev: webserver and daemon, a fresh
DAGSTER_HOME with its sqlite storage, a fresh DuckDB file) on demo/landing, and a headless
Chromium clicking "Materialize all", "Show all partitions", "All", "Launch backfill"
(benchmarks/dagster_ui.py, the same clicks as tests/test_dagster_ui.py). Daily partitions run
from --partitions-start (default: `goalline ui`'s, 2025-01-01) to today, today's included.

Dagster's dialog shows only the partitions of the last 90 days when there are older ones, and
"All" then selects those 91: with --last-90-days the script leaves that window, as an operator
who does not click "Show all partitions" does. A daily run builds only the rows processed in its
partitions, and the demo's are processed from 2025-11-03 to 2026-04-09: partitions that miss them
leave the marts short or empty (the table of mart rows compares them with `goalline build`'s).
Chromium comes from Debian (/usr/bin/chromium, installed with apt-get when missing). The time
grows with the number of partitions (one materialization event per asset and partition).

Measured, from the Dagster instance (runs and their event logs, not the log file):

- total: the backfill's timestamp to the end of its last run, and the number of runs and statuses;
- per run: the daemon's wait before submitting it (from the backfill's timestamp for the first
  run, from the previous run's end for the others), queued to started, started to ended;
- per run: the dbt command ("Running dbt command" to "Finished dbt command" of dagster-dbt), the
  ASSET_MATERIALIZATION and ASSET_CHECK_EVALUATION events, and the seconds from dbt finishing to
  its step's success (storing those events, one per asset and partition), and each step's seconds;
- baseline: `goalline build --landing <landing> --db <work>/base.duckdb` (a fresh file; what
  `goalline demo` runs after generating the landing) before the UI is started, and the ratio;
- the rows of each mart in both databases (the UI's run builds only the processing days of its
  partitions, so fewer rows mean partitions that miss landed days), load average before / after.

Written to benchmarks/results/materialize_all.md (--results) and printed with rich. The working
folder (--work-dir, emptied first) keeps the `goalline ui` log and both databases. Nothing here is
asserted; tests/test_dagster_ui.py asserts the runs, not their speed.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
from rich.console import Console
from rich.table import Table

from benchmarks.dagster_ui import (
    GOALLINE,
    PROJECT_DIR,
    browser_page,
    ensure_chromium,
    finished_backfill,
    goalline_ui,
    launch_materialize_all,
)
from benchmarks.run import MARTS, RESULTS
from orchestration.settings import DEFAULT_PARTITIONS_START

# Dagster's launch dialog shows the daily partitions of the last 90 days by default
# (ui-core/src/partitions/partitionDateFilter.ts).
RECENT_PARTITIONS_DAYS = 90
RUNNING_DBT = "Running dbt command"
FINISHED_DBT = "Finished dbt command"
PARTITION_RANGE_TAGS = ("dagster/asset_partition_range_start", "dagster/asset_partition_range_end")


@dataclass
class RunTiming:
    run_id: str
    status: str
    partitions: str
    waited: float  # the daemon, before submitting the run
    queued: float  # submitted (RUN_ENQUEUED) to RUN_START
    ran: float  # RUN_START to the run's end
    ended_at: float
    dbt_seconds: float | None = None
    dbt_commands: int = 0
    materializations: int = 0
    check_evaluations: int = 0
    stored_seconds: float | None = None  # dbt finished to its step's success
    steps: list[tuple[str, float]] = field(default_factory=list)


def optional(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds:.1f}"


def optional_int(value: int | None) -> str:
    return "missing" if value is None else f"{value:,}"


def dbt_cell(timing: RunTiming) -> str:
    commands = f" ({timing.dbt_commands} commands)" if timing.dbt_commands > 1 else ""
    return optional(timing.dbt_seconds) + commands


def per_event(timing: RunTiming) -> str:
    if timing.stored_seconds is None or not timing.materializations:
        return "n/a"
    return f"{1000 * timing.stored_seconds / timing.materializations:.0f}"


def requested_partitions(backfill: Any) -> int:
    """The most partitions the backfill targets of any asset."""
    target = backfill.asset_backfill_data.target_subset
    return max((len(s) for s in target.partitions_subsets_by_asset_key.values()), default=0)


def run_timing(instance: Any, run: Any, waited_since: float) -> RunTiming:
    """The phases of one finished run, from its record and its event log."""
    from dagster import DagsterEventType

    record = instance.get_run_record_by_id(run.run_id)
    logs = sorted(instance.all_logs(run.run_id), key=lambda entry: entry.timestamp)
    enqueued = next(
        (e.timestamp for e in logs if e.dagster_event_type == DagsterEventType.RUN_ENQUEUED),
        record.create_timestamp.timestamp(),
    )
    start, end = record.start_time or enqueued, record.end_time or enqueued
    range_start, range_end = (run.tags.get(tag) for tag in PARTITION_RANGE_TAGS)
    partition = run.tags.get("dagster/partition")
    partitions = (
        f"{range_start}...{range_end}" if range_start else partition or "unpartitioned"
    )  # fmt: skip
    timing = RunTiming(
        run_id=run.run_id,
        status=run.status.value,
        partitions=partitions,
        waited=enqueued - waited_since,
        queued=start - enqueued,
        ran=end - start,
        ended_at=end,
    )

    step_start: dict[str, float] = {}
    step_end: dict[str, float] = {}
    dbt_running: dict[str, float] = {}
    dbt_finished: dict[str, float] = {}
    dbt_seconds = 0.0
    for entry in logs:
        kind, step = entry.dagster_event_type, entry.step_key or ""
        if kind == DagsterEventType.STEP_START:
            step_start[step] = entry.timestamp
        elif kind in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            step_end[step] = entry.timestamp
        elif kind == DagsterEventType.ASSET_MATERIALIZATION:
            timing.materializations += 1
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            timing.check_evaluations += 1
        elif kind is None and entry.user_message.startswith(RUNNING_DBT):
            dbt_running[step] = entry.timestamp
        elif kind is None and entry.user_message.startswith(FINISHED_DBT) and step in dbt_running:
            # A retried step runs dbt again: every command counts.
            dbt_seconds += entry.timestamp - dbt_running.pop(step)
            dbt_finished[step] = entry.timestamp
            timing.dbt_commands += 1
    timing.steps = [
        (step, step_end[step] - started) for step, started in step_start.items() if step in step_end
    ]
    if timing.dbt_commands:
        timing.dbt_seconds = dbt_seconds
        stored = [step_end[s] - t for s, t in dbt_finished.items() if s in step_end]
        timing.stored_seconds = sum(stored) if stored else None
    return timing


def mart_rows(db: Path) -> dict[str, int | None]:
    rows: dict[str, int | None] = {}
    with duckdb.connect(str(db), read_only=True) as connection:
        for mart in MARTS:
            try:
                rows[mart] = connection.execute(f"select count(*) from marts.{mart}").fetchone()[0]
            except duckdb.Error:
                rows[mart] = None
    return rows


def checkout() -> str:
    """The commit measured, and how many files of the project's code differ from it."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_DIR, capture_output=True, text=True
    ).stdout.strip()
    changed = subprocess.run(
        ["git", "status", "--porcelain", "--", "models", "macros", "seeds", "dbt_project.yml",
         "orchestration", "goalline"],
        cwd=PROJECT_DIR, capture_output=True, text=True,
    ).stdout.splitlines()  # fmt: skip
    return f"{commit} ({len(changed)} changed files under models, macros, seeds, code)"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    today = datetime.now(UTC).date()
    parser.add_argument("--landing", type=Path, default=PROJECT_DIR / "demo" / "landing")
    parser.add_argument(
        "--partitions-start",
        type=date.fromisoformat,
        default=date.fromisoformat(DEFAULT_PARTITIONS_START),
        help=f"first daily partition (GOALLINE_PARTITIONS_START); default: goalline ui's, "
        f"{DEFAULT_PARTITIONS_START}",
    )
    parser.add_argument(
        "--work-dir", type=Path, default=Path("/tmp/goalline-bench/materialize_all")
    )
    parser.add_argument(
        "--last-90-days",
        action="store_true",
        help="leave the dialog's default window: Dagster shows (and 'All' selects) the last 90 "
        "days of partitions unless 'Show all partitions' is clicked",
    )
    parser.add_argument("--timeout", type=float, default=3600, help="seconds for the backfill")
    parser.add_argument("--results", type=Path, default=RESULTS / "materialize_all.md")
    args = parser.parse_args(argv)

    import dagster as dg

    console = Console()
    landing = args.landing.resolve()
    work = args.work_dir
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    home, ui_db, base_db = work / "dagster_home", work / "ui.duckdb", work / "base.duckdb"
    partitions = (today - args.partitions_start).days + 1  # end_offset=1: today's too
    # The dialog's window: the last RECENT_PARTITIONS_DAYS (90) days, today's included.
    hidden = max(0, partitions - (RECENT_PARTITIONS_DAYS + 1))
    show_all = hidden > 0 and not args.last_90_days
    chromium = ensure_chromium()
    measured = checkout()
    load_before = os.getloadavg()

    console.print(f"baseline: goalline build --landing {landing} --db {base_db}")
    started = time.perf_counter()
    with (work / "goalline_build.log").open("w") as log:
        build = subprocess.run(
            [GOALLINE, "build", "--landing", str(landing), "--db", str(base_db)],
            cwd=PROJECT_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    baseline = time.perf_counter() - started
    if build.returncode != 0:
        raise SystemExit(f"goalline build failed ({build.returncode}), see {log.name}")

    console.print(f"goalline ui: {partitions} partitions from {args.partitions_start}; {work}")
    started = time.perf_counter()
    ui_log = work / "goalline_ui.log"
    with (
        goalline_ui(home, landing, ui_db, args.partitions_start.isoformat(), ui_log) as url,
        browser_page(chromium) as page,
    ):
        ui_up = time.perf_counter() - started
        launch_materialize_all(page, url, None, show_all_partitions=show_all)
        launched = time.perf_counter() - started - ui_up
        console.print(f"backfill launched; waiting for its runs (up to {args.timeout:.0f} s)")
        backfill, runs, total = finished_backfill(home, set(), args.timeout)
        requested = requested_partitions(backfill)
        with dg.DagsterInstance.from_config(str(home)) as instance:
            timings: list[RunTiming] = []
            since = backfill.backfill_timestamp
            for run in sorted(
                runs, key=lambda r: instance.get_run_record_by_id(r.run_id).create_timestamp
            ):
                timings.append(run_timing(instance, run, since))
                since = timings[-1].ended_at
    load_after = os.getloadavg()
    ui_rows, base_rows = mart_rows(ui_db), mart_rows(base_db)

    same_rows = "same" if ui_rows == base_rows else "differ, see below"
    statuses = ", ".join(f"{t.status}" for t in timings)
    if not hidden:
        clicked = "All"
    elif show_all:
        clicked = f"Show all partitions ({hidden} older than 90 days were hidden), All"
    else:
        clicked = f"All (the last 90 days shown; {hidden} older partitions left out)"
    summary = [
        ("partitions requested by the backfill / defined", f"{requested} / {partitions}"),
        ("runs", f"{len(timings)} ({statuses})"),
        ("backfill status", backfill.status.value),
        ("Materialize all: backfill timestamp to last run's end", f"{total:.1f} s"),
        ("goalline build (baseline)", f"{baseline:.1f} s"),
        ("ratio", f"{total / baseline:.1f}x"),
        ("marts (rows), Materialize all vs goalline build", same_rows),
        (
            "dbt parse and goalline ui answering; then Materialize all launched",
            f"{ui_up:.1f} s; {launched:.1f} s",
        ),
    ]
    summary_table = Table(title=f"Materialize all, {partitions} partitions, {landing.name}")
    summary_table.add_column("measure")
    summary_table.add_column("value", justify="right")
    for name, value in summary:
        summary_table.add_row(name, value)
    console.print(summary_table)

    # One column per run: the table stays readable on a terminal of 80 columns.
    per_run: list[tuple[str, list[str]]] = [
        ("partitions", [t.partitions for t in timings]),
        ("status", [t.status for t in timings]),
        ("daemon wait before submitting, s", [f"{t.waited:.1f}" for t in timings]),
        ("queued to started, s", [f"{t.queued:.1f}" for t in timings]),
        ("started to ended, s", [f"{t.ran:.1f}" for t in timings]),
        ("dbt command, s", [dbt_cell(t) for t in timings]),
        ("ASSET_MATERIALIZATION events", [f"{t.materializations:,}" for t in timings]),
        ("ASSET_CHECK_EVALUATION events", [f"{t.check_evaluations:,}" for t in timings]),
        ("dbt finished to step success, s", [optional(t.stored_seconds) for t in timings]),
        ("  per materialization, ms", [per_event(t) for t in timings]),
    ]
    names = [f"run {number} ({t.run_id[:8]})" for number, t in enumerate(timings, 1)]
    run_table = Table(title="runs, in order")
    run_table.add_column("")
    for name in names:
        run_table.add_column(name, justify="right")
    for measure, cells in per_run:
        run_table.add_row(measure, *cells)
    console.print(run_table)
    run_lines = [
        "| | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
        *(f"| {measure.strip()} | " + " | ".join(cells) + " |" for measure, cells in per_run),
    ]
    step_lines = [
        f"- run {number}: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in t.steps)
        for number, t in enumerate(timings, 1)
    ]
    for line in step_lines:
        console.print(line[2:])
    rows_table = Table(title="mart rows")
    rows_lines = []
    for column in ("mart", "Materialize all", "goalline build"):
        rows_table.add_column(column, justify="left" if column == "mart" else "right")
    for mart in MARTS:
        cells = [mart, optional_int(ui_rows[mart]), optional_int(base_rows[mart])]
        rows_table.add_row(*cells)
        rows_lines.append("| " + " | ".join(cells) + " |")
    console.print(rows_table)

    in_project = landing.is_relative_to(PROJECT_DIR)
    shown_landing = landing.relative_to(PROJECT_DIR) if in_project else landing
    report = [
        "# Materialize all in the Dagster UI, demo landing",
        "",
        f"- when: {datetime.now(UTC).isoformat(timespec='seconds')}; command: "
        f"`.venv/bin/python benchmarks/materialize_all.py --partitions-start "
        f"{args.partitions_start}{' --last-90-days' if args.last_90_days else ''}`; "
        f"checkout {measured}",
        f"- landing: {shown_landing}; {partitions} daily partitions, {args.partitions_start} to "
        f"{today} (UTC, today's included); a fresh DAGSTER_HOME (sqlite) and DuckDB file; "
        f"`goalline ui` (dagster dev) clicked by headless Chromium: Materialize all, {clicked}, "
        "Launch backfill",
        f"- {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}; "
        f"load average (1/5/15 min) before: {'/'.join(f'{v:.1f}' for v in load_before)}, "
        f"after: {'/'.join(f'{v:.1f}' for v in load_after)}",
        "",
        "| measure | value |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in summary),
        "",
        "Runs in order. Daemon wait: from the backfill's timestamp (run 1) or the previous run's "
        "end to the run's submission (RUN_ENQUEUED); queued: to RUN_START; started to ended: "
        "RUN_START to the run's end; dbt command: dagster-dbt's Running to Finished dbt command; "
        "dbt finished to step success: the step storing its events (one materialization per "
        "asset and partition) after dbt.",
        "",
        *run_lines,
        "",
        "Steps (STEP_START to STEP_SUCCESS or STEP_FAILURE):",
        "",
        *step_lines,
        "",
        "Rows of the marts built by the UI's runs and by `goalline build` (same landing):",
        "",
        "| mart | Materialize all | goalline build |",
        "|---|---|---|",
        *rows_lines,
        "",
    ]
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text("\n".join(report))
    console.print(f"wrote {args.results}; logs and databases in {work}")


if __name__ == "__main__":
    main()
