"""Contract rule 8: a full build and any sequence of incremental builds give the same warehouse.

One small simulated workspace (benchmarks/simulate.py: DAYS processing days, three times the
lookback, with late rows, re-sent rows and a goal edit) and one full build of it are shared by
every test. Each scenario builds the same landing data incrementally, then compares with a full
build (`--full-refresh`) of that landing data, as multisets both ways (a duplicate is a
difference): the nine marts, every base table and staging model of the landing tables,
`staging.stg_quarantine` and `audit.fct_landing_reconciliation` (without `landing_file`: the
files' paths differ). Every run passes `incremental_lookback_days` (LOOKBACK_DAYS).

- (a) the full build: it converts, and its landing has late and re-sent rows;
- (b) load by load: the landing grows at seeded random processing-time cuts; a cut splits a
  day's files (rows processed before it land now, the rest with the next load), and each load is
  an incremental build without vars (the lookback);
- (c) day by day, as orchestration runs it: a day's files land, the sensor's window (the
  processing days they touch) builds DAILY_SELECT with processing_start/processing_end, then
  everything else without vars; no unbounded run at the end;
- (d) loads at (b)'s first two cuts with a goal version edit landing between them: the edit must
  change the marts, and the incremental warehouse must equal a full build of the edited landing;
- (e) after (c), in its folder and warehouse, a row processed long before the newest one lands
  in a new file: the next run without vars takes it (the landing manifest) and equals a full
  build, with no day re-run;
- planted bugs (tests/planted.py): the comparisons fail on a copy of the project whose manifest
  takes no new file, whose orphan metrics are not judged again when their delivery lands, or that
  leaves a touched person out of the person change log;
- Postgres: (b)'s first cut and then everything, compared with the DuckDB full build.
"""

from __future__ import annotations

import random
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from planted import Substitution, planted_project

from benchmarks.dbt_run import dbt_build
from benchmarks.simulate import simulate
from goalline.connections import copy_relations
from goalline.load import load_landing
from goalline.targets import Target
from orchestration.dbt_assets import DAILY_SELECT, processing_vars
from orchestration.landing_files import PROCESSING_TIME_SQL, LandedFile, processing_span

from engines import create_database
from reference.compare import COMPARED

DAYS = 6
LOOKBACK_DAYS = 2
START = datetime(2026, 1, 1)
# Every run, the full builds included, so that all of them agree on the lookback.
VARS = {"incremental_lookback_days": LOOKBACK_DAYS}
CUT_SEED = 11
CUTS = 3
# Landed whole with the first load: the platform API's tables, without a processing time.
CONFIG_TABLES = ("campaigns", "campaign_actions", "goal_versions")
# The landing tables with a processing time: base model and staging view of each.
DAILY_MODELS = (
    "cio__deliveries",
    "cio__metrics",
    "cio__subjects",
    "cio__outputs",
    "cio__people",
    "cio__attributes",
    "tracking__events",
    "tracking__segment_memberships",
)
CONFIG_MODELS = tuple(f"config__{table}" for table in CONFIG_TABLES)
MARTS = [f"marts.{mart}" for mart in COMPARED]
DAILY_RELATIONS = [
    f"staging.{layer}_{model}" for model in DAILY_MODELS for layer in ("base", "stg")
]
RELATIONS = [
    *MARTS,
    *DAILY_RELATIONS,
    *(f"staging.{layer}_{model}" for model in CONFIG_MODELS for layer in ("base", "stg")),
    "staging.stg_quarantine",
    "audit.fct_landing_reconciliation",
]
# Written by benchmarks/simulate.py: `<table>_d<landing day>_<n>.parquet`.
SIMULATED_FILE = re.compile(r"(?P<table>[a-z_]+)_d(?P<day>\d{3})_\d+\.parquet")
WAREHOUSE = "goalline.duckdb"
# Doubles are compared to this many decimals (see comparable).
DOUBLE_DIGITS = 9


@dataclass(frozen=True)
class Workspace:
    work: Path
    source: Path
    full: Path


@dataclass(frozen=True)
class Built:
    landing: Path
    db: Path


@dataclass(frozen=True)
class Loads:
    """Scenario (b): its cuts, landing folder, warehouse, and the warehouse after one load."""

    cuts: list[datetime]
    landing: Path
    db: Path
    after_first_load: Path


def build(landing: Path, db: Path, **options: object) -> None:
    dbt_build(landing, db, extra_vars=VARS, with_tests=False, **options)  # type: ignore[arg-type]


def full_build(landing: Path, db: Path) -> None:
    build(landing, db, full_refresh=True)


