"""What a rule suite is: the query that produces the rows to check, and the expectations on them."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.expectations.expectation import Expectation


class Severity(StrEnum):
    FAIL = "fail"  # a broken rule: `goalline check` exits non-zero
    WARN = "warn"  # reported with its count, never fails the run


@dataclass(frozen=True)
class RuleSuite:
    """One query and the expectations its rows must meet.

    key_columns name the rows in reports (the offending keys). A suite listed with `requires`
    is skipped while one of those tables does not exist yet (the conversion history before the
    first successful check).
    """

    name: str
    query: str
    suite: gx.ExpectationSuite
    key_columns: tuple[str, ...]
    severity: Severity = Severity.FAIL
    requires: tuple[str, ...] = field(default=())


def rule_meta(check: str, rule: str) -> dict[str, str]:
    """`check` is the expectation's short name in reports; `rule` is the business rule it guards."""
    return {"check": check, "rule": rule}


def expect_true(column: str, check: str, rule: str) -> Expectation:
    """Every row's boolean `column` (computed in the suite's SQL, never null) is true."""
    return gxe.ExpectColumnValuesToBeInSet(
        column=column, value_set=[True], meta=rule_meta(check, rule)
    )


def expectation_suite(name: str, expectations: Iterable[Expectation]) -> gx.ExpectationSuite:
    """A suite built without a data context (add_expectation would need one)."""
    return gx.ExpectationSuite(name=name, expectations=list(expectations))
