"""Integrity (contract sections 1, 2 and 4): every landed row is accounted for, staged values
are in the rule seeds' vocabularies, and no mart carries a contact detail."""

import great_expectations.expectations as gxe

from expectations.rule_suite import RuleSuite, expect_true, expectation_suite, rule_meta

RECONCILIATION_QUERY = """
select
    table_name,
    coalesce(
        is_reconciled
        and rows_landed = rows_staged + rows_quarantined + rows_superseded + rows_pending
        and rows_overdue = 0,
        false
    ) as is_reconciled
from audit.fct_landing_reconciliation
"""

METRICS_QUERY = """
select
    metrics.metric_id,
    metrics.metric,
    vocabulary.metric is not null as is_known_metric
from staging.stg_cio__metrics as metrics
left join rules.metric_vocabulary as vocabulary on metrics.metric = vocabulary.metric
"""

DELIVERIES_QUERY = """
select
    deliveries.delivery_id,
    deliveries.delivery_type,
    channels.delivery_type is not null as is_known_delivery_type
from staging.stg_cio__deliveries as deliveries
left join rules.channel_attribution_rules as channels
    on deliveries.delivery_type = channels.delivery_type
"""

MART_COLUMNS_QUERY = """
select table_name, lower(column_name) as column_name
from information_schema.columns
where table_catalog = current_database() and table_schema = 'marts'
"""

# e-mail, email_addr, phone, mobile, address, addr: names a contact detail would carry.
CONTACT_COLUMN_PATTERN = r"e_?mail|phone|mobile|address|(?:^|_)addr(?:$|_)"


def suites() -> list[RuleSuite]:
    reconciliation = expectation_suite(
        "integrity.reconciliation",
        [
            expect_true(
                "is_reconciled",
                "landing_reconciles",
                "Nothing landed vanishes (contract section 2): for every table rows landed = "
                "rows staged + rows quarantined + duplicate rows superseded + rows pending (landed "
                "for processing days no batch has run yet), and no pending row is older than the "
                "lookback (fct_landing_reconciliation.is_reconciled).",
            ),
        ],
    )
    metrics = expectation_suite(
        "integrity.metric_vocabulary",
        [
            expect_true(
                "is_known_metric",
                "staged_metric_in_vocabulary",
                "Every staged metric is in the seed rules.metric_vocabulary; unknown metrics "
                "are quarantined (contract section 2).",
            ),
        ],
    )
    deliveries = expectation_suite(
        "integrity.delivery_types",
        [
            expect_true(
                "is_known_delivery_type",
                "staged_delivery_type_in_rules",
                "Every staged delivery_type is in the seed rules.channel_attribution_rules; "
                "unknown delivery types are quarantined (contract section 2).",
            ),
        ],
    )
    columns = expectation_suite(
        "integrity.no_contact_details",
        [
            gxe.ExpectColumnValuesToNotMatchRegex(
                column="column_name",
                regex=CONTACT_COLUMN_PATTERN,
                meta=rule_meta(
                    "no_contact_detail_columns",
                    "No mart carries an e-mail address or other contact detail (contract "
                    "section 4): no column of schema marts named like email, email_addr, "
                    "phone, mobile or address.",
                ),
            ),
        ],
    )
    return [
        RuleSuite(
            "integrity.reconciliation", RECONCILIATION_QUERY, reconciliation, ("table_name",)
        ),
        RuleSuite("integrity.metric_vocabulary", METRICS_QUERY, metrics, ("metric_id", "metric")),
        RuleSuite(
            "integrity.delivery_types",
            DELIVERIES_QUERY,
            deliveries,
            ("delivery_id", "delivery_type"),
        ),
        RuleSuite(
            "integrity.no_contact_details",
            MART_COLUMNS_QUERY,
            columns,
            ("table_name", "column_name"),
        ),
    ]