def warehouse(work: Path, name: str) -> Path:
    """A warehouse file in its own folder. Always the same file name: DuckDB names the database
    after it, the name is in the compiled SQL, and compiled SQL that changes between runs
    rebuilds the per-person models in full (macros/person_batch.sql)."""
    return work / name / WAREHOUSE


def copy_warehouse(db: Path, work: Path, name: str) -> Path:
    copied = warehouse(work, name)
    copied.parent.mkdir(parents=True)
    shutil.copy(db, copied)
    return copied


def arrival_sql(table: str, day: int) -> str:
    """When a row of a landing day's file arrives: at its processing time, but not before its
    file's day (a late or re-sent row arrives when its file does). Configuration rows arrive at
    the start of their day."""
    day_start = f"timestamp '{START + timedelta(days=day)}'"
    if table in CONFIG_TABLES:
        return day_start
    return f"greatest(coalesce({PROCESSING_TIME_SQL[table]}, {day_start}), {day_start})"


def land(source: Path, landing: Path, since: datetime | None, until: datetime | None) -> list[Path]:
    """Land the simulated rows that arrive in [since, until), one new file per source file that
    has any; returns the new files."""
    landing.mkdir(parents=True, exist_ok=True)
    suffix = "start" if since is None else since.strftime("%Y%m%dT%H%M%S")
    landed = []
    with duckdb.connect() as connection:
        for file in sorted(source.glob("*.parquet")):
            match = SIMULATED_FILE.fullmatch(file.name)
            assert match, f"{file.name} is not a simulated landing file"
            arrival = arrival_sql(match["table"], int(match["day"]))
            bounds = [f"{arrival} >= timestamp '{since}'" if since else "true"]
            bounds.append(f"{arrival} < timestamp '{until}'" if until else "true")
            rows = f"select * from read_parquet('{file}') where {' and '.join(bounds)}"
            if connection.execute(f"select count(*) from ({rows})").fetchone()[0]:
                target = landing / f"{file.stem}_{suffix}.parquet"
                connection.execute(f"copy ({rows}) to '{target}' (format parquet)")
                landed.append(target)
    return landed


def run_window(landing: Path, db: Path, window: dict[str, str]) -> None:
    """One orchestration run of a processing window: the daily batch with the window's vars
    (dbt_assets.goalline_daily_batch), then the rest of the project (goalline_models)."""
    # Each window's vars make dbt parse the project anew: their own artifacts folder keeps the
    # partial parse of the runs of the rest, which all have the same vars.
    build(landing, db, select=DAILY_SELECT, target_dir=db.parent / "daily_dbt_target", **window)
    build(landing, db, exclude=DAILY_SELECT)


def day_of(moment: datetime) -> datetime:
    return datetime.combine(moment.date(), datetime.min.time())


def run_for_new_files(landing: Path, db: Path, new_files: list[Path], first: bool) -> None:
    """What orchestration does when files land: the new-files sensor runs the processing days
    the files touch as one window. The first files also carry rows processed before the period
    (people created earlier): that window takes everything before it."""
    span = processing_span([LandedFile(file, 0, 0) for file in new_files])
    assert span is not None
    window = processing_vars(day_of(span[0]), day_of(span[1]) + timedelta(days=1))
    if first:
        del window["processing_start"]
    run_window(landing, db, window)


def differences(left: Path, right: Path, relations: list[str]) -> dict[str, int]:
    """Rows in one database and not the other (both directions, duplicates counted)."""
    with duckdb.connect() as connection:
        connection.execute(f"attach '{left}' as l (read_only)")
        connection.execute(f"attach '{right}' as r (read_only)")
        found = {}
        for relation in relations:
            left_rows = comparable(connection, f"l.{relation}")
            right_rows = comparable(connection, f"r.{relation}")
            count = connection.execute(
                f"""select
                    (select count(*) from (from {left_rows} except all from {right_rows}))
                    + (select count(*) from (from {right_rows} except all from {left_rows}))"""
            ).fetchone()[0]
            if count:
                found[relation] = count
        return found


def comparable(connection: duckdb.DuckDBPyConnection, relation: str) -> str:
    """The relation's rows without the landed file's path (each scenario lands the same rows in
    files of its own), doubles rounded: a sum over rows in another order differs in the last
    bit (fct_newsletters.revenue, 808.75 against 808.7500000000001)."""
    columns = [
        f"round({name}, {DOUBLE_DIGITS}) as {name}" if kind in ("DOUBLE", "FLOAT") else name
        for name, kind, *_ in connection.execute(f"describe {relation}").fetchall()
        if name != "landing_file"
    ]
    return f"(select {', '.join(columns)} from {relation})"


