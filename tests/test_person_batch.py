"""The per-person batches downstream of staging (macros/person_batch.sql, docs/scale.md).

tests/test_incremental.py proves that any sequence of runs equals a full build; this module proves
the mechanism does what it says on a three-person workspace: a daily run reprocesses only the
people its rows touch, a configuration edit rebuilds every per-person model and the log says why,
and a model run alone never processes people its parents have not processed yet.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from benchmarks.dbt_run import dbt_build
from goalline.paths import PROJECT_DIR

from scenarios.builder import ScenarioBuilder

WORKSPACE = "pb"
DAY_TWO = {"processing_start": "2026-01-06 00:00:00", "processing_end": "2026-01-07 00:00:00"}


def world() -> ScenarioBuilder:
    """Three people in one campaign, each sent one e-mail on 01-05; p1 buys on 01-05. p3's journey
    names a trigger event, t_p3, that has not landed yet."""
    s = ScenarioBuilder(WORKSPACE, "per-person batches")
    s.campaign_with_goal("c", window_days=7)
    for person in ("p1", "p2", "p3"):
        trigger = "t_p3" if person == "p3" else None
        s.journey(
            f"j_{person}", person=person, campaign="c", start="01-05 00:00", trigger_event=trigger
        )
        s.delivery(
            f"d_{person}",
            journey=f"j_{person}",
            created="01-05 01:00",
            metrics=[("sent", "01-05 01:00")],
        )
    s.event("e_p1", person="p1", received="01-05 20:00")
    return s


def land(landing_dir: Path, builder: ScenarioBuilder, file_number: int) -> None:
    """Add a builder's rows to a landing folder as new files (`<table>_<n>.csv`)."""
    written = builder.landing.write(landing_dir / f"part_{file_number}")
    for file in written.glob("*.csv"):
        if len(file.read_text().splitlines()) > 1:  # not just the header
            file.rename(landing_dir / file.name.replace("_000001", f"_{file_number:06d}"))
    shutil.rmtree(written)


def day_two_purchase() -> ScenarioBuilder:
    s = ScenarioBuilder(WORKSPACE, "p2 buys on day two")
    s.event("e_p2", person="p2", received="01-06 09:00")
    return s


def day_two_page_views() -> ScenarioBuilder:
    """Page views, a name no goal has: p2's own, and p1's that is p3's journey's trigger event."""
    s = ScenarioBuilder(WORKSPACE, "page views on day two")
    s.event("pv_p2", person="p2", received="01-06 09:00", name="page_viewed")
    s.event("t_p3", person="p1", received="01-06 10:00", name="page_viewed")
    return s


def day_two_open() -> ScenarioBuilder:
    """p1 opens day one's e-mail on day two."""
    s = ScenarioBuilder(WORKSPACE, "p1 opens on day two")
    s._metric_count = 100  # day one's builder numbered its metrics from 1
    s.metrics("d_p1", [("opened", "01-06 09:00")])
    return s


def goal_edit() -> ScenarioBuilder:
    """Version 2 of the goal, in force from 01-05 12:00: only a signup counts from then on."""
    s = ScenarioBuilder(WORKSPACE, "goal edit")
    s.goal("c", 2, "01-05 12:00", event_name="signup", window_days=7)
    return s


