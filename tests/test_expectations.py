"""The Great Expectations rule suites: a clean warehouse passes, and every expectation fails on a
copy of it corrupted in exactly the way its rule forbids."""

import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from commands.checks import check_command, format_result
from expectations import all_suites
from expectations.history import HISTORY_TABLE, record_conversion_history
from expectations.runner import RuleResult, run_suites
from goalline.build import run_build

from landing_builder import Landing

EXIT_CHECK = "no_deliveries_after_exit"
HISTORY_CHECKS = {"recorded_conversion_not_removed", "recorded_conversion_unchanged"}


def clean_landing() -> Landing:
    """One campaign whose event goal (version 2, 7-day window on received) replaced 'none'.

    j1 (p1): emails d1 and d2 and a slack message d3 sent; p1 purchases on 01-06, which converts
    j1 crediting d2 (latest received anchor). j2 (p2): email d4 sent; p2 purchases on 01-20,
    outside the window, so j2 exits (converted, window ignored) unconverted, and email d5 created
    on 01-21 is a delivery after exit.
    """
    landing = Landing()
    landing.add(
        "campaigns",
        workspace_id="w",
        campaign_id="c1",
        name="Onboarding",
        kind="campaign",
        created_at="2025-11-01 00:00:00",
    )
    for action_id, action_type in [
        ("a_email1", "email"),
        ("a_email2", "email"),
        ("a_slack", "slack"),
        ("a_branch", "branch"),
    ]:
        landing.add(
            "campaign_actions",
            workspace_id="w",
            action_id=action_id,
            campaign_id="c1",
            action_type=action_type,
            name=action_id,
            webhook_conversions_enabled=False,
        )
    landing.add(
        "goal_versions",
        workspace_id="w",
        campaign_id="c1",
        version=1,
        valid_from="2025-12-01 00:00:00",
        goal_type="none",
        basis="received",
        exit_condition="none",
    )
    landing.add(
        "goal_versions",
        workspace_id="w",
        campaign_id="c1",
        version=2,
        valid_from="2026-01-01 00:00:00",
        goal_type="event",
        event_name="purchase",
        window_days=7,
        basis="received",
        exit_condition="converted",
    )
    for person in ("p1", "p2"):
        landing.add(
            "people",
            workspace_id="w",
            customer_id=person,
            internal_customer_id=person,
            deleted=False,
            suppressed=False,
            created_at="2025-10-01 00:00:00",
            updated_at="2025-10-01 00:00:00",
            email_addr=f"{person}@example.com",
            seq_num=1,
        )
    for journey, person in [("j1", "p1"), ("j2", "p2")]:
        landing.add(
            "subjects",
            workspace_id="w",
            subject_name=journey,
            internal_customer_id=person,
            campaign_id="c1",
            started_campaign_at="2026-01-05 00:00:00",
            seq_num=1,
        )
    deliveries = [
        ("d1", "j1", "p1", "email", "a_email1", "2026-01-05 01:00:00"),
        ("d2", "j1", "p1", "email", "a_email2", "2026-01-05 02:00:00"),
        ("d3", "j1", "p1", "slack", "a_slack", "2026-01-05 03:00:00"),
        ("d4", "j2", "p2", "email", "a_email1", "2026-01-05 01:00:00"),
        ("d5", "j2", "p2", "email", "a_email2", "2026-01-21 00:00:00"),
    ]
    for delivery_id, journey, person, delivery_type, action_id, created_at in deliveries:
        landing.add(
            "deliveries",
            workspace_id="w",
            delivery_id=delivery_id,
            internal_customer_id=person,
            subject_id=journey,
            delivery_type=delivery_type,
            campaign_id="c1",
            action_id=action_id,
            created_at=created_at,
            seq_num=1,
        )
    metrics = [
        ("m1", "d1", "sent", "2026-01-05 01:01:00"),
        ("m2", "d1", "opened", "2026-01-05 02:30:00"),
        ("m3", "d2", "sent", "2026-01-05 02:01:00"),
        ("m4", "d3", "sent", "2026-01-05 03:01:00"),
        ("m5", "d4", "sent", "2026-01-05 01:01:00"),
        ("m6", "d5", "sent", "2026-01-21 00:01:00"),
    ]
    for metric_id, delivery_id, metric, created_at in metrics:
        landing.add(
            "metrics",
            event_id=metric_id,
            workspace_id="w",
            delivery_id=delivery_id,
            metric=metric,
            created_at=created_at,
            seq_num=1,
        )
    for event_id, person, at in [
        ("e1", "p1", "2026-01-06 10:00:00"),
        ("e2", "p2", "2026-01-20 00:00:00"),
    ]:
        landing.add(
            "events",
            workspace_id="w",
            event_id=event_id,
            internal_customer_id=person,
            name="purchase",
            properties={"total": 20},
            timestamp=at,
            received_at=at,
            seq_num=1,
        )
    experiments(landing)
    return landing


