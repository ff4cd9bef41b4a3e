"""Full and daily build of one simulated workspace on each engine, against DuckDB in the same run.

    python3 -m uv run python benchmarks/engines.py --scale 0.01

The workspace is the one benchmarks/run.py simulates (reused when its folder already holds it).
Each engine builds it from scratch with `goalline build --target T` in a subprocess sampled for
peak RSS (benchmarks.run.run_sampled): DuckDB into a fresh file; Spark in a local session into a
fresh warehouse folder (the load of the landing tables included, as `goalline build` does it);
Postgres only when PGHOST is set (the server the libpq variables name; load included);
`spark-server` is Spark through a Spark Connect server (`goalline spark-server start`) on the
fresh warehouse, warmed by one full build (its time reported beside the table) before the
measured full build and daily, as a long-running server would be (the server's memory is not in
the peak RSS: it is not the build's child).
The full build takes every day but the last; the daily build then lands the last day's files
and runs `goalline build` without `--full-refresh`, as a scheduler would (the landing manifest
and `goalline load` take only the new files). `--daily-days 3` holds out and lands the last three
days instead: a daily step with about 5% of the rows, the share of issue 24's busy day.
Writes benchmarks/results/engines_<scale>.md (`--targets` picks the engines; `_spark_server` is
added to the name when spark-server is one).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.run import RESULTS, ROOT, Step, landed_rows, run_sampled, slowest_nodes
from goalline.build import dbt_target_dir
from goalline.spark_server import server_for_warehouse, start_server, stop_server
from goalline.targets import SPARK_REMOTE_ENV, SPARK_WAREHOUSE_ENV, Target

DAY = re.compile(r"_d(\d{3})_")


def build_code(landing: Path, target: str, db: Path, full_refresh: bool) -> str:
    refresh = ["--full-refresh"] if full_refresh else []
    return f"""
from pathlib import Path
from typer.testing import CliRunner
from commands.cli import app
result = CliRunner().invoke(app, ["build", "--landing", {str(landing)!r}, "--target", {target!r},
                                  "--db", {str(db)!r}, *{refresh!r}])