def converted_people(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as connection:
        rows = connection.execute("select person_id from marts.fct_conversions").fetchall()
    return {row[0].removeprefix(f"{WORKSPACE}/") for row in rows}


def manifest(db: Path) -> dict[str, tuple[object, object]]:
    """Per model: (processed_through, rebuilt_at)."""
    with duckdb.connect(str(db), read_only=True) as connection:
        rows = connection.execute(
            "select model_name, processed_through, rebuilt_at from audit.processing_manifest"
        ).fetchall()
    return {name: (through, rebuilt) for name, through, rebuilt in rows}


def batch_sizes(db: Path) -> dict[str, int | None]:
    """Per model: the people (or groups) its last batch took, None when it took everyone."""
    with duckdb.connect(str(db), read_only=True) as connection:
        rows = connection.execute(
            "select model_name, keys_in_batch from audit.processing_manifest"
        ).fetchall()
    return dict(rows)


def logged_people(db: Path, base_model: str | None = None) -> set[str]:
    """The people the batches logged (by one base model's batches only, when named)."""
    with duckdb.connect(str(db), read_only=True) as connection:
        rows = connection.execute(
            "select distinct person_key from audit.person_changes where not everyone"
            " and coalesce(batch_unit, 'person') = 'person'"
            " and (cast(? as varchar) is null or base_model = ?)",
            [base_model, base_model],
        ).fetchall()
    return {row[0].removeprefix(f"{WORKSPACE}/") for row in rows}


def logged_deliveries(db: Path) -> set[str]:
    """The deliveries the batches logged, for the models whose batch is the delivery."""
    with duckdb.connect(str(db), read_only=True) as connection:
        rows = connection.execute(
            "select distinct person_key from audit.person_changes"
            " where not everyone and batch_unit = 'delivery'"
        ).fetchall()
    return {row[0].removeprefix(f"{WORKSPACE}/") for row in rows}


def first_opened(db: Path, delivery: str) -> object:
    with duckdb.connect(str(db), read_only=True) as connection:
        return connection.execute(
            "select first_opened_at from marts.fct_deliveries where delivery_id = ?",
            [f"{WORKSPACE}/{delivery}"],
        ).fetchone()[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Day one landed and built in full; every test starts from a copy."""
    work = tmp_path_factory.mktemp("person_batch")
    landing = work / "landing"
    land(landing, world(), 1)
    db = work / "day_one.duckdb"
    dbt_build(landing, db, full_refresh=True, with_tests=False)
    assert converted_people(db) == {"p1"}
    return {"work": work, "landing": landing, "db": db}


def fresh_copy(built: dict[str, Path], name: str) -> tuple[Path, Path]:
    work = built["work"] / name
    shutil.copytree(built["landing"], work / "landing")
    shutil.copy(built["db"], work / "warehouse.duckdb")
    return work / "landing", work / "warehouse.duckdb"


def test_a_daily_run_reprocesses_only_the_people_it_touches(built: dict[str, Path]) -> None:
    landing, db = fresh_copy(built, "daily")
    before = manifest(db)
    land(landing, day_two_purchase(), 2)
    dbt_build(landing, db, with_tests=False, extra_vars=DAY_TWO)
    assert logged_people(db) == {"p2"}
    after = manifest(db)
    assert set(after) == set(before) and len(after) > 20
    # Every per-person model moved on to the new batch, and none was rebuilt in full.
    assert all(after[model][0] > before[model][0] for model in after)
    assert all(after[model][1] == before[model][1] for model in after)
    assert converted_people(db) == {"p1", "p2"}
    # The day landed only an event: models that read no events (through any model) took no one.
    taken = batch_sizes(db)
    assert taken["int_event_goal_candidates"] == taken["fct_journeys"] == 1
    assert taken["int_delivery_anchors"] == taken["int_journey_touchpoints"] == 0
    assert taken["int_person_attributes_ranged"] == taken["fct_conversion_windows"] == 0


def test_events_not_named_as_goals_log_only_the_people_whose_journey_they_trigger(
    built: dict[str, Path],
) -> None:
    landing, db = fresh_copy(built, "page_views")
    land(landing, day_two_page_views(), 2)
    dbt_build(landing, db, with_tests=False, extra_vars=DAY_TWO)
    # No model reads a page view by its person; p3's goal filter reads its trigger event's
    # properties, whoever's it is. (The builder lands p1's and p2's people rows again too.)
    assert logged_people(db, "base_tracking__events") == {"p3"}
    assert converted_people(db) == {"p1"}


def test_a_metric_reprocesses_its_delivery_in_the_delivery_models(built: dict[str, Path]) -> None:
    landing, db = fresh_copy(built, "metric")
    land(landing, day_two_open(), 2)
    dbt_build(landing, db, with_tests=False, extra_vars=DAY_TWO)
    # A delivery's rows in the four delivery models depend on its own row and metrics alone: the
    # open logs d_p1 for them, and p1 for the per-person models (a conversion can read the open).
    assert logged_deliveries(db) == {"d_p1"}
    assert logged_people(db, "base_cio__metrics") == {"p1"}
    taken = batch_sizes(db)
    for model in (
        "int_delivery_metrics_summarised",
        "int_delivery_anchors",
        "int_journey_touchpoints",
        "fct_deliveries",
    ):
        assert taken[model] == 1, model
    # Deliveries are classified from their own row and the configuration: a metric changes none.
    assert taken["int_deliveries_classified"] == 0
    assert first_opened(db, "d_p1") is not None
    assert first_opened(db, "d_p2") is None


def test_log_entries_from_before_deliveries_were_logged_rebuild_the_delivery_models(
    built: dict[str, Path],
) -> None:
    landing, db = fresh_copy(built, "upgrade")
    land(landing, day_two_open(), 2)
    dbt_build(landing, db, with_tests=False, extra_vars=DAY_TWO, select="tag:daily")
    # The build failed here under the previous release, which logged people only, without a unit.
    with duckdb.connect(str(db)) as connection:
        connection.execute("delete from audit.person_changes where batch_unit = 'delivery'")
        connection.execute("update audit.person_changes set batch_unit = null")
    dbt_build(landing, db, with_tests=False)
    taken = batch_sizes(db)
    # The delivery models that read metrics rebuild in full (and so do the models reading them);
    # the rest take p1's entries as before.
    for model in (
        "int_delivery_metrics_summarised",
        "int_delivery_anchors",
        "int_journey_touchpoints",
    ):
        assert taken[model] is None, model
    assert taken["int_deliveries_classified"] == 0
    assert taken["int_event_goal_candidates"] == 0
    assert first_opened(db, "d_p1") is not None


def test_a_configuration_edit_rebuilds_every_model_and_says_why(built: dict[str, Path]) -> None:
    landing, db = fresh_copy(built, "goal_edit")
    before = manifest(db)
    land(landing, goal_edit(), 2)
    env = {
        **os.environ,
        "CONVERSIONS_LANDING_DIR": str(landing),
        "CONVERSIONS_DUCKDB_PATH": str(db),
    }
    command = [
        *(str(Path(sys.executable).parent / "dbt"), "build", "--profiles-dir", "profiles"),
        *("--target-path", str(db.parent / "dbt_target")),
        *("--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"),
    ]
    run = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:]
    after = manifest(db)
    for model in after:
        assert after[model][1] > before[model][1], model
        assert f"{model}: rebuilt in full: its SQL, the configuration tables" in run.stdout
    # p1 bought under version 1, but after 01-05 12:00 only a signup counts.
    assert converted_people(db) == set()


def test_a_model_run_alone_does_not_run_ahead_of_its_parents(built: dict[str, Path]) -> None:
    landing, db = fresh_copy(built, "alone")
    before = manifest(db)
    land(landing, day_two_purchase(), 2)
    dbt_build(landing, db, with_tests=False, extra_vars=DAY_TWO, select="tag:daily")
    dbt_build(landing, db, with_tests=False, select="fct_conversions")
    alone = manifest(db)
    # Its parent has not seen p2's purchase, so neither may it; it stays where the parent is.
    assert alone["fct_conversions"][0] == before["int_journey_conversions"][0]
    assert converted_people(db) == {"p1"}
    dbt_build(landing, db, with_tests=False)
    assert converted_people(db) == {"p1", "p2"}