def experiments(landing: Landing) -> None:
    """A random cohort branch (a_branch: path 0 the control, path 1) that assigned j2 to the
    control and j1 to path 1, and a_email2 as an A/B test: d2 variant 1, d5 variant 0."""
    for index, weight, role in [(0, 50, "control"), (1, 50, "treatment")]:
        landing.add(
            "branch_paths",
            workspace_id="w",
            action_id="a_branch",
            branch_index=index,
            campaign_id="c1",
            weight_percent=weight,
            role=role,
        )
    for output_id, journey, action_id, delivery_id, variant, path in [
        ("o1", "j1", "a_branch", None, None, 1),
        ("o2", "j2", "a_branch", None, None, 0),
        ("o3", "j1", "a_email2", "d2", 1, None),
        ("o4", "j2", "a_email2", "d5", 0, None),
    ]:
        landing.add(
            "outputs",
            workspace_id="w",
            output_id=output_id,
            subject_name=journey,
            output_type="random_cohort_branch" if path is not None else "email",
            action_id=action_id,
            delivery_id=delivery_id,
            split_test_index=variant,
            branch_index=path,
            created_at="2026-01-05 00:00:00",
            seq_num=1,
        )


@pytest.fixture(scope="module")
def landing_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return clean_landing().write(tmp_path_factory.mktemp("expectations") / "landing")


@pytest.fixture(scope="module")
def clean_db(landing_dir: Path) -> Path:
    db_path = landing_dir.parent / "clean.duckdb"
    run_build(landing_dir, db_path)
    return db_path


@pytest.fixture(scope="module")
def clean_results(clean_db: Path) -> list[RuleResult]:
    return run_suites(clean_db).results


def corrupted(clean_db: Path, target: Path, *statements: str, record_history: bool = False) -> Path:
    """A copy of the clean database with statements applied (after recording history if asked)."""
    shutil.copy(clean_db, target)
    with duckdb.connect(str(target)) as connection:
        if record_history:
            record_conversion_history(connection)
        for statement in statements:
            connection.execute(statement)
    return target


def by_check(results: list[RuleResult]) -> dict[str, RuleResult]:
    return {result.check: result for result in results}


def failing_checks(results: list[RuleResult]) -> set[str]:
    return {result.check for result in results if result.failed}


def captured_console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=200, highlight=False), buffer


def test_the_clean_warehouse_passes_every_rule(clean_results: list[RuleResult]) -> None:
    results = by_check(clean_results)
    assert len(results) == len(clean_results), "check names are unique"
    assert failing_checks(clean_results) == set()
    assert {check for check, result in results.items() if result.skipped} == HISTORY_CHECKS
    assert all(result.error is None for result in clean_results)
    assert {check for check, result in results.items() if not result.success} == {EXIT_CHECK}


def test_a_delivery_after_exit_is_a_warning_with_its_count(
    clean_db: Path, clean_results: list[RuleResult], tmp_path: Path
) -> None:
    exit_result = by_check(clean_results)[EXIT_CHECK]
    assert exit_result.warned and not exit_result.failed
    assert exit_result.unexpected_count == 1
    assert exit_result.sample_keys == ("j2 deliveries_after_exit=1",)

    console, output = captured_console()
    assert check_command(shutil.copy(clean_db, tmp_path / "w.duckdb"), console) == 0
    assert "WARN exit no_deliveries_after_exit: 1 offending row(s)" in output.getvalue()
    assert "0 failed" in output.getvalue()


def test_the_exit_warning_counts_every_journey_and_clears_without_violations(
    clean_db: Path, tmp_path: Path
) -> None:
    more = corrupted(
        clean_db,
        tmp_path / "more.duckdb",
        "update marts.fct_journeys set deliveries_after_exit = 2 where journey_id = 'j1'",
    )
    assert by_check(run_suites(more).results)[EXIT_CHECK].unexpected_count == 2
    none = corrupted(
        clean_db,
        tmp_path / "none.duckdb",
        "update marts.fct_journeys set deliveries_after_exit = 0",
    )
    assert by_check(run_suites(none).results)[EXIT_CHECK].success


