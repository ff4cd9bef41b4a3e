"""Rule scenarios: each a few landing rows in its own workspace and the exact mart rows expected.

All of them are built together in one dbt run (tests/conftest.py), checked by tests/test_rules.py.
"""

from scenarios import (
    analytics,
    bad_input,
    delivery_rules,
    exit_rules,
    experiments,
    goal_rules,
    occurrence_rules,
    reports,
    window_rules,
)
from scenarios.builder import Scenario

ALL_SCENARIOS: list[Scenario] = [
    *goal_rules.SCENARIOS,
    *occurrence_rules.SCENARIOS,
    *delivery_rules.SCENARIOS,
    *window_rules.SCENARIOS,
    *exit_rules.SCENARIOS,
    *bad_input.SCENARIOS,
    *analytics.SCENARIOS,
    *reports.SCENARIOS,
    *experiments.SCENARIOS,
]
