"""Benchmark one scale: floor, full build, one daily incremental run, peak RSS.

    python3 -m uv run python benchmarks/run.py --scale 0.01

1. simulate the workspace (benchmarks/simulate.py; reused when the folder already holds it);
2. full build (`dbt build`, models and seeds, --full-refresh) of every landing file;
3. floor: plain DuckDB reading every column of every landing file once and writing tables with
   the row counts and column types of the marts the full build produced;
4. daily run: a database built from every day but the last (its files held aside, not timed)
   takes the last day's files as they land, a `dbt build` without vars as a scheduler runs it;
5. daily run, 1% of people: one more processing day landed (simulate.land_people_day), whose rows
   belong to a seeded 1% of the people, run the same way on the database of step 4; its files are
   removed again afterwards, so the landing folder stays the simulated workspace;
6. nothing new: the same run with no new file, on the database of step 5: the fixed cost of a
   daily run on this workspace (issue 24 measures a daily run less it).

After steps 4 and 5 the report counts the people with rows processed that day and the people the
run logged for the per-person models (audit.person_changes): a page view is a row, not a change.

Every step runs in a subprocess whose whole process tree is sampled with psutil for peak RSS.
DuckDB gets the same memory_limit and threads in every step (the profile reads
CONVERSIONS_DUCKDB_MEMORY_LIMIT and CONVERSIONS_DUCKDB_THREADS). Results are printed with rich and
written to benchmarks/results/scale_<scale>.md (or --results-dir).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import psutil
from rich.console import Console
from rich.table import Table

from benchmarks.simulate import land_people_day, remove_people_day

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
MARTS = (
    "fct_deliveries",
    "fct_conversion_windows",
    "fct_conversions",
    "fct_journeys",
    "fct_campaign_daily",
    "fct_attribution_touches",
    "fct_cross_journey_conversions",
)
START = datetime(2026, 1, 1)
PEOPLE_DAY_STEP = "daily run, 1% of people"
NOTHING_NEW_STEP = "daily run, nothing new"
# Each staged table's person and processing time; a metric is its delivery's person's.
PERSON_ROWS = (
    ("base_cio__deliveries", "internal_customer_id", "created_at"),
    ("base_cio__subjects", "internal_customer_id", "coalesce(created_at, started_campaign_at)"),
    ("base_cio__people", "internal_customer_id", "coalesce(updated_at, created_at)"),
    ("base_cio__attributes", "internal_customer_id", "changed_at"),
    ("base_tracking__events", "internal_customer_id", "received_at"),
    ("base_tracking__segment_memberships", "internal_customer_id", "occurred_at"),
)


@dataclass
class Step:
    name: str
    seconds: float
    peak_rss_bytes: int


def run_sampled(name: str, code: str, env: dict[str, str]) -> Step:
    """Run Python code in a subprocess; sample RSS of it and all its children every 0.1 s."""
    process = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT)
    watched = psutil.Process(process.pid)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                tree = [watched, *watched.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    began = time.perf_counter()
    sampler.start()
    code_returned = process.wait()
    seconds = time.perf_counter() - began
    done.set()
    sampler.join()
    if code_returned != 0:
        raise SystemExit(f"step {name} failed with exit code {code_returned}")
    return Step(name, seconds, peak)


def floor_code(
    landing: Path,
    db: Path,
    marts: dict[str, list[tuple[str, str]]],
    counts: dict[str, int],
    memory_limit: str,
    threads: int,
) -> str:
    """DuckDB alone: decode every column of every landing file once, write mart-sized tables."""
    return f"""
import duckdb, json
from pathlib import Path
landing = Path({str(landing)!r})
marts = json.loads({json.dumps(marts)!r})
counts = json.loads({json.dumps(counts)!r})
con = duckdb.connect({str(db)!r})
con.execute("set memory_limit = '{memory_limit}'")
con.execute("set threads = {threads}")
tables = sorted({{p.name.split('_d')[0] for p in landing.glob('*.parquet')}})
for table in tables:
    files = sorted(str(p) for p in landing.glob(table + '_d*.parquet'))
    described = con.execute(f"describe select * from read_parquet({{files}})").fetchall()
    columns = [row[0] for row in described]
    # max() of every column forces every value of every file to be read and decoded once.
    aggregates = ', '.join(f'max("{{c}}")' for c in columns)
    con.execute(f"select {{aggregates}} from read_parquet({{files}})").fetchall()