@dataclass(frozen=True)
class Corruption:
    """A copy of the clean database broken in one way, and the check that must catch it."""

    name: str
    check: str
    statements: tuple[str, ...]
    count: int
    sample_key: str
    rule_words: str
    # Checks that necessarily fail with it (a rule implied by others).
    also_failing: frozenset[str] = frozenset()
    # Record the conversion history first, as a successful check on an earlier build would.
    record_history: bool = False


CORRUPTIONS = [
    Corruption(
        name="conversion-before-journey-start",
        check="converted_not_before_journey_start",
        statements=(
            "update marts.fct_journeys set started_at = timestamp '2026-01-06 11:00:00' where "
            "journey_id = 'j1'",
        ),
        count=1,
        sample_key="j1",
        rule_words="only at or after its start",
    ),
    Corruption(
        name="conversion-before-anchor",
        check="converted_not_before_anchor",
        statements=("update marts.fct_conversions set anchor_at = converted_at + interval 1 hour",),
        count=1,
        sample_key="j1",
        rule_words="at or after the anchor",
    ),
    Corruption(
        name="judged-by-a-version-saved-later",
        check="converted_not_before_goal_version_saved",
        statements=(
            "insert into staging.stg_config__goal_versions select * replace (3 as goal_version, "
            "timestamp '2026-02-01 00:00:00' as valid_from) from "
            "staging.stg_config__goal_versions where goal_version = 2",
            "update marts.fct_conversions set goal_version = 3",
        ),
        count=1,
        sample_key="j1",
        rule_words="saved at or before",
    ),
    Corruption(
        name="judged-by-a-superseded-version",
        check="goal_version_in_force_at_conversion",
        statements=("update marts.fct_conversions set goal_version = 1",),
        count=1,
        sample_key="j1",
        rule_words="still in force",
    ),
    Corruption(
        name="no-goal-at-journey-start",
        check="goal_in_force_at_journey_start",
        statements=(
            "update marts.fct_journeys set goal_version_at_start = 1 where journey_id = 'j1'",
        ),
        count=1,
        sample_key="j1",
        rule_words="had a goal",
    ),
    Corruption(
        name="recorded-conversion-disappears",
        check="recorded_conversion_not_removed",
        statements=("delete from marts.fct_conversions",),
        count=1,
        sample_key="j1",
        rule_words="never disappears",
        record_history=True,
    ),
    Corruption(
        name="recorded-conversion-changes",
        check="recorded_conversion_unchanged",
        statements=(
            "update marts.fct_conversions set credited_delivery_id = 'd1', anchor_at = timestamp "
            "'2026-01-05 01:01:00'",
        ),
        count=1,
        sample_key="j1",
        rule_words="never changes",
        record_history=True,
    ),
    Corruption(
        name="conversion-after-window-end",
        check="converted_within_window",
        statements=("update marts.fct_conversions set anchor_at = converted_at - interval 8 day",),
        count=1,
        sample_key="j1",
        rule_words="inside the window",
    ),
    Corruption(
        name="window-of-120-days",
        check="window_days_within_1_to_90",
        statements=(
            "insert into staging.stg_config__goal_versions select * replace (3 as goal_version, "
            "timestamp '2026-03-01 00:00:00' as valid_from, 120 as window_days) from "
            "staging.stg_config__goal_versions where goal_version = 2",
        ),
        count=1,
        sample_key="w/c1/3 window_days=120",
        rule_words="1 to 90 days",
    ),
    Corruption(
        name="window-end-not-from-goal-version",
        check="window_end_matches_goal_version",
        statements=(
            "update marts.fct_conversion_windows set window_ends_at = anchor_at + interval 30 day "
            "where delivery_id = 'd1'",
        ),
        count=1,
        sample_key="d1/received/2026-01-05 01:01:00",
        rule_words="window_ends_at is anchor_at + window_days",
    ),
    Corruption(
        name="journey-converts-twice",
        check="one_conversion_per_journey",
        statements=(
            "insert into marts.fct_conversions select * replace ('second' as conversion_id, 'd1' "
            "as credited_delivery_id, timestamp '2026-01-05 01:01:00' as anchor_at) from "
            "marts.fct_conversions",
        ),
        count=2,
        sample_key="j1",
        rule_words="at most once",
    ),
    Corruption(
        name="delivery-credited-twice",
        check="one_conversion_per_delivery",
        statements=(
            "insert into marts.fct_conversions select * replace ('second' as conversion_id) from "
            "marts.fct_conversions",
        ),
        count=2,
        sample_key="j1 credited_delivery_id=d2",
        rule_words="delivery converts at most once",
        # A delivery belongs to one journey: crediting it twice means two conversions of that
        # journey (or one of another journey, which credited_delivery_of_journey reports).
        also_failing=frozenset({"one_conversion_per_journey"}),
    ),
    Corruption(
        name="slack-delivery-credited",
        check="credited_delivery_attributable",
        statements=(
            "update marts.fct_conversions set credited_delivery_id = 'd3', credited_channel = "
            "'slack', anchor_at = timestamp '2026-01-05 03:01:00'",
        ),
        count=1,
        sample_key="j1",
        rule_words="never slack",
    ),
    Corruption(
        name="credited-delivery-sent-after-conversion",
        check="credited_delivery_left_platform_before_conversion",
        statements=(
            "update marts.fct_deliveries set sent_at = timestamp '2026-01-06 11:00:00' where "
            "delivery_id = 'd2'",
        ),
        count=1,
        sample_key="j1",
        rule_words="left the platform",
    ),
    Corruption(
        name="credited-delivery-bounced-before-conversion",
        check="credited_delivery_not_failed_before_conversion",
        statements=(
            # Staging is a view over the base table: a staged row is a winning base row.
            "insert into staging.base_cio__metrics select * replace ('m_bounce' as event_id, "
            "'bounced' as metric, timestamp '2026-01-06 09:00:00' as created_at) from "
            "staging.base_cio__metrics where event_id = 'm3' and key_rank = 1",
        ),
        count=1,
        sample_key="j1",
        rule_words="no bounced, dropped, failed or undeliverable",
    ),
    Corruption(
        name="credited-delivery-of-another-journey",
        check="credited_delivery_of_journey",
        statements=("update marts.fct_deliveries set journey_id = 'j2' where delivery_id = 'd2'",),
        count=1,
        sample_key="j1",
        rule_words="its own journey",
    ),
    Corruption(
        name="goal-met-at-start-converted",
        check="goal_met_at_start_never_converts",
        statements=(
            "update marts.fct_journeys set goal_met_at_start = true where journey_id = 'j1'",
        ),
        count=1,
        sample_key="j1",
        rule_words="already met at its start",
    ),
    Corruption(
        name="reconciliation-unbalanced",
        check="landing_reconciles",
        statements=(
            "update audit.fct_landing_reconciliation set rows_staged = rows_staged - 1, "
            "is_reconciled = false where table_name = 'metrics'",
        ),
        count=1,
        sample_key="metrics",
        rule_words="rows landed = rows staged + rows quarantined",
    ),
    # Balanced, and is_reconciled left true: only the suite's own overdue clause catches it.
    Corruption(
        name="reconciliation-overdue",
        check="landing_reconciles",
        statements=(
            "update audit.fct_landing_reconciliation set rows_staged = rows_staged - 1, "
            "rows_pending = rows_pending + 1, rows_overdue = 1 where table_name = 'events'",
        ),
        count=1,
        sample_key="events",
        rule_words="older than the lookback",
    ),
    Corruption(
        name="unknown-metric-staged",
        check="staged_metric_in_vocabulary",
        statements=(
            "insert into staging.base_cio__metrics select * replace ('m_x' as event_id, "
            "'teleported' as metric) from staging.base_cio__metrics "
            "where event_id = 'm6' and key_rank = 1",
        ),
        count=1,
        sample_key="m_x/teleported",
        rule_words="rules.metric_vocabulary",
    ),
    Corruption(
        name="unknown-delivery-type-staged",
        check="staged_delivery_type_in_rules",
        statements=(
            "update staging.base_cio__deliveries set delivery_type = 'pigeon' where delivery_id = "
            "'d5'",
        ),
        count=1,
        sample_key="d5/pigeon",
        rule_words="rules.channel_attribution_rules",
    ),
    Corruption(
        name="journey-on-two-paths-of-a-branch",
        check="one_path_per_journey_and_branch",
        statements=(
            "insert into staging.base_cio__outputs select * replace ('o9' as output_id, 0 as "
            "branch_index) from staging.base_cio__outputs where output_id = 'o1'",
        ),
        count=1,
        sample_key="w/j1/a_branch assignments=2",
        rule_words="one path at a random cohort branch",
    ),
    Corruption(
        name="variant-delivery-of-another-action",
        check="variant_delivery_of_tested_action",
        statements=(
            "update staging.base_cio__outputs set action_id = 'a_email1' where output_id = 'o3'",
        ),
        count=1,
        sample_key="o3/a_email2",
        rule_words="belongs to the A/B-tested action",
    ),
    Corruption(
        name="assigned-journey-of-another-campaign",
        check="assigned_journey_of_branch_campaign",
        statements=("update staging.stg_config__branch_paths set campaign_id = 'c9'",),
        count=2,
        sample_key="o1/j1/c9",
        rule_words="a journey of the branch's campaign",
    ),
    Corruption(
        name="email-addr-column-in-a-mart",
        check="no_contact_detail_columns",
        statements=("alter table marts.fct_journeys add column email_addr varchar",),
        count=1,
        sample_key="fct_journeys/email_addr",
        rule_words="contact detail",
    ),
    Corruption(
        name="phone-column-in-a-mart",
        check="no_contact_detail_columns",
        statements=("alter table marts.fct_deliveries add column phone_number varchar",),
        count=1,
        sample_key="fct_deliveries/phone_number",
        rule_words="contact detail",
    ),
]