def scalar(db: Path, sql: str) -> object:
    with duckdb.connect(str(db), read_only=True) as connection:
        return connection.execute(sql).fetchone()[0]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    work = tmp_path_factory.mktemp("incremental")
    source = work / "simulated"
    simulate(source, 0.0003, days=DAYS, seed=3, threads=1, memory_limit="1GB")
    full = warehouse(work, "full")
    full_build(source, full)
    return Workspace(work, source, full)


@pytest.fixture(scope="module")
def cuts() -> list[datetime]:
    """Seeded random processing-time cuts, to the second, mostly in the middle of a day."""
    rng = random.Random(CUT_SEED)
    seconds = sorted(rng.randrange(1, DAYS * 86400) for _ in range(CUTS))
    return [START + timedelta(seconds=second) for second in seconds]


@pytest.fixture(scope="module")
def loads(workspace: Workspace, cuts: list[datetime]) -> Loads:
    landing, db = workspace.work / "loads_landing", warehouse(workspace.work, "loads")
    after_first_load = None
    for since, until in zip([None, *cuts], [*cuts, None], strict=True):
        land(workspace.source, landing, since, until)
        build(landing, db)
        if after_first_load is None:
            after_first_load = copy_warehouse(db, workspace.work, "after_first_load")
    assert after_first_load is not None
    return Loads(cuts, landing, db, after_first_load)


def test_full_build_converts_from_late_and_resent_rows(workspace: Workspace) -> None:
    # Without conversions, late rows and re-sent rows the comparisons below would prove little.
    assert scalar(workspace.full, "select count(*) from marts.fct_conversions") > 0
    source = workspace.source
    late = scalar(
        workspace.full,
        f"""select count(*) from read_parquet('{source}/deliveries_*.parquet', filename = true)
            where cast(regexp_extract(filename, '_d(\\d+)_', 1) as integer)
                > datediff('day', timestamp '{START}', created_at)""",
    )
    assert late > 0
    superseded = " + ".join(
        f"(select count(*) from staging.base_{model} where key_rank > 1)" for model in DAILY_MODELS
    )
    assert scalar(workspace.full, f"select {superseded}") > 0


def test_load_by_load_equals_full_build(workspace: Workspace, loads: Loads) -> None:
    assert differences(workspace.full, loads.db, RELATIONS) == {}


@pytest.fixture(scope="module")
def days(workspace: Workspace) -> Built:
    """Scenario (c): each day's files land, then orchestration's runs for them."""
    landing, db = workspace.work / "days_landing", warehouse(workspace.work, "days")
    for day in range(DAYS):
        since = None if day == 0 else START + timedelta(days=day)
        new_files = land(workspace.source, landing, since, START + timedelta(days=day + 1))
        run_for_new_files(landing, db, new_files, first=day == 0)
    return Built(landing, db)


def test_day_by_day_as_orchestration_equals_full_build(workspace: Workspace, days: Built) -> None:
    assert differences(workspace.full, days.db, RELATIONS) == {}


def land_goal_edit(source: Path, landing: Path) -> None:
    """A new goal version, valid since the period's start, for a campaign and a newsletter that
    convert: a purchase counts only over 150 now."""
    stricter = (
        '{"match": "all", "conditions": [{"property": "total", "operator": "gt", "value": 150}]}'
    )
    with duckdb.connect() as connection:
        connection.execute(
            f"""copy (
                select * replace (
                    version + 1 as version, timestamp '{START}' as valid_from,
                    '{stricter}' as filter)
                from read_parquet('{source}/goal_versions_*.parquet')
                where campaign_id in ('c1', 'n0')
                qualify version = max(version) over (partition by campaign_id)
            ) to '{landing / "goal_versions_edit.parquet"}' (format parquet)"""
        )


def test_goal_edit_between_loads_equals_full_build(
    workspace: Workspace, cuts: list[datetime]
) -> None:
    landing, db = workspace.work / "edit_landing", warehouse(workspace.work, "edit")
    land(workspace.source, landing, None, cuts[0])
    build(landing, db)
    land_goal_edit(workspace.source, landing)
    for since, until in ((cuts[0], cuts[1]), (cuts[1], None)):
        land(workspace.source, landing, since, until)
        build(landing, db)
    full = warehouse(workspace.work, "edit_full")
    full_build(landing, full)
    assert "marts.fct_conversions" in differences(workspace.full, full, MARTS)
    assert differences(full, db, RELATIONS) == {}


