"""Great Expectations rule checks on a built warehouse: one module per rule family.

Each family returns `RuleSuite`s: a SQL query against the DuckDB file that produces the DataFrame
to validate, and a GX `ExpectationSuite` whose expectations each carry the business rule they
guard in `meta["rule"]`. `expectations.runner.run_suites` validates them all; `goalline check`
prints the failures.
"""

import sys
from contextlib import suppress


def _import_great_expectations() -> None:
    """Import GX without pyspark ending the process.

    GX probes pyspark.sql.connect; without the Spark Connect extras, pyspark calls sys.exit(0)
    ("Skipping doctests") when __main__ has no file, as in `python -c` and Dagster's spawned run
    workers. It skips that exit in interactive sessions (sys.ps1), so GX is imported as in one.
    """
    main = sys.modules.get("__main__")
    if hasattr(sys, "ps1") or getattr(main, "__spec__", None) or hasattr(main, "__file__"):
        return
    sys.ps1 = ""
    try:
        with suppress(ImportError):
            import great_expectations  # noqa: F401
    finally:
        del sys.ps1


_import_great_expectations()

from expectations.rule_suite import RuleSuite, Severity  # noqa: E402


def all_suites() -> list[RuleSuite]:
    """Every rule suite, in the order they are reported."""
    from expectations import credit, exits, integrity, no_retroactive_conversions, windows

    return [
        *no_retroactive_conversions.suites(),
        *windows.suites(),
        *credit.suites(),
        *exits.suites(),
        *integrity.suites(),
    ]


__all__ = ["RuleSuite", "Severity", "all_suites"]