@pytest.mark.parametrize("corruption", CORRUPTIONS, ids=lambda corruption: corruption.name)
def test_each_corruption_fails_exactly_its_rule(
    clean_db: Path, tmp_path: Path, corruption: Corruption
) -> None:
    db_path = corrupted(
        clean_db,
        tmp_path / "bad.duckdb",
        *corruption.statements,
        record_history=corruption.record_history,
    )
    results = run_suites(db_path).results
    assert failing_checks(results) == {corruption.check} | corruption.also_failing
    result = by_check(results)[corruption.check]
    assert result.error is None
    assert result.unexpected_count == corruption.count
    assert corruption.sample_key in result.sample_keys
    message = format_result(result)
    assert f"{result.suite} {corruption.check}: {corruption.count} offending row(s)" in message
    assert corruption.rule_words in message
    assert corruption.sample_key in message


def test_every_expectation_is_shown_failing() -> None:
    every_check = [
        expectation.meta["check"]
        for rule_suite in all_suites()
        for expectation in rule_suite.suite.expectations
    ]
    assert len(every_check) == len(set(every_check))
    assert all(
        expectation.meta.get("rule")
        for rule_suite in all_suites()
        for expectation in rule_suite.suite.expectations
    )
    corrupted_checks = {corruption.check for corruption in CORRUPTIONS}
    # The restatement warning is shown on a late-landed change in tests/test_restatements.py.
    assert set(every_check) == corrupted_checks | {EXIT_CHECK, "recorded_conversion_restated"}