print(result.output[-2000:])
raise SystemExit(result.exit_code)
"""


def slowest_models(db: Path, target: str, count: int = 3) -> str:
    """The build's slowest models from dbt's run_results.json, as `name seconds` pairs."""
    results = dbt_target_dir(db, Target(target)) / "run_results.json"
    return ", ".join(
        f"{name} {seconds:.1f}" for name, seconds in slowest_nodes(results, count, "model.")
    )


@contextmanager
def engine_of(target: str, env: dict[str, str]) -> Iterator[tuple[str, dict[str, str]]]:
    """The `--target` and environment of a benchmark target's builds; for spark-server, a server
    on the warehouse, running while they do."""
    if target != "spark-server":
        yield target, env
        return
    server = server_for_warehouse()
    start_server(server)
    try:
        yield "spark", {**env, SPARK_REMOTE_ENV: server.remote}
    finally:
        stop_server(server)


def warm_up(days: Path, db: Path, env: dict[str, str]) -> Step:
    """A full build on a Spark server just started (its JVM cold), then the landing database
    dropped, so the measured full build after it loads every file again on a warm server."""
    step = run_sampled(
        "spark-server full build, cold server", build_code(days, "spark", db, True), env
    )
    drop = (
        "from goalline.connections import spark_session; from goalline.targets import "
        "source_schema; spark_session().sql(f'drop database if exists {source_schema()} cascade')"
    )
    run_sampled("drop the landing database", drop, env)
    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.01, help="1.0 = ~100M landed rows")
    parser.add_argument("--days", type=int, default=60, help="days of simulated activity")
    parser.add_argument(
        "--daily-days", type=int, default=1,
        help="days held out of the full build and landed by the daily one",
    )  # fmt: skip
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/goalline-bench"))
    parser.add_argument(
        "--targets", nargs="+", default=["duckdb", "spark", "postgres"],
        choices=["duckdb", "spark", "spark-server", "postgres"],
        help="engines to build on (duckdb is the baseline; postgres only when PGHOST is set)",
    )  # fmt: skip
    args = parser.parse_args()

    work = args.work_dir / f"scale_{args.scale:g}_days_{args.days}"
    landing = work / "landing"
    spark_home = work / "spark"
    # The server reads the warehouse from this process's environment, the builds from env.
    os.environ[SPARK_WAREHOUSE_ENV] = str(spark_home)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if not (work / "landing.done").exists():
        code = (
            "from pathlib import Path; from benchmarks.simulate import simulate; "
            f"simulate(Path({str(landing)!r}), {args.scale}, days={args.days})"
        )
        run_sampled("simulate", code, env)
        (work / "landing.done").write_text("ok")
    rows = landed_rows(landing)
    last_day = max(int(DAY.search(file.name)[1]) for file in landing.glob("*_d*.parquet"))
    held_out = range(last_day - args.daily_days + 1, last_day + 1)
    last_files = sorted(
        file for day in held_out for file in landing.glob(f"*_d{day:03d}_*.parquet")
    )
    day_rows = landed_rows(landing, last_files)

    load_before = os.getloadavg()
    targets = [
        target
        for target in dict.fromkeys(["duckdb", *args.targets])
        if target != "postgres" or os.environ.get("PGHOST")
    ]
    steps: dict[str, tuple[Step, Step]] = {}
    cold: dict[str, Step] = {}
    slowest: dict[str, tuple[str, str]] = {}
    for target in targets:
        db = work / "engines.duckdb"
        db.unlink(missing_ok=True)
        shutil.rmtree(spark_home, ignore_errors=True)
        days = work / "engines_landing"
        shutil.rmtree(days, ignore_errors=True)
        days.mkdir()
        for file in sorted(set(landing.glob("*.parquet")) - set(last_files)):
            (days / file.name).symlink_to(file)
        with engine_of(target, env) as (engine, target_env):
            if target == "spark-server":
                cold[target] = warm_up(days, db, target_env)
            full = run_sampled(
                f"{target} full build", build_code(days, engine, db, True), target_env
            )
            full_slowest = slowest_models(db, engine)
            for file in last_files:
                (days / file.name).symlink_to(file)
            daily = run_sampled(
                f"{target} daily build", build_code(days, engine, db, False), target_env
            )
        steps[target] = (full, daily)
        slowest[target] = (full_slowest, slowest_models(db, engine))

    load_after = os.getloadavg()
    baseline = steps["duckdb"][0].seconds
    columns = ("engine", "full s", "vs DuckDB", "daily s", "daily / full", "peak RSS full / daily")
    table = Table(title=f"builds per engine, scale {args.scale:g} ({rows:,} landed rows)")
    for column in columns:
        table.add_column(column, justify="left" if column == "engine" else "right")
    lines = [
        f"# Engines at scale {args.scale:g} ({rows:,} landed rows, {args.days} days)",
        "",
        f"Machine: {os.cpu_count()} cores, {platform.platform()}. One run each, same workspace. "
        f"Full build: from scratch, every day but the last {args.daily_days} "
        f"({rows - day_rows:,} rows; Postgres and Spark: loading the landing tables included). "
        f"Daily build: the last {args.daily_days} day(s)' {len(last_files)} files landed "
        f"({day_rows:,} rows, {day_rows / rows:.1%}), then "
        "`goalline build` without `--full-refresh`.",
        f"Load average (1 min) before / after: {load_before[0]:.1f} / {load_after[0]:.1f}. "
        "Peak RSS is the building process and its children (not a Postgres server).",
        "",
        f"| {' | '.join(columns)} |",
        f"|{'---|' * len(columns)}",
    ]
    for target, (full, daily) in steps.items():
        cells = (
            target,
            f"{full.seconds:.1f}",
            f"{full.seconds / baseline:.1f}x",
            f"{daily.seconds:.1f}",
            f"{daily.seconds / full.seconds:.2f}",
            f"{full.peak_rss_bytes / 2**30:.2f} / {daily.peak_rss_bytes / 2**30:.2f} GiB",
        )
        table.add_row(*cells)
        lines.append(f"| {' | '.join(cells)} |")
    for target, step in cold.items():
        lines += [
            "",
            f"{target}: the full build on the server just started took {step.seconds:.1f} s; the "
            "table's full build is the same build again from scratch (landing database dropped, "
            "load included) on that server, warm, as a long-running server builds.",
        ]
    lines += ["", "Slowest models (dbt's seconds per model):", ""]
    for target, (full_slowest, daily_slowest) in slowest.items():
        lines.append(f"- {target}: full build {full_slowest}; daily build {daily_slowest}")
    Console().print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = "" if args.daily_days == 1 else f"_daily_days_{args.daily_days}"
    suffix += "_spark_server" if "spark-server" in targets else ""
    (RESULTS / f"engines_{args.scale:g}{suffix}.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
