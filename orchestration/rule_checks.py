"""The Great Expectations rule suites (expectations/) as Dagster asset checks.

Each suite runs as one check on the asset it guards. Suites whose failure means wrong numbers are
blocking (ERROR severity): assets downstream of the guarded asset are not materialised. The exit
suite describes the platform's sending, not our numbers: WARN severity, never blocking.

The suites run over read-only DuckDB connections (on Postgres and Spark: an in-memory DuckDB copy
of the relations they read) after the dbt step that built their tables, in two ops: the staging
checks gate the model build, the mart checks gate the conversion history. Every run writes the
suites' Data Docs under the target folder; each check's metadata links its suite's page. Great
Expectations is imported inside the ops: it takes seconds, and loading the code location must stay
fast.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg

from orchestration import settings
from orchestration.project import DAILY_BATCH_KEY
from orchestration.resources import Warehouse

if TYPE_CHECKING:
    from expectations.runner import RuleResult

STAGING = "staging"
MARTS = "marts"
SAMPLE_LIMIT = 5


@dataclass(frozen=True)
class GuardedSuite:
    suite: str
    asset: dg.AssetKey
    stage: str
    blocking: bool = True

    @property
    def check_name(self) -> str:
        return "gx_" + self.suite.replace(".", "__")


def _key(schema: str, name: str) -> dg.AssetKey:
    return dg.AssetKey([schema, name])


# Every suite of expectations.all_suites(), with the asset it guards (a test keeps them in step).
GUARDED_SUITES: tuple[GuardedSuite, ...] = (
    # stg_cio__metrics and stg_cio__deliveries: part of the daily batch.
    GuardedSuite("integrity.metric_vocabulary", DAILY_BATCH_KEY, STAGING),
    GuardedSuite("integrity.delivery_types", DAILY_BATCH_KEY, STAGING),
    GuardedSuite("windows.goal_versions", _key("staging", "stg_config__goal_versions"), MARTS),
    GuardedSuite("integrity.reconciliation", _key("audit", "fct_landing_reconciliation"), MARTS),
    GuardedSuite("no_retroactive_conversions", _key("marts", "fct_conversions"), MARTS),
    GuardedSuite("no_retroactive_conversions.history", _key("marts", "fct_conversions"), MARTS),
    # Restated by rows that landed late: on-call hears of it, the build goes on.
    GuardedSuite(
        "no_retroactive_conversions.restatements",
        _key("marts", "fct_conversions"),
        MARTS,
        blocking=False,
    ),
    GuardedSuite("windows", _key("marts", "fct_conversions"), MARTS),
    GuardedSuite("credit", _key("marts", "fct_conversions"), MARTS),
    GuardedSuite("windows.conversion_windows", _key("marts", "fct_conversion_windows"), MARTS),
    GuardedSuite("credit.goal_met_at_start", _key("marts", "fct_journeys"), MARTS),
    GuardedSuite("exit", _key("marts", "fct_journeys"), MARTS, blocking=False),
    GuardedSuite("integrity.no_contact_details", _key("marts", "fct_deliveries"), MARTS),
    GuardedSuite("assignment.paths_per_journey", _key("marts", "fct_holdout_lift"), MARTS),
    GuardedSuite("assignment.branch_campaign", _key("marts", "fct_holdout_lift"), MARTS),
    GuardedSuite("assignment.variant_deliveries", _key("marts", "fct_ab_test_variants"), MARTS),
)

check_retry_policy = dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL)


def check_spec(guarded: GuardedSuite) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        guarded.check_name,
        asset=guarded.asset,
        blocking=guarded.blocking,
        description=f"Great Expectations suite `{guarded.suite}` (expectations/).",
    )


def check_result(
    guarded: GuardedSuite, results: list["RuleResult"], data_docs: Path | None = None
) -> dg.AssetCheckResult:
    """Passed when every expectation passed; metadata names each failing rule with its count
    and links the suite's Data Docs page (the site's index when the suite was skipped)."""
    failing = [result for result in results if not result.success]
    metadata: dict[str, Any] = {
        "suite": guarded.suite,
        "expectations": len(results),
        "failing_expectations": len(failing),
        "offending_rows": sum(result.unexpected_count for result in failing),
    }
    if data_docs is not None:
        # The path to copy, and the same page as a link (a browser may refuse file:// links
        # from the UI's http page; the path then opens it).
        metadata["data_docs"] = dg.MetadataValue.path(str(data_docs))
        metadata["data_docs_link"] = dg.MetadataValue.url(data_docs.resolve().as_uri())
    if results and all(result.skipped for result in results):
        metadata["skipped"] = "required table does not exist yet (no conversion history)"
    if failing:
        metadata["failing_rules"] = dg.MetadataValue.md(
            "\n".join(
                f"- **{result.check}** ({result.unexpected_count} row(s)): {result.rule}"
                + (
                    f"\n  e.g. {', '.join(result.sample_keys[:SAMPLE_LIMIT])}"
                    if result.sample_keys
                    else ""
                )
                + (f"\n  could not run: {result.error}" if result.error else "")
                for result in failing
            )
        )
        metadata["sample_offending_keys"] = [
            key for result in failing for key in result.sample_keys[:SAMPLE_LIMIT]
        ]
    return dg.AssetCheckResult(
        asset_key=guarded.asset,
        check_name=guarded.check_name,
        passed=not failing,
        severity=dg.AssetCheckSeverity.ERROR if guarded.blocking else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
    )


def evaluate(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse, stage: str
) -> Iterator[dg.AssetCheckResult]:
    """The chosen suites through run_suites, as `goalline check` runs them all: on Postgres and
    Spark over a DuckDB copy of the relations they read; Data Docs beside the DuckDB file."""
    from expectations import all_suites
    from expectations.data_docs import data_docs_dir
    from expectations.runner import run_suites

    selected = context.selected_asset_check_keys
    chosen = [
        guarded
        for guarded in GUARDED_SUITES
        if guarded.stage == stage
        and dg.AssetCheckKey(guarded.asset, guarded.check_name) in selected
    ]
    names = {guarded.suite for guarded in chosen}
    warehouse.require_built()
    run = run_suites(
        warehouse.db,
        [rule_suite for rule_suite in all_suites() if rule_suite.name in names],
        warehouse.engine,
        docs_dir=data_docs_dir(warehouse.db),
        run_name=f"dagster-{context.run.run_id}",
    )
    assert run.docs is not None
    for guarded in chosen:
        results = [result for result in run.results if result.suite == guarded.suite]
        yield check_result(guarded, results, run.docs.pages.get(guarded.suite, run.docs.index))


@dg.multi_asset_check(
    specs=[check_spec(guarded) for guarded in GUARDED_SUITES if guarded.stage == STAGING],
    name="staging_rule_checks",
    can_subset=True,
    retry_policy=check_retry_policy,
    pool=settings.warehouse_pool(),
)
def staging_rule_checks(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> Iterator[dg.AssetCheckResult]:
    yield from evaluate(context, warehouse, STAGING)


@dg.multi_asset_check(
    specs=[check_spec(guarded) for guarded in GUARDED_SUITES if guarded.stage == MARTS],
    name="mart_rule_checks",
    can_subset=True,
    retry_policy=check_retry_policy,
    pool=settings.warehouse_pool(),
)
def mart_rule_checks(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> Iterator[dg.AssetCheckResult]:
    yield from evaluate(context, warehouse, MARTS)
