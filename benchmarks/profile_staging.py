"""Time the per-row steps of a base model (typing, checks, raw row, rank) on landed events.

    python3 -m uv run python benchmarks/profile_staging.py \
        /tmp/goalline-bench/scale_0.01_days_60/landing

The expressions are the ones the DuckDB dialect macros compile to (macros/dialect), so the
numbers say where a full build's time goes (docs/scale.md).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb


def parse_timestamp(column: str) -> str:
    # Same SQL as macros/dialect/casts.sql duckdb__parse_timestamp.
    return (
        f"case when regexp_full_match(trim({column}), '[0-9]{{9,10}}') "
        f"then make_timestamp(cast(trim({column}) as bigint) * 1000000) "
        f"else make_timestamp(epoch_us(try_cast({column} as timestamptz))) end"
    )


STEPS = {
    "read 3 columns": "select max(event_id), max(properties), max(received_at) from l",
    "parse_timestamp x2": f"select max({parse_timestamp('ts')}), "
    f"max({parse_timestamp('received_at')}) from l",
    "  regexp_full_match only": "select count(*) filter "
    "(where regexp_full_match(trim(received_at), '[0-9]{9,10}')) from l",
    "  timestamptz at time zone (old)": "select max(cast(try_cast(received_at as timestamptz) "
    "at time zone 'UTC' as timestamp)) from l",
    "  timestamptz via epoch_us": "select max(make_timestamp(epoch_us("
    "try_cast(received_at as timestamptz)))) from l",
    "  try_cast as timestamp": "select max(try_cast(received_at as timestamp)) from l",
    "is_json_object": "select count(*) filter (where coalesce(json_valid(properties) "
    "and json_type(try_cast(properties as json)) = 'OBJECT', false)) from l",
    "row_as_json (every row)": "select max(cast(to_json(struct_pack(workspace_id := workspace_id, "
    "event_id := event_id, internal_customer_id := internal_customer_id, n := n, "
    "properties := properties, ts := ts, received_at := received_at, seq_num := seq_num)) "
    "as varchar)) from l",
    "rank by seq_num, raw row json": "select max(r) from (select row_number() over (partition by "
    "event_id order by try_cast(seq_num as bigint) desc, cast(to_json(struct_pack("
    "a := event_id, b := properties, c := ts)) as varchar) desc) as r from l)",
    # What latest_by_key_rank orders by now: a hash of the landed row, computed before the window.
    "rank by seq_num, row hash": "select max(r) from (select row_number() over (partition by "
    "event_id order by s desc, h desc) as r from (select event_id, try_cast(seq_num as bigint) "
    "as s, hash(struct_pack(a := event_id, b := properties, c := ts)) as h from l))",
    "rank by seq_num only": "select max(r) from (select row_number() over (partition by "
    "event_id order by try_cast(seq_num as bigint) desc) as r from l)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("landing", type=Path)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    con = duckdb.connect()
    con.execute(f"set threads = {args.threads}")
    # Landing as the landing views hand it over: every column as text, in memory.
    con.execute(
        "create table l as select "
        + ", ".join(
            f'cast("{source}" as varchar) as {target}'
            for source, target in [
                ("workspace_id", "workspace_id"),
                ("event_id", "event_id"),
                ("internal_customer_id", "internal_customer_id"),
                ("name", "n"),
                ("properties", "properties"),
                ("timestamp", "ts"),
                ("received_at", "received_at"),
                ("seq_num", "seq_num"),
            ]
        )
        + f" from read_parquet('{args.landing}/events_*.parquet')"
    )
    print(f"{con.execute('select count(*) from l').fetchone()[0]:,} events")
    for name, query in STEPS.items():
        began = time.perf_counter()
        con.execute(query).fetchall()
        print(f"{name:30} {time.perf_counter() - began:6.2f}s")


if __name__ == "__main__":
    main()
