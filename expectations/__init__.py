"""Great Expectations rule checks on a built warehouse: one module per rule family.

Each family returns `RuleSuite`s: a SQL query against the DuckDB file that produces the DataFrame
to validate, and a GX `ExpectationSuite` whose expectations each carry the business rule they
guard in `meta["rule"]`. `expectations.runner.run_suites` validates them all; `goalline check`
prints the failures.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from expectations.rule_suite import RuleSuite


def all_suites() -> list["RuleSuite"]:
    """Every rule suite, in the order they are reported. Great Expectations is imported here, not
    with the package: loading it takes seconds, and the Dagster code location (every run worker)
    imports `expectations.history` without needing it."""
    from expectations import (
        assignment,
        credit,
        exits,
        integrity,
        no_retroactive_conversions,
        windows,
    )

    return [
        *no_retroactive_conversions.suites(),
        *windows.suites(),
        *credit.suites(),
        *exits.suites(),
        *integrity.suites(),
        *assignment.suites(),
    ]


__all__ = ["all_suites"]