def land_late_goal_event(workspace: Workspace, landing: Path) -> datetime:
    """A purchase a second before the earliest event conversion, received more than the lookback
    before the newest received event: it becomes that journey's first occurrence. Returns when
    it was received."""
    with duckdb.connect() as connection:
        connection.execute(f"attach '{workspace.full}' as full_build (read_only)")
        connection.execute(
            f"""copy (
                select * replace (
                    event_id || '_late' as event_id, timestamp - interval 1 second as timestamp,
                    received_at - interval 1 second as received_at)
                from read_parquet('{workspace.source}/events_*.parquet')
                where event_id = (
                    select occurrence_id from full_build.marts.fct_conversions
                    where goal_type = 'event' and seconds_to_convert > 60
                    order by converted_at, occurrence_id limit 1)
            ) to '{landing / "events_late.parquet"}' (format parquet)"""
        )
        received, newest = connection.execute(
            f"""select
                (select received_at from read_parquet('{landing}/events_late.parquet')),
                (select max(received_at) from full_build.staging.base_tracking__events)"""
        ).fetchone()
    assert received < newest - timedelta(days=LOOKBACK_DAYS)
    return received


def test_row_later_than_lookback_is_taken_by_the_next_build(
    workspace: Workspace, days: Built
) -> None:
    # Continues (c): the late row lands in its folder after every day has been built. Its file is
    # new to the landing manifest, so the next build takes it whatever its processing time: no
    # day has to be re-run (issue 24).
    land_late_goal_event(workspace, days.landing)
    full = warehouse(workspace.work, "late_full")
    full_build(days.landing, full)
    assert "marts.fct_conversions" in differences(workspace.full, full, MARTS)

    build(days.landing, days.db)
    assert differences(full, days.db, RELATIONS) == {}


@dataclass(frozen=True)
class PlantedBug:
    substitution: Substitution
    # The cheapest build that shows it: one incremental run, from the warehouse after the
    # first load of (b) to every row landed, of these models, compared on these relations.
    select: str | None
    relations: list[str]


PLANTED_BUGS = {
    # The landing manifest (macros/incremental.sql) decides what a build without vars takes.
    "new files not taken": PlantedBug(
        Substitution(
            "macros/incremental.sql",
            "'landing_file in (' ~ sql_text_list(files.taken) ~ ')'",
            "'landing_file in (null)'",
        ),
        DAILY_SELECT,
        DAILY_RELATIONS,
    ),
    "orphan metric not judged again": PlantedBug(
        Substitution(
            "macros/incremental.sql",
            "where not has_delivery and delivery_id in",
            "where false and delivery_id in",
        ),
        DAILY_SELECT,
        DAILY_RELATIONS,
    ),
    # The per-person models reprocess the people the base models log; one left out of the log
    # (here every person key ending in 1) keeps the marts it had.
    "touched person skipped": PlantedBug(
        Substitution(
            "macros/person_batch.sql",
            "from ({{ person_keys_sql }}) as changed_people",
            "from ({{ person_keys_sql }}) as changed_people where person_key not like '%1'",
        ),
        None,
        MARTS,
    ),
}


@pytest.mark.parametrize("name", PLANTED_BUGS)
def test_planted_bug_is_caught(workspace: Workspace, loads: Loads, name: str) -> None:
    bug = PLANTED_BUGS[name]
    slug = name.replace(" ", "_")
    project = planted_project(workspace.work / f"{slug}_project", [bug.substitution])
    db = copy_warehouse(loads.after_first_load, workspace.work, slug)
    # (b)'s landing folder, where every row has landed by now: the same files, at the same paths,
    # as when the copied warehouse was built.
    build(loads.landing, db, select=bug.select, project_dir=project)
    assert differences(workspace.full, db, bug.relations)


def test_load_by_load_on_postgres_equals_duckdb_full_build(
    workspace: Workspace,
    cuts: list[datetime],
    postgres_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The same incremental models on the second engine that has them (Spark rebuilds in full).
    create_database("incremental")
    monkeypatch.setenv("PGDATABASE", "incremental")
    landing, artifacts = workspace.work / "postgres_landing", workspace.work / "postgres.duckdb"
    for since, until in ((None, cuts[0]), (cuts[0], None)):
        land(workspace.source, landing, since, until)
        load_landing(landing, Target.POSTGRES)
        dbt_build(landing, artifacts, extra_vars=VARS, with_tests=False, target=Target.POSTGRES)
    # The Postgres relations, copied into a DuckDB file so the same comparison applies.
    copied = workspace.work / "postgres_copy.duckdb"
    with duckdb.connect(str(copied)) as connection:
        copy_relations(connection, Target.POSTGRES, artifacts, RELATIONS)
    assert differences(workspace.full, copied, RELATIONS) == {}
