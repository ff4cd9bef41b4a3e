"""The demo generator: deterministic, shipped as generated, covering every contract case; one build.

The landing checks read the written files directly (as text, like the landing models do), so they
prove what the generator writes; the build checks prove the warehouse turns it into the scenarios
the demo is meant to show. Only one dbt build runs (module fixture).
"""

import io
import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from goalline.build import run_build
from goalline.demo import write_demo_landing
from goalline.experiments_report import experiment_tables
from goalline.landing import contract_tables
from goalline.paths import DEMO_LANDING_DIR

CHANNELS = {"email", "sms", "push", "webhook", "slack", "in_app", "whatsapp"}
CONTRACT_REASONS = {
    "null_key",
    "unparseable_timestamp",
    "unknown_metric",
    "unknown_delivery_type",
    "properties_not_json_object",
    "orphan_metric",
    "window_days_out_of_range",
    "config_conflict",
}


def file_bytes(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "landing"
    write_demo_landing(folder, seed=7)
    return folder


def landing_views(folder: Path) -> duckdb.DuckDBPyConnection:
    """Every landing table as a view over its files, all columns as text (csv and parquet)."""
    connection = duckdb.connect()
    connection.execute("set TimeZone = 'UTC'")
    for table in contract_tables():
        parts = [
            f"select columns(*)::varchar from read_parquet('{path}')"
            for path in sorted(folder.glob(f"{table.name}*.parquet"))
        ] + [
            f"select * from read_csv('{path}', header = true, all_varchar = true)"
            for path in sorted(folder.glob(f"{table.name}*.csv"))
        ]
        connection.execute(f"create view {table.name} as {' union all by name '.join(parts)}")
    return connection


@pytest.fixture(scope="module")
def landed(demo_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = landing_views(demo_dir)
    yield connection
    connection.close()


def scalar(connection: duckdb.DuckDBPyConnection, sql: str) -> object:
    return connection.execute(sql).fetchone()[0]


def values(connection: duckdb.DuckDBPyConnection, sql: str) -> set:
    return {row[0] for row in connection.execute(sql).fetchall()}


# --- determinism and the shipped copy ----------------------------------------------------------


def test_same_seed_gives_identical_bytes(demo_dir: Path, tmp_path: Path) -> None:
    counts = write_demo_landing(tmp_path / "again", seed=7)
    assert file_bytes(tmp_path / "again") == file_bytes(demo_dir)
    assert set(counts) == {table.name for table in contract_tables()}
    assert all(rows > 0 for rows in counts.values())


def test_other_seed_gives_other_data(demo_dir: Path, tmp_path: Path) -> None:
    write_demo_landing(tmp_path / "other", seed=8)
    seven, eight = file_bytes(demo_dir), file_bytes(tmp_path / "other")
    assert seven.keys() == eight.keys()
    changed = {name for name in seven if seven[name] != eight[name]}
    assert {"deliveries_v4_94812_000001.parquet", "metrics_v4_94812_000001.parquet"} <= changed


def test_shipped_demo_landing_is_what_the_generator_writes(demo_dir: Path) -> None:
    assert file_bytes(DEMO_LANDING_DIR) == file_bytes(demo_dir), (
        "demo/landing drifted from goalline.demo: regenerate it with `uv run goalline demo`"
    )


def test_rewriting_replaces_old_demo_files_but_refuses_foreign_folders(tmp_path: Path) -> None:
    folder = tmp_path / "landing"
    write_demo_landing(folder, seed=7)
    stale = folder / "deliveries_v4_94812_000099.parquet"
    stale.write_bytes(b"left over from an older generator")
    write_demo_landing(folder, seed=7)
    assert not stale.exists()

    foreign = tmp_path / "export"
    foreign.mkdir()
    (foreign / "deliveries_000001.csv").write_text("workspace_id,delivery_id\n")
    with pytest.raises(FileExistsError, match="did not write"):
        write_demo_landing(foreign)
    assert (foreign / "deliveries_000001.csv").read_text() == "workspace_id,delivery_id\n"


def test_layout_is_small_and_exercises_globbing(demo_dir: Path) -> None:
    files = [path for path in demo_dir.iterdir() if path.suffix in {".csv", ".parquet"}]
    assert sum(path.stat().st_size for path in files) < 1_000_000
    assert {path.suffix for path in files} == {".csv", ".parquet"}
    for table in contract_tables():
        assert any(path.name.startswith(table.name) for path in files), table.name
    deliveries = [path for path in files if path.name.startswith("deliveries")]
    assert len(deliveries) >= 3
    assert {path.suffix for path in deliveries} == {".csv", ".parquet"}


# --- what the landing files hold --------------------------------------------------------------


def test_an_ab_test_and_a_holdout_branch(landed: duckdb.DuckDBPyConnection) -> None:
    variants = values(
        landed, "select split_test_index from outputs where split_test_index is not null"
    )
    assert variants == {"0", "1", "2"}
    paths = landed.execute(
        "select role, weight_percent from branch_paths order by branch_index"
    ).fetchall()
    assert paths == [("control", "30"), ("treatment", "70")]
    assigned = scalar(
        landed, "select count(*) from outputs where output_type = 'random_cohort_branch'"
    )
    assert assigned >= 1000


def test_every_channel_and_action_kind(landed: duckdb.DuckDBPyConnection) -> None:
    assert values(landed, "select delivery_type from deliveries") >= CHANNELS
    webhook_flags = values(
        landed,
        """select actions.webhook_conversions_enabled from campaign_actions as actions
           join deliveries on deliveries.action_id = actions.action_id
           where actions.action_type = 'webhook'""",
    )
    assert webhook_flags == {"true", "false"}
    person_updates = scalar(
        landed,
        """select count(*) from outputs join campaign_actions using (action_id)
           where action_type = 'create_update_person'""",
    )
    assert person_updates > 0


def test_metrics_cover_opens_clicks_failures_and_platform_conversions(
    landed: duckdb.DuckDBPyConnection,
) -> None:
    metrics = values(landed, "select metric from metrics")
    assert {"sent", "delivered", "opened", "clicked", "bounced", "failed", "converted"} <= metrics
    tracked, untracked = landed.execute(
        """select count(*) filter (where link_id is not null),
                  count(*) filter (where link_id is null)
           from metrics where metric = 'clicked'"""
    ).fetchone()
    assert tracked > 0 and untracked > 0


def test_goals_cover_edits_segments_exits_newsletters_and_filters(
    landed: duckdb.DuckDBPyConnection,
) -> None:
    rows = landed.execute(
        """select campaign_id, version, goal_type, filter, window_days, exit_condition
           from goal_versions where try_cast(window_days as integer) between 1 and 90"""
    ).fetchall()
    by_campaign: dict[str, set[tuple]] = {}
    for campaign_id, _, _, filter_text, window_days, _ in rows:
        by_campaign.setdefault(campaign_id, set()).add((filter_text, window_days))
    assert any(len(versions) > 1 for versions in by_campaign.values()), "no mid-flight edit"
    assert "segment_entered" in {row[2] for row in rows}
    assert "converted" in {row[5] for row in rows}
    newsletters = values(landed, "select campaign_id from campaigns where kind = 'newsletter'")
    assert newsletters & set(by_campaign)

    filters = [json.loads(row[3]) for row in rows if row[3]]
    conditions = [condition for spec in filters for condition in spec["conditions"]]
    assert {spec["match"] for spec in filters} == {"all", "any"}
    assert any(c["operator"] == "gt" and isinstance(c.get("value"), float) for c in conditions)
    compared_to = {key for c in conditions for key in c.get("compare_to", {})}
    assert compared_to == {"trigger_event_property", "person_attribute"}
    assert scalar(landed, "select count(distinct attribute_value) from attributes") > 2


def test_events_arrive_late_backdated_and_skewed(landed: duckdb.DuckDBPyConnection) -> None:
    late, skewed = landed.execute(
        """with timed as (
               select try_cast(timestamp as timestamptz) as claimed,
                      try_cast(received_at as timestamptz) as received
               from events
           )
           select count(*) filter (where received > claimed + interval 1 day),
                  count(*) filter (where claimed > received)
           from timed"""
    ).fetchone()
    assert late >= 10 and skewed >= 1


def test_duplicate_and_resent_rows(landed: duckdb.DuckDBPyConnection) -> None:
    for table, key in [
        ("deliveries", "delivery_id"),
        ("metrics", "event_id"),
        ("events", "event_id"),
    ]:
        exact, resent = landed.execute(
            f"""with per_key as (
                    select {key}, count(*) as copies, count(distinct seq_num) as seq_nums
                    from {table} where {key} is not null group by {key}
                )
                select count(*) filter (where copies > seq_nums),
                       count(*) filter (where seq_nums > 1)
                from per_key"""
        ).fetchone()
        assert exact > 0 and resent > 0, table


def test_bad_rows_of_every_kind(landed: duckdb.DuckDBPyConnection) -> None:
    checks = {
        "null delivery key": "select count(*) from deliveries where delivery_id is null",
        "null event key": "select count(*) from events where event_id is null",
        "unparseable timestamp": """select count(*) from metrics
            where try_cast(created_at as timestamptz) is null
            and not regexp_full_match(created_at, '[0-9]{9,10}')""",
        "unknown metric": """select count(*) from metrics where metric not in ('drafted',
            'attempted', 'sent', 'delivered', 'opened', 'clicked', 'converted', 'bounced',
            'dropped', 'spammed', 'failed', 'undeliverable', 'unsubscribed')""",
        "unknown delivery_type": f"""select count(*) from deliveries
            where delivery_type not in {tuple(sorted(CHANNELS))}""",
        "properties not an object": """select count(*) from events
            where not coalesce(json_type(try_cast(properties as json)) = 'OBJECT', false)""",
        "metric without delivery": """select count(*) from metrics
            where delivery_id not in (
                select delivery_id from deliveries where delivery_id is not null
            )""",
        "window_days out of range": """select count(*) from goal_versions
            where try_cast(window_days as integer) not between 1 and 90""",
        "config conflict": """select count(*) from (select action_id from campaign_actions
            group by action_id having count(distinct name) > 1)""",
    }
    missing = [kind for kind, sql in checks.items() if scalar(landed, sql) == 0]
    assert not missing, missing


# --- one build of the demo ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(
    demo_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[duckdb.DuckDBPyConnection]:
    db_path = tmp_path_factory.mktemp("demo_build") / "demo.duckdb"
    run_build(demo_dir, db_path)
    connection = duckdb.connect(str(db_path), read_only=True)
    yield connection
    connection.close()


def campaign_with(built: duckdb.DuckDBPyConnection, where: str) -> str:
    return scalar(
        built,
        f"""select min(campaign_id) from staging.stg_config__goal_versions
            where {where}""",
    )


def test_every_campaign_has_journeys_and_a_plausible_rate(built: duckdb.DuckDBPyConnection) -> None:
    rates = dict(
        built.execute(
            """select campaigns.campaign_id, avg(journeys.is_converted::int)
               from staging.stg_config__campaigns as campaigns
               left join marts.fct_journeys as journeys using (campaign_id)
               group by campaigns.campaign_id"""
        ).fetchall()
    )
    assert len(rates) >= 4
    assert all(rate is not None and 0.02 < rate < 0.6 for rate in rates.values()), rates


def test_mid_flight_edit_converts_under_both_versions(built: duckdb.DuckDBPyConnection) -> None:
    edited = scalar(
        built,
        """select campaign_id from staging.stg_config__goal_versions
           group by campaign_id having count(*) > 1""",
    )
    versions = values(
        built, f"select goal_version from marts.fct_conversions where campaign_id = '{edited}'"
    )
    assert versions == {1, 2}


def test_segment_goal_met_at_start_never_converts(built: duckdb.DuckDBPyConnection) -> None:
    segment = campaign_with(built, "goal_type = 'segment_entered'")
    met, met_converted, converted = built.execute(
        f"""select count(*) filter (where goal_met_at_start),
                   count(*) filter (where goal_met_at_start and is_converted),
                   count(*) filter (where is_converted)
            from marts.fct_journeys where campaign_id = '{segment}'"""
    ).fetchone()
    assert met > 0 and met_converted == 0 and converted > 0


def test_exit_on_conversion_shows_deliveries_after_exit(built: duckdb.DuckDBPyConnection) -> None:
    exiting = campaign_with(built, "exit_condition = 'converted'")
    after_exit = scalar(
        built,
        f"""select max(deliveries_after_exit) from marts.fct_journeys
            where campaign_id = '{exiting}' and exit_reason = 'converted'""",
    )
    assert after_exit > 0


def test_newsletter_converts_and_shares_orders_with_a_campaign(
    built: duckdb.DuckDBPyConnection,
) -> None:
    conversions = scalar(
        built,
        """select count(*) from marts.fct_conversions
           join staging.stg_config__campaigns using (campaign_id)
           where kind = 'newsletter'""",
    )
    assert conversions > 0
    # Orders matching both a newsletter and a campaign journey give rule 10 a choice to make.
    contested = scalar(
        built,
        "select count(*) from marts.fct_cross_journey_conversions where candidate_journeys > 1",
    )
    assert contested > 0


def test_quarantine_holds_every_contract_reason(built: duckdb.DuckDBPyConnection) -> None:
    reasons = values(
        built, "select split_part(quarantine_reason, ':', 1) from staging.stg_quarantine"
    )
    assert reasons >= CONTRACT_REASONS
    superseded = values(
        built,
        "select table_name from audit.fct_landing_reconciliation where rows_superseded > 0",
    )
    assert {"deliveries", "metrics", "events", "campaigns"} <= superseded


def test_the_ab_test_has_a_winner_and_a_sound_split(built: duckdb.DuckDBPyConnection) -> None:
    rows = built.execute(
        """select variant, sent, verdict, srm_p_value from marts.fct_ab_test_variants
           where action_id = '142' order by variant"""
    ).fetchall()
    assert [row[0] for row in rows] == [0, 1, 2]
    assert all(row[1] > 300 for row in rows)
    assert [row[2] for row in rows] == ["original", "not significant", "variation winning"]
    assert all(row[3] > 0.001 for row in rows)


def test_the_holdout_shows_the_campaign_causes_conversions(
    built: duckdb.DuckDBPyConnection,
) -> None:
    control, treatment = built.execute(
        """select role, assigned, converted, lift_ci_low, p_value
           from marts.fct_holdout_lift where action_id = '141' order by branch_index"""
    ).fetchall()
    assert control[0] == "control" and control[3] is None
    # The holdout converts too (people come back on their own), the treatment clearly more.
    assert control[2] > 0 and treatment[0] == "treatment"
    assert treatment[3] > 0 and treatment[4] < 0.001
    assert 0.2 < control[1] / (control[1] + treatment[1]) < 0.4
    # The demo's two bad assignment rows: a repeated assignment and one without its path.
    reasons = values(
        built,
        "select quarantine_reason from staging.stg_quarantine where table_name = 'outputs'",
    )
    assert {"reassigned_at_branch", "random_cohort_branch_without_branch_index"} <= reasons


def test_demo_prints_a_table_per_test_and_holdout(built: duckdb.DuckDBPyConnection) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, highlight=False)
    for table in experiment_tables(built):
        console.print(table)
    text = buffer.getvalue()
    assert "A/B test: Win back lapsed users / We miss you" in text
    assert "variation winning" in text and "142-discount" in text
    assert "Holdout: Win back lapsed users / Holdout: 30% hear nothing" in text
    assert "sample ratio p =" in text and "BROKEN SPLIT" not in text
