"""Cost of `goalline load` on Postgres: every file at once, against one more day's files.

    python3 -m uv run python -m benchmarks.load_manifest LANDING_DIR

LANDING_DIR is a simulated workspace (benchmarks/simulate.py: files `<table>_d<day>_<n>.parquet`).
Needs the Postgres server the libpq variables name (PGHOST, ...). Three loads, each into a schema
of its own, timed in this run: (1) all files into an empty schema; (2) the last day's files into a
schema already holding every earlier day (the daily load); (3) the same folder again, nothing new
(what hashing every file costs). Prints the times and the daily load's share of the full one beside
the last day's share of rows.
"""

import argparse
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from goalline.load import load_landing
from goalline.targets import SOURCE_SCHEMA_ENV, Target

SIMULATED_FILE = re.compile(r"[a-z_]+_d(?P<day>\d{3})_\d+\.parquet")


def timed_load(landing: Path, schema: str) -> tuple[float, int]:
    os.environ[SOURCE_SCHEMA_ENV] = schema
    started = time.perf_counter()
    rows = load_landing(landing, Target.POSTGRES)
    return time.perf_counter() - started, sum(rows.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("landing", type=Path)
    args = parser.parse_args()
    files = sorted(args.landing.glob("*.parquet"))
    day = {
        path: int(match["day"]) for path in files if (match := SIMULATED_FILE.fullmatch(path.name))
    }
    last = max(day.values())
    with tempfile.TemporaryDirectory(prefix="load_manifest_") as scratch:
        folder = Path(scratch) / "landing"
        folder.mkdir()
        for path in files:
            if day.get(path, 0) < last:
                shutil.copy(path, folder / path.name)
        full_seconds, full_rows = timed_load(args.landing, "bench_full")
        timed_load(folder, "bench_daily")
        for path in files:
            if day.get(path) == last:
                shutil.copy(path, folder / path.name)
        daily_seconds, daily_rows = timed_load(folder, "bench_daily")
        again_seconds, again_rows = timed_load(folder, "bench_daily")
    print(f"full load:   {full_seconds:7.2f} s  {full_rows:,} rows")
    print(
        f"daily load:  {daily_seconds:7.2f} s  {daily_rows:,} rows"
        f"  ({daily_seconds / full_seconds:.3f} of the full load's time,"
        f" {daily_rows / full_rows:.3f} of its rows)"
    )
    print(f"nothing new: {again_seconds:7.2f} s  {again_rows:,} rows")


if __name__ == "__main__":
    main()
