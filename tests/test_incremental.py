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
  an incremental build without vars (the landing manifest);
- (c) day by day, as orchestration runs it: a day's files land, the sensor's window (the
  processing days they touch) builds DAILY_SELECT with processing_start/processing_end, then
  everything else without vars; no unbounded run at the end;
- (d) loads at (b)'s first two cuts with a goal version edit landing between them: the edit must
  change the marts, and the incremental warehouse must equal a full build of the edited landing;
- (e) after (c), in its folder and warehouse, a row processed long before the newest one lands
  in a new file: the next run without vars takes it (the landing manifest) and equals a full
  build, with no day re-run;
- small cases (tests/scenarios' builder, a few rows each): a daily run in which a person's only
  new rows are segment changes or attribute changes, and goal_versions rewritten in place with only
  `filter` or only `window_days` changed; each change must change the marts, and the warehouse
  after the next run must equal a full build of the changed landing. The simulated workspace has
  neither: its people's other rows are logged with theirs, and its goal edit is a new version;
- planted bugs (tests/planted.py): the comparisons fail on a copy of the project whose manifest
  takes no new file, whose orphan metrics are not judged again when their delivery lands, that
  leaves a touched person (or the people of segment or attribute rows) out of the person change
  log, or whose fingerprint ignores a goal version's filter or window;
- Postgres: (b)'s first cut and then everything, compared with the DuckDB full build.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from planted import Substitution, planted_project

from benchmarks.dbt_run import dbt_build
from benchmarks.simulate import simulate
from goalline.build import dbt_target_dir
from goalline.connections import copy_relations
from goalline.load import load_landing
from goalline.paths import PROJECT_DIR
from goalline.targets import Target
from orchestration.dbt_assets import DAILY_SELECT, processing_vars
from orchestration.landing_files import PROCESSING_TIME_SQL, LandedFile, processing_span

from engines import create_database
from reference.compare import COMPARED
from scenarios.builder import ScenarioBuilder

DAYS = 6
LOOKBACK_DAYS = 2
START = datetime(2026, 1, 1)
# Every run, the full builds included, so that all of them agree on the lookback.
VARS = {"incremental_lookback_days": LOOKBACK_DAYS}
CUT_SEED = 11
CUTS = 3
# Landed whole with the first load: the platform API's tables, without a processing time.
# branch_paths (optional; the simulation lands none) is compared but not in the configuration
# fingerprint: only tables rebuilt on every run read it (test_fingerprint_covers_...).
CONFIG_TABLES = ("campaigns", "campaign_actions", "goal_versions", "branch_paths")
# The configuration tables the fingerprint of the per-person models reads (macros/person_batch.sql).
FINGERPRINTED_TABLES = ("campaigns", "campaign_actions", "goal_versions")
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


# Small cases -------------------------------------------------------------------------------------

SMALL = "inc"  # the small cases' workspace and id prefix (tests/scenarios/builder.py)
SAME_PLAN = {
    "match": "all",
    "conditions": [
        {"property": "plan", "operator": "eq", "compare_to": {"person_attribute": "plan"}}
    ],
}


def total_over(amount: int) -> dict[str, object]:
    return {
        "match": "all",
        "conditions": [{"property": "total", "operator": "gt", "value": amount}],
    }


def segment_and_attribute_world() -> ScenarioBuilder:
    """Two people, each with one journey started 01-05 and nothing processed on 01-06:
    p_seg entered the trigger segment of a campaign that exits when it stops matching;
    p_attr bought on 01-07 with a plan the goal filter compares with the person's (none yet)."""
    s = ScenarioBuilder(SMALL, "a person's only new rows are segment or attribute changes")
    s.campaign_with_goal("c_exit", trigger_segment="signup", exit_condition="stopped_matching")
    s.campaign_with_goal("c_plan", filter=SAME_PLAN)
    s.segment("p_seg", "signup", "entered", "01-04 00:00")
    s.journey("j_seg", person="p_seg", campaign="c_exit", start="01-05 00:00")
    for delivery, at in (("d_seg1", "01-05 01:00"), ("d_seg2", "01-07 00:00")):
        s.delivery(delivery, journey="j_seg", created=at, metrics=[("sent", at)])
    s.journey("j_attr", person="p_attr", campaign="c_plan", start="01-05 00:00")
    s.delivery("d_attr", journey="j_attr", created="01-05 01:00", metrics=[("sent", "01-05 01:00")])
    s.event("e_attr", person="p_attr", received="01-07 10:00", properties={"plan": "pro"})
    return s


def segment_and_attribute_day(landing: Path) -> None:
    """01-06's rows, landed late: p_seg leaves the trigger segment (its journey exits, its 01-07
    delivery comes after the exit), p_attr gets the plan (its 01-07 purchase converts). Raw rows:
    the builder would land a people row with a person's first row."""
    s = ScenarioBuilder(SMALL, "01-06")
    s.raw(
        "segment_memberships",
        workspace_id=SMALL,
        internal_customer_id=s.id("p_seg"),
        segment_id=s.id("signup"),
        occurred_at="2026-01-06 00:00:00",
        action="exited",
        seq_num=1,
    )
    s.raw(
        "attributes",
        workspace_id=SMALL,
        internal_customer_id=s.id("p_attr"),
        attribute_name="plan",
        attribute_value="pro",
        timestamp="2026-01-06 09:00:00",
        seq_num=1,
    )
    write_landing(s, landing, 2)


def goal_world(goal_filter: dict[str, object], window_days: int) -> ScenarioBuilder:
    """One journey started 01-05, an e-mail sent 01-05 01:00 and a purchase of 50 on 01-08."""
    s = ScenarioBuilder(SMALL, "a goal version rewritten in place")
    s.campaign_with_goal("c", filter=goal_filter, window_days=window_days)
    s.journey("j", person="p", campaign="c", start="01-05 00:00")
    s.delivery("d", journey="j", created="01-05 01:00", metrics=[("sent", "01-05 01:00")])
    s.event("e", person="p", received="01-08 10:00", properties={"total": 50})
    return s


def rewrite_goal_versions(world: ScenarioBuilder) -> Callable[[Path], None]:
    """Rewrite the landed goal_versions file in place (same name) with the world's rows."""

    def rewrite(landing: Path) -> None:
        scratch = landing.parent / f"{landing.name}_rewrite"
        world.landing.write(scratch)
        target = landing / "goal_versions_000001.csv"
        assert target.is_file()
        shutil.copy(scratch / target.name, target)
        shutil.rmtree(scratch)

    return rewrite


def write_landing(world: ScenarioBuilder, landing: Path, number: int) -> None:
    """A world's rows as new files `<table>_<number>.csv` (the first number: every table, also
    the empty ones; later ones: only tables with rows)."""
    written = world.landing.write(landing.parent / f"{landing.name}_part_{number}")
    landing.mkdir(parents=True, exist_ok=True)
    for file in written.glob("*.csv"):
        if number == 1 or len(file.read_text().splitlines()) > 1:
            file.rename(landing / file.name.replace("_000001", f"_{number:06d}"))
    shutil.rmtree(written)


@dataclass(frozen=True)
class SmallCase:
    """A small world built in full, then a change to its landing folder and the next daily run
    (the whole project with the processing window `window`)."""

    world: Callable[[], ScenarioBuilder]
    change: Callable[[Path], None]
    window: dict[str, str]
    # The marts a full build of the changed landing must change (else the case proves nothing).
    changed_marts: set[str] = field(default_factory=set)


# Each daily window holds no earlier row of the people concerned: nothing else logs them.
SMALL_CASES = {
    "only segment or attribute rows": SmallCase(
        segment_and_attribute_world,
        segment_and_attribute_day,
        {"processing_start": "2026-01-06 00:00:00", "processing_end": "2026-01-07 00:00:00"},
        {"marts.fct_journeys", "marts.fct_conversions"},
    ),
    "goal filter rewritten": SmallCase(
        lambda: goal_world(total_over(100), 7),
        rewrite_goal_versions(goal_world(total_over(10), 7)),
        {"processing_start": "2026-01-20 00:00:00", "processing_end": "2026-01-21 00:00:00"},
        {"marts.fct_conversions"},
    ),
    "goal window rewritten": SmallCase(
        lambda: goal_world(total_over(10), 7),
        rewrite_goal_versions(goal_world(total_over(10), 2)),
        {"processing_start": "2026-01-20 00:00:00", "processing_end": "2026-01-21 00:00:00"},
        {"marts.fct_conversions"},
    ),
}


@dataclass(frozen=True)
class SmallBuilt:
    before: Path  # the warehouse before the change
    db: Path  # after the change and the daily run
    full: Path  # a full build of the changed landing


def run_small_case(case: SmallCase, work: Path, name: str, project: Path = PROJECT_DIR) -> Path:
    """Land the world, build it in full, change the landing, run the daily window; the warehouse
    before the change is kept beside it as `<name>_before`."""
    landing = work / f"{name}_landing"
    write_landing(case.world(), landing, 1)
    db = warehouse(work, name)
    build(landing, db, full_refresh=True, project_dir=project)
    copy_warehouse(db, work, f"{name}_before")
    case.change(landing)
    build(landing, db, project_dir=project, **case.window)  # type: ignore[arg-type]
    return db


@pytest.fixture(scope="module")
def small_cases(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], SmallBuilt]:
    """Each small case built once, on first use."""
    work = tmp_path_factory.mktemp("small")
    built: dict[str, SmallBuilt] = {}

    def get(name: str) -> SmallBuilt:
        if name not in built:
            slug = name.replace(" ", "_")
            db = run_small_case(SMALL_CASES[name], work, slug)
            full = warehouse(work, f"{slug}_full")
            full_build(work / f"{slug}_landing", full)
            built[name] = SmallBuilt(warehouse(work, f"{slug}_before"), db, full)
        return built[name]

    return get


