"""Exit (contract rule 9): deliveries created after a journey's expected exit are reported as a
warning with the number of journeys concerned; they describe the platform's sending, not a fault
of the warehouse, so they never fail the run."""

import great_expectations.expectations as gxe

from expectations.rule_suite import RuleSuite, Severity, expectation_suite, rule_meta

JOURNEYS_QUERY = """
select journey_id, deliveries_after_exit
from marts.fct_journeys
"""


def suites() -> list[RuleSuite]:
    journeys = expectation_suite(
        "exit",
        [
            gxe.ExpectColumnValuesToBeBetween(
                column="deliveries_after_exit",
                min_value=0,
                max_value=0,
                meta=rule_meta(
                    "no_deliveries_after_exit",
                    "A journey sends nothing after its expected exit (rule 9): "
                    "fct_journeys.deliveries_after_exit is 0 (journeys counted).",
                ),
            ),
        ],
    )
    return [RuleSuite("exit", JOURNEYS_QUERY, journeys, ("journey_id",), severity=Severity.WARN)]