def test_a_failing_check_exits_non_zero_and_records_no_history(
    clean_db: Path, tmp_path: Path
) -> None:
    db_path = corrupted(
        clean_db,
        tmp_path / "bad.duckdb",
        "update marts.fct_conversions set credited_delivery_id = 'd3', credited_channel = 'slack'",
    )
    console, output = captured_console()
    assert check_command(db_path, console) == 1
    text = output.getvalue()
    assert "FAIL credit credited_delivery_attributable: 1 offending row(s)" in text
    assert "never slack" in text
    assert "e.g. j1" in text
    assert "WARN exit no_deliveries_after_exit" in text
    assert "recorded" not in text
    with duckdb.connect(str(db_path)) as connection:
        tables = connection.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'audit' and table_name = 'conversion_history'"
        ).fetchone()
    assert tables == (0,)


def test_the_conversion_history_survives_a_rebuild(
    clean_db: Path, landing_dir: Path, tmp_path: Path
) -> None:
    db_path = shutil.copy(clean_db, tmp_path / "w.duckdb")
    console, output = captured_console()
    assert check_command(db_path, console) == 0
    assert "recorded 1 new conversion(s) in audit.conversion_history" in output.getvalue()

    run_build(landing_dir, db_path)
    results = run_suites(db_path).results
    history = [result for result in results if result.check in HISTORY_CHECKS]
    assert history and all(result.success and not result.skipped for result in history)
    assert failing_checks(results) == set()
    with duckdb.connect(str(db_path)) as connection:
        recorded = connection.execute(
            f"select journey_id, credited_delivery_id, goal_version from {HISTORY_TABLE}"
        ).fetchall()
    assert recorded == [("j1", "d2", 2)]


def test_a_missing_database_cannot_be_checked(tmp_path: Path) -> None:
    console, output = captured_console()
    assert check_command(tmp_path / "missing.duckdb", console) == 2
    assert "does not exist" in output.getvalue()
    assert not (tmp_path / "missing.duckdb").exists()