@pytest.mark.parametrize("name", SMALL_CASES)
def test_small_change_then_daily_run_equals_full_build(
    small_cases: Callable[[str], SmallBuilt], name: str
) -> None:
    built = small_cases(name)
    assert SMALL_CASES[name].changed_marts <= differences(built.before, built.full, MARTS).keys()
    assert differences(built.full, built.db, RELATIONS) == {}


@dataclass(frozen=True)
class PlantedBug:
    substitution: Substitution
    # The cheapest build that shows it: one incremental run, from the warehouse after the
    # first load of (b) to every row landed, of these models, compared on these relations.
    select: str | None
    relations: list[str]
    # Or a small case (SMALL_CASES), run on the planted copy from its start and compared with the
    # full build of the real project on the marts.
    case: str | None = None


def ignored_by_fingerprint(column: str) -> Substitution:
    """The configuration fingerprint leaves out a column of the configuration tables."""
    return Substitution(
        "macros/person_batch.sql",
        "node.columns.keys() | reject('equalto', 'landing_file')",
        f"node.columns.keys() | reject('in', ['landing_file', '{column}'])",
    )


def people_not_logged(table: str) -> Substitution:
    """A base model's batch logs none of its rows' people (as for outputs, which feed no
    per-person model)."""
    return Substitution(
        "macros/incremental.sql",
        "{%- if table_name == 'outputs' -%}",
        f"{{%- if table_name in ['outputs', '{table}'] -%}}",
    )


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
            "where has_delivery <> (staged.staged_delivery_id is not null)",
            "where has_delivery and staged.staged_delivery_id is null",
        ),
        DAILY_SELECT,
        DAILY_RELATIONS,
    ),
    # The per-person models reprocess the people the base models log; one left out of the log
    # (here every person key ending in 1) keeps the marts it had.
    "touched person skipped": PlantedBug(
        Substitution(
            "macros/person_batch.sql",
            "from ({{ batch.people }}) as changed_people",
            "from ({{ batch.people }}) as changed_people where person_key not like '%1'",
        ),
        None,
        MARTS,
    ),
    # Missed by the simulated workspace, whose people have other rows in every batch.
    "segment change people skipped": PlantedBug(
        people_not_logged("segment_memberships"), None, MARTS, "only segment or attribute rows"
    ),
    "attribute change people skipped": PlantedBug(
        people_not_logged("attributes"), None, MARTS, "only segment or attribute rows"
    ),
    # The four delivery models take the deliveries the deliveries and metrics batches log.
    "metric deliveries not logged": PlantedBug(
        Substitution(
            "macros/incremental.sql",
            "if table_name in ['deliveries', 'metrics'] else none",
            "if table_name in ['deliveries'] else none",
        ),
        None,
        MARTS,
    ),
    # A batch writes the row keys whose rows differ; here only keys with a row to remove, so a
    # key that is new (a new delivery, a new conversion) is never inserted.
    "new row keys not written": PlantedBug(
        Substitution(
            "macros/person_batch.sql",
            "having sum(goalline_side) <> 0",
            "having sum(goalline_side) > 0",
        ),
        None,
        MARTS,
    ),
    # Missed by the goal edits elsewhere, which land a new version (version and valid_from change).
    "fingerprint ignores goal filter": PlantedBug(
        ignored_by_fingerprint("filter"), None, MARTS, "goal filter rewritten"
    ),
    "fingerprint ignores goal window": PlantedBug(
        ignored_by_fingerprint("window_days"), None, MARTS, "goal window rewritten"
    ),
}


