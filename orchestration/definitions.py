"""The goalline code location: `dagster dev -m orchestration`."""

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.automation import (
    daily_build_schedule,
    goalline_checks_job,
    goalline_daily_job,
    goalline_rebuild_job,
    new_landing_files_sensor,
    observe_landing_job,
)
from orchestration.dbt_assets import goalline_daily_batch, goalline_models
from orchestration.history import conversion_history
from orchestration.landing_assets import landing_files
from orchestration.landing_checks import landing_freshness_checks
from orchestration.project import dbt_executable, goalline_project
from orchestration.resources import Warehouse
from orchestration.rule_checks import mart_rule_checks, staging_rule_checks

defs = dg.Definitions(
    assets=[landing_files, goalline_daily_batch, goalline_models, conversion_history],
    asset_checks=[staging_rule_checks, mart_rule_checks, landing_freshness_checks],
    jobs=[goalline_daily_job, goalline_rebuild_job, goalline_checks_job, observe_landing_job],
    schedules=[daily_build_schedule],
    sensors=[new_landing_files_sensor],
    resources={
        "dbt": DbtCliResource(project_dir=goalline_project, dbt_executable=dbt_executable()),
        "warehouse": Warehouse.from_env(),
    },
    # One step at a time: steps of a run share the DuckDB file (one writer, no reader meanwhile).
    executor=dg.in_process_executor,
)
