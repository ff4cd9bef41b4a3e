"""Dagster freshness policies, from the thresholds `dbt source freshness` uses.

The warn / error windows are dbt_project.yml's vars goalline_freshness_warn_minutes and
goalline_freshness_error_minutes (goalline.freshness.freshness_thresholds), so Dagster, `dbt source
freshness` and `goalline status` change together. Dagster's policy evaluator measures the time
since an asset's last materialisation: on the marts that is the last build. The landing assets are
observed, never materialised, so their policy states the expectation but the evaluator reports
it unknown; the `landing_fresh` check (orchestration/landing_checks.py) is what turns a late
landing table red.
"""

import dagster as dg

from goalline.freshness import freshness_thresholds


def freshness_policy() -> dg.FreshnessPolicy:
    thresholds = freshness_thresholds()
    return dg.FreshnessPolicy.time_window(fail_window=thresholds.error, warn_window=thresholds.warn)
