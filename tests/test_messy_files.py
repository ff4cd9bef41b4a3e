"""Messy landing files, built for real: files of one table that disagree on column types, and CSV
values holding quotes, commas, newlines and any Unicode (issue 14, item 4).

Shown able to fail: with the previous landing macro (one `read_parquet(..., union_by_name)` over
all files of a table, then a cast to text) the build stops on the attributes files with
"Unimplemented type for cast (BIGINT -> TIMESTAMP_NS)" (checked by running this module
against that macro). A text file among typed ones hides the problem (text wins), so the people
files have one and the attributes files do not.
"""

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from goalline.build import run_build
from goalline.landing import contract_tables
from goalline.load import landing_query

INSTANT = datetime(2026, 1, 2, 10, 0, 0, 123456, tzinfo=UTC)
WHOLE_SECOND = INSTANT.replace(microsecond=0)
NANOSECONDS = int(WHOLE_SECOND.timestamp()) * 10**9 + 123_456_789
NASTY_NAME = 'Signed "up", then\nleft — ü 日本 🎉'
NASTY_PROPERTIES = {"plan": "pro, annual", "note": 'a "quoted" word\nand a line', "emoji": "🎉"}


def _people_file(path: Path, columns: dict[str, pa.Array]) -> None:
    pq.write_table(pa.table(columns), path)


def _write_landing(landing: Path) -> None:
    landing.mkdir(parents=True)
    # One table, four parquet files, each typing created_at, seq_num and deleted its own way.
    _people_file(
        landing / "people_1.parquet",
        {
            "workspace_id": pa.array(["w"]),
            "internal_customer_id": pa.array(["typed"]),
            "created_at": pa.array([INSTANT], pa.timestamp("us", tz="UTC")),
            "deleted": pa.array([True]),
            "seq_num": pa.array([1], pa.int64()),
        },
    )
    _people_file(
        landing / "people_2.parquet",
        {
            "workspace_id": pa.array(["w"]),
            "internal_customer_id": pa.array(["text"]),
            "created_at": pa.array(["2026-01-02T10:00:00.123456Z"]),
            "deleted": pa.array(["true"]),
            "seq_num": pa.array(["1"]),
        },
    )
    _people_file(
        landing / "people_3.parquet",
        {
            "workspace_id": pa.array(["w"]),
            "internal_customer_id": pa.array(["nanoseconds"]),
            # Naive (UTC by the contract), nanosecond precision: cut to microseconds.
            "created_at": pa.array([NANOSECONDS], pa.timestamp("ns")),
            "deleted": pa.array([1], pa.int32()),
            "seq_num": pa.array([1], pa.int32()),
        },
    )
    _people_file(
        landing / "people_4.parquet",
        {
            "workspace_id": pa.array(["w", "w"]),
            "internal_customer_id": pa.array(["epoch", "bad_time"]),
            "created_at": pa.array([int(WHOLE_SECOND.timestamp()), 12], pa.int64()),
            "deleted": pa.array(["false", "false"]),
            "seq_num": pa.array([1, 1], pa.int64()),
        },
    )
    # Only typed files: a timestamp, epoch seconds as an integer, nanoseconds; int64 and int32.
    attributes = {"workspace_id": pa.array(["w"]), "attribute_name": pa.array(["plan"])}
    for number, (changed, seq_num) in enumerate(
        [
            (pa.array([INSTANT], pa.timestamp("us", tz="UTC")), pa.array([1], pa.int64())),
            (pa.array([int(WHOLE_SECOND.timestamp())], pa.int64()), pa.array([1], pa.int32())),
            (pa.array([NANOSECONDS], pa.timestamp("ns")), pa.array([1], pa.int64())),
        ]
    ):
        columns = {
            **attributes,
            "internal_customer_id": pa.array([f"person_{number}"]),
            "attribute_value": pa.array([f"value_{number}"]),
            "timestamp": changed,
            "seq_num": seq_num,
        }
        pq.write_table(pa.table(columns), landing / f"attributes_{number}.parquet")
    with (landing / "events_1.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "workspace_id",
                "event_id",
                "internal_customer_id",
                "name",
                "properties",
                "timestamp",
                "received_at",
                "seq_num",
            ]
        )
        properties = json.dumps(NASTY_PROPERTIES, ensure_ascii=False)
        received = "2026-01-02T10:00:01Z"
        writer.writerow(["w", "e1", "typed", NASTY_NAME, properties, received, received, 1])


@pytest.fixture(scope="module")
def messy_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("messy")
    _write_landing(folder / "landing")
    db = folder / "messy.duckdb"
    run_build(folder / "landing", db)
    return db


def test_postgres_and_spark_loads_read_the_files_as_the_duckdb_build(messy_db: Path) -> None:
    """`goalline load` (Postgres, Spark) lands the same text as the DuckDB landing views."""
    landing = messy_db.parent / "landing"
    with duckdb.connect(str(messy_db), read_only=True) as connection:
        for table in contract_tables():
            built = connection.execute(f"select * from landing.lnd_{table.name}").fetchall()
            loaded = connection.execute(landing_query(landing, table)).fetchall()
            assert sorted(loaded, key=repr) == sorted(built, key=repr), table.name


def _rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def test_conflicting_column_types_become_the_same_values(messy_db: Path) -> None:
    rows = _rows(
        messy_db,
        "select internal_customer_id, created_at, is_deleted, seq_num"
        " from staging.stg_cio__people order by 1",
    )
    naive = INSTANT.replace(tzinfo=None)
    assert rows == [
        ("epoch", WHOLE_SECOND.replace(tzinfo=None), False, 1),
        ("nanoseconds", naive, True, 1),
        ("text", naive, True, 1),
        ("typed", naive, True, 1),
    ]


def test_files_typing_a_column_differently_are_each_read_as_text(messy_db: Path) -> None:
    rows = _rows(
        messy_db,
        "select internal_customer_id, changed_at, seq_num from staging.stg_cio__attributes"
        " order by 1",
    )
    naive = INSTANT.replace(tzinfo=None)
    assert rows == [
        ("person_0", naive, 1),
        ("person_1", WHOLE_SECOND.replace(tzinfo=None), 1),
        ("person_2", naive, 1),
    ]


def test_what_cannot_be_typed_is_quarantined_with_its_file(messy_db: Path) -> None:
    rows = _rows(
        messy_db,
        "select row_key, quarantine_reason, landing_file from staging.stg_quarantine"
        " where table_name = 'people'",
    )
    assert len(rows) == 1
    row_key, reason, landing_file = rows[0]
    assert "bad_time" in row_key
    assert reason == "unparseable_timestamp:created_at"
    assert landing_file.endswith("people_4.parquet")


def test_csv_values_keep_quotes_commas_newlines_and_unicode(messy_db: Path) -> None:
    rows = _rows(messy_db, "select event_name, properties from staging.stg_tracking__events")
    assert len(rows) == 1
    name, properties = rows[0]
    assert name == NASTY_NAME
    assert json.loads(properties) == NASTY_PROPERTIES
