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

ISO_TIMESTAMP = (
    "[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?"
    "([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?)?"
)


def parse_timestamp(column: str) -> str:
    # What parse_timestamp in macros/dialect/casts.sql compiles to on DuckDB.
    return (
        f"case when regexp_full_match(trim({column}), '[0-9]{{9,10}}') "
        f"then make_timestamp(cast(trim({column}) as bigint) * 1000000) "
        f"when regexp_full_match(trim({column}), '{ISO_TIMESTAMP}') "
        f"then make_timestamp(epoch_us(try_cast(trim({column}) as timestamptz))) end"
    )


# latest_by_key_rank's order (macros/staging.sql): seq_num, then the staged columns, nulls last.
RANK_ORDER = (
    "s desc, workspace_id desc nulls last, event_id desc nulls last, "
    "internal_customer_id desc nulls last, n desc nulls last, properties desc nulls last, "
    "ts desc nulls last, received_at desc nulls last"
)
RANKED = "select *, try_cast(seq_num as bigint) as s from l"


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
    "rank by seq_num only": "select max(r) from (select row_number() over (partition by "
    "event_id order by try_cast(seq_num as bigint) desc) as r from l)",
    "rank every row, staged columns": "select max(r) from (select row_number() over (partition by "
    f"event_id order by {RANK_ORDER}) as r from ({RANKED}))",
    # What the base models do: a grouped count, then the window over repeated keys' rows only.
    "rank repeated keys only": "with repeated as (select event_id from l group by event_id "
    "having count(*) > 1) select max(r) from (select row_number() over (partition by event_id "
    f"order by {RANK_ORDER}) as r from ({RANKED}) semi join repeated using (event_id))",
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