for mart, columns in marts.items():
    def value(i, t):
        if t.startswith('TIMESTAMP'):
            return f"timestamp '2026-01-01' + to_seconds(range)"
        if t == 'DATE':
            return f"date '2026-01-01' + cast(range % 90 as integer)"
        return f"cast(hash(range, {{i}}) % 1000 as {{t}})"
    select = ', '.join(f"{{value(i, t)}} as c{{i}}" for i, (name, t) in enumerate(columns))
    rows = counts[mart]
    con.execute(f"create or replace table floor_{{mart}} as select {{select}} from range({{rows}})")
con.close()
"""


def build_code(landing: Path, db: Path, options: dict[str, object]) -> str:
    return f"""
from pathlib import Path
from benchmarks.dbt_run import dbt_build
dbt_build(Path({str(landing)!r}), Path({str(db)!r}), **{options!r})
"""


def slowest_nodes(results: Path, top: int, kind: str = "") -> list[tuple[str, float]]:
    """The slowest nodes of a dbt run_results.json whose unique_id starts with kind ("model.")."""
    nodes = json.loads(results.read_text())["results"]
    timed = sorted(
        (
            (n["unique_id"].split(".")[-1], n["execution_time"])
            for n in nodes
            if n["unique_id"].startswith(kind)
        ),
        key=lambda item: -item[1],
    )
    return timed[:top]


def slowest_models(db: Path, keep_as: Path, top: int = 8) -> list[tuple[str, float]]:
    """Keep dbt's run_results.json of the last step and return its slowest nodes."""
    results = db.resolve().parent / f"{db.stem}_dbt_target" / "run_results.json"
    keep_as.write_text(results.read_text())
    return slowest_nodes(results, top)


def mart_shapes(db: Path) -> tuple[dict[str, list[tuple[str, str]]], dict[str, int]]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        shapes, counts = {}, {}
        for mart in MARTS:
            shapes[mart] = [
                (name, "VARCHAR" if kind in {"BOOLEAN", "VARCHAR"} else kind)
                for name, kind in con.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                    [mart],
                ).fetchall()
            ]
            counts[mart] = con.execute(f"select count(*) from marts.{mart}").fetchone()[0]
    return shapes, counts


def landed_rows(landing: Path, files: list[Path] | None = None) -> int:
    """Rows in the landing folder's parquet files, or in the given ones of them."""
    import duckdb

    paths = [str(file) for file in files] if files else [f"{landing}/*.parquet"]
    with duckdb.connect() as con:
        return con.execute(
            "select sum(num_rows) from parquet_file_metadata(?)", [paths]
        ).fetchone()[0]


def people_shares(db: Path, day: datetime) -> tuple[int, int, int]:
    """All people, the people with a row processed on `day`, and the people the last run logged."""
    import duckdb

    window = [day, day + timedelta(days=1)]
    with_rows = " union ".join(
        f"select {person} from staging.{table} where {at} >= ? and {at} < ?"
        for table, person, at in PERSON_ROWS
    )
    metrics = (
        "select deliveries.internal_customer_id from staging.base_cio__metrics as metrics "
        "inner join staging.base_cio__deliveries as deliveries using (delivery_id) "
        "where metrics.created_at >= ? and metrics.created_at < ?"
    )
    with duckdb.connect(str(db), read_only=True) as con:
        everyone = con.execute("select count(*) from staging.stg_cio__people").fetchone()[0]
        day_people = con.execute(
            f"select count(*) from ({with_rows} union {metrics})",
            window * (len(PERSON_ROWS) + 1),
        ).fetchone()[0]
        logged = con.execute(
            "select count(distinct person_key) from audit.person_changes where not everyone "
            "and coalesce(batch_unit, 'person') = 'person' "
            "and changed_at = (select max(changed_at) from audit.person_changes)"
        ).fetchone()[0]
    return everyone, day_people, logged