@pytest.mark.parametrize("name", PLANTED_BUGS)
def test_planted_bug_is_caught(request: pytest.FixtureRequest, name: str) -> None:
    bug = PLANTED_BUGS[name]
    slug = name.replace(" ", "_")
    if bug.case is not None:
        # The fingerprint the planted copy compares with must be its own: built from the start.
        expected = request.getfixturevalue("small_cases")(bug.case).full
        work = expected.parent.parent / slug
        project = planted_project(work / "project", [bug.substitution])
        db = run_small_case(SMALL_CASES[bug.case], work, slug, project)
        assert differences(expected, db, bug.relations)
        return
    workspace: Workspace = request.getfixturevalue("workspace")
    loads: Loads = request.getfixturevalue("loads")
    project = planted_project(workspace.work / f"{slug}_project", [bug.substitution])
    db = copy_warehouse(loads.after_first_load, workspace.work, slug)
    # (b)'s landing folder, where every row has landed by now: the same files, at the same paths,
    # as when the copied warehouse was built.
    build(loads.landing, db, select=bug.select, project_dir=project)
    assert differences(workspace.full, db, bug.relations)


def test_fingerprint_covers_every_configuration_table_a_per_person_model_reads(
    small_cases: Callable[[str], SmallBuilt],
) -> None:
    """A configuration table changes no person's rows, so a per-person (incremental) model sees
    its change only through the fingerprint: every one such a model reads, directly or not, must
    be among FINGERPRINTED_TABLES and in the fingerprint macro. branch_paths is read only by
    tables rebuilt on every run (the holdout models)."""
    db = small_cases("goal filter rewritten").db
    nodes = json.loads((dbt_target_dir(db) / "manifest.json").read_text())["nodes"]
    parents = {
        node_id: node.get("depends_on", {}).get("nodes", []) for node_id, node in nodes.items()
    }
    config_landing = {f"lnd_{table}" for table in CONFIG_TABLES}
    read = set()
    for node in nodes.values():
        if node["resource_type"] != "model" or node["config"]["materialized"] != "incremental":
            continue
        if node["fqn"][1] not in ("intermediate", "marts"):
            continue
        seen, todo = set(), list(parents[node["unique_id"]])
        while todo:
            parent = todo.pop()
            if parent in seen or parent not in nodes:
                continue
            seen.add(parent)
            todo.extend(parents[parent])
            if nodes[parent]["name"] in config_landing:
                read.add(nodes[parent]["name"].removeprefix("lnd_"))
    assert read == set(FINGERPRINTED_TABLES)
    macro = (PROJECT_DIR / "macros" / "person_batch.sql").read_text()
    listed = re.search(r"node\.name in \[([^\]]*)\]", macro)
    assert listed is not None
    assert set(re.findall(r"'lnd_(\w+)'", listed[1])) == set(FINGERPRINTED_TABLES)
    # The holdout models read branch_paths and are rebuilt whole on every run.
    holdout = [node for node in nodes.values() if node["name"] == "int_holdout_assignments"]
    assert holdout and holdout[0]["config"]["materialized"] == "table"


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
