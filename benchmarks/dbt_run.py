"""`dbt build` with processing-time vars, in process, for the incremental test and the benchmark."""

from __future__ import annotations

import json
from pathlib import Path

from dbt.cli.main import dbtRunner

from goalline.build import (
    BUILD_COMMAND,
    BuildError,
    dbt_args,
    dbt_target_dir,
    first_failure,
    release_duckdb,
    warehouse_env,
)
from goalline.paths import PROJECT_DIR
from goalline.targets import Target


def dbt_build(
    landing_dir: Path,
    db_path: Path,
    *,
    full_refresh: bool = False,
    processing_start: str | None = None,
    processing_end: str | None = None,
    extra_vars: dict[str, object] | None = None,
    select: str | None = None,
    exclude: str | None = None,
    with_tests: bool = True,
    target: Target = Target.DUCKDB,
    project_dir: Path = PROJECT_DIR,
    target_dir: Path | None = None,
) -> None:
    """`dbt build` as `goalline build` runs it (seeds, models and, unless with_tests is false,
    their data tests) into db_path.

    With processing_start/processing_end only that processing-time batch is re-staged.
    project_dir builds a copy of the project instead (tests plant bugs in one). target_dir
    keeps dbt's artifacts elsewhere than beside db_path: runs with other vars (which dbt parses
    anew) in their own folder let the rest keep their partial parse.
    """
    db_path.parent.mkdir(parents=True, exist_ok=True)
    extra = ["--target-path", str(target_dir or dbt_target_dir(db_path, target))]
    if full_refresh:
        extra.append("--full-refresh")
    if select:
        extra += ["--select", select]
    if exclude:
        extra += ["--exclude", exclude]
    if not with_tests:
        extra += ["--exclude-resource-type", "test"]
    variables: dict[str, object] = dict(extra_vars or {})
    if processing_start is not None:
        variables["processing_start"] = processing_start
    if processing_end is not None:
        variables["processing_end"] = processing_end
    if variables:
        extra += ["--vars", json.dumps(variables)]
    with warehouse_env(landing_dir, db_path, target):
        try:
            result = dbtRunner().invoke(
                dbt_args(BUILD_COMMAND, "--quiet", *extra, project_dir=project_dir)
            )
        finally:
            release_duckdb()
    if not result.success:
        raise BuildError(first_failure(result))