def share_note(shares: tuple[int, int, int]) -> str:
    everyone, day_people, logged = shares
    return (
        f"rows of {day_people / everyone:.0%} of people, "
        f"{logged / everyone:.0%} logged for reprocessing"
    )


def daily_code(landing: Path, db: Path) -> str:
    """The daily run on the built database: whatever files landed since it ran."""
    return build_code(landing, db, {"with_tests": False})


def hold_day(landing: Path, day: int) -> Path:
    """Move one landing day's files into a folder the build does not read; returns the folder."""
    held = landing / "held"
    held.mkdir(exist_ok=True)
    for path in landing.glob(f"*_d{day:03d}_*.parquet"):
        path.rename(held / path.name)
    return held


def release_held(landing: Path) -> None:
    """Put held files back (also those of a run stopped while they were held)."""
    held = landing / "held"
    if held.exists():
        for path in held.iterdir():
            path.rename(landing / path.name)
        held.rmdir()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.01, help="1.0 = ~100M landed rows")
    parser.add_argument("--days", type=int, default=60, help="days of simulated activity")
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/goalline-bench"))
    parser.add_argument("--memory-limit", default="6GB", help="DuckDB memory_limit in every step")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads in every step")
    parser.add_argument(
        "--results-dir", type=Path, default=RESULTS, help="where scale_<scale>.md is written"
    )
    args = parser.parse_args()

    work = args.work_dir / f"scale_{args.scale:g}_days_{args.days}"
    landing, db, floor_db = work / "landing", work / "warehouse.duckdb", work / "floor.duckdb"
    env = {
        **os.environ,
        "CONVERSIONS_DUCKDB_MEMORY_LIMIT": args.memory_limit,
        "CONVERSIONS_DUCKDB_THREADS": str(args.threads),
        "PYTHONPATH": str(ROOT),
    }
    console = Console()
    load_before = os.getloadavg()
    steps: list[Step] = []
    # A run stopped during step 4 or 5 leaves files aside or an extra day behind.
    release_held(landing)
    remove_people_day(landing)
    if not (work / "landing.done").exists():
        code = (
            "from pathlib import Path; from benchmarks.simulate import simulate; "
            f"simulate(Path({str(landing)!r}), {args.scale}, days={args.days}, "
            f"threads={args.threads}, memory_limit={args.memory_limit!r})"
        )
        steps.append(run_sampled("simulate", code, env))
        (work / "landing.done").write_text("ok")
    rows = landed_rows(landing)
    last_day_rows = landed_rows(landing, sorted(landing.glob(f"*_d{args.days - 1:03d}_*.parquet")))
    console.print(f"landing: {rows:,} rows in {landing}")

    for path in (db, floor_db):
        path.unlink(missing_ok=True)
    full = run_sampled(
        "full build",
        build_code(landing, db, {"full_refresh": True, "with_tests": False}),
        env,
    )
    slow_full = slowest_models(db, work / "full_run_results.json")
    shapes, counts = mart_shapes(db)
    floor = run_sampled(
        "floor",
        floor_code(landing, floor_db, shapes, counts, args.memory_limit, args.threads),
        env,
    )
    last_day = START + timedelta(days=args.days - 1)
    db.unlink()
    hold_day(landing, args.days - 1)
    try:
        run_sampled(
            "build before the last day",
            build_code(landing, db, {"full_refresh": True, "with_tests": False}),
            env,
        )
    finally:
        release_held(landing)
    daily = run_sampled("daily run", daily_code(landing, db), env)
    slow_daily = slowest_models(db, work / "daily_run_results.json")
    daily_shares = people_shares(db, last_day)
    people, people_rows = land_people_day(landing, args.days)
    people_day = START + timedelta(days=args.days)
    try:
        people_daily = run_sampled(PEOPLE_DAY_STEP, daily_code(landing, db), env)
        people_day_shares = people_shares(db, people_day)
        nothing_new = run_sampled(NOTHING_NEW_STEP, daily_code(landing, db), env)
    finally:
        remove_people_day(landing)
    slow_people = slowest_models(db, work / "people_day_run_results.json")
    steps += [floor, full, daily, people_daily, nothing_new]
    load_after = os.getloadavg()

    table = Table(title=f"goalline benchmark, scale {args.scale:g} ({rows:,} landed rows)")
    for column in ("step", "seconds", "landed rows/s", "ratio", "peak RSS"):
        table.add_column(column, justify="right" if column != "step" else "left")
    # Issue 24's measure: (daily - fixed) / (full - fixed), against twice the day's share of rows.
    fixed = nothing_new.seconds

    def beyond_fixed(step: Step, shares: tuple[int, int, int]) -> str:
        return (
            f"{step.seconds / full.seconds:.1%} of full; less fixed cost "
            f"{(step.seconds - fixed) / (full.seconds - fixed):.1%} ({share_note(shares)})"
        )

    ratios = {
        "full build": f"{full.seconds / floor.seconds:.1f}x floor",
        "daily run": beyond_fixed(daily, daily_shares),
        PEOPLE_DAY_STEP: beyond_fixed(people_daily, people_day_shares),
        NOTHING_NEW_STEP: f"{nothing_new.seconds / full.seconds:.1%} of full",
    }
    lines = []
    for step in steps:
        per_second = f"{rows / step.seconds:,.0f}" if step.name != "simulate" else ""
        rss = f"{step.peak_rss_bytes / 2**30:.2f} GiB"
        ratio = ratios.get(step.name, "")
        table.add_row(step.name, f"{step.seconds:.1f}", per_second, ratio, rss)
        lines.append(f"| {step.name} | {step.seconds:.1f} | {per_second} | {ratio} | {rss} |")
    console.print(table)

    args.results_dir.mkdir(parents=True, exist_ok=True)
    mart_rows = ", ".join(f"{mart} {count:,}" for mart, count in counts.items())
    report = "\n".join(
        [
            f"# Benchmark at scale {args.scale:g}",
            "",
            f"- when: {datetime.now().isoformat(timespec='seconds')} UTC; command: "
            "`python3 -m uv run python benchmarks/run.py "
            f"--scale {args.scale:g} --days {args.days}`",
            f"- landed rows: {rows:,} over {args.days} days; marts: {mart_rows}",
            f"- DuckDB memory_limit {args.memory_limit}, threads {args.threads}; dbt threads 2; "
            f"{psutil.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB RAM, "
            f"{platform.python_version()}",
            f"- load average (1/5/15 min) before: {load_before[0]:.1f}/{load_before[1]:.1f}/"
            f"{load_before[2]:.1f}, after: {load_after[0]:.1f}/{load_after[1]:.1f}/"
            f"{load_after[2]:.1f} (the machine's 2 cores were shared with other jobs)",
            "- full build and daily run are `dbt build` of models and seeds (data tests excluded); "
            "daily run = the last day's files landed on a database built from every other day, "
            f"then `dbt build` without vars (they hold {last_day_rows / rows:.1%} of the rows); "
            f"{PEOPLE_DAY_STEP} = the same for one more day landed after it, whose "
            f"{sum(people_rows.values()):,} rows ("
            + ", ".join(f"{table} {count:,}" for table, count in people_rows.items())
            + f") belong to {people:,} people (a seeded 1%); {NOTHING_NEW_STEP} = "
            "a run with no new file (the fixed cost taken off in the ratios)",
            "",
            "| step | seconds | landed rows/s | ratio | peak RSS (process tree) |",
            "|---|---|---|---|---|",
            *lines,
            "",
            "Slowest models (seconds of dbt execution, 2 models run in parallel):",
            "",
            "- full build: " + ", ".join(f"{name} {sec:.1f}" for name, sec in slow_full),
            "- daily run: " + ", ".join(f"{name} {sec:.1f}" for name, sec in slow_daily),
            f"- {PEOPLE_DAY_STEP}: " + ", ".join(f"{name} {sec:.1f}" for name, sec in slow_people),
            "",
        ]
    )
    out = args.results_dir / f"scale_{args.scale:g}.md"
    out.write_text(report)
    console.print(f"wrote {out}")


if __name__ == "__main__":
    main()
