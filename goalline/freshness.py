"""How late each landing table is: dbt source freshness on the landing source, as on-call reads it.

One function for the CLI (`goalline status`), Dagster's landing check and the tests. It runs
`dbt source freshness` (thresholds: vars goalline_freshness_warn_minutes / _error_minutes), so the
answer is the one a user's own dbt project gives for the same tables.
"""

import json
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from dbt.cli.main import dbtRunner

from goalline.build import BuildError, dbt_args, first_failure, release_duckdb
from goalline.publish import writing
from goalline.targets import Target, warehouse_env

# A table is late from the warning threshold on: on-call wants to hear before the page.
LATE_STATUSES = {"warn", "error", "runtime error"}


@dataclass(frozen=True)
class TableFreshness:
    table: str
    newest: datetime | None
    status: str

    @property
    def late(self) -> bool:
        return self.status in LATE_STATUSES


def landing_freshness(
    landing_dir: Path | None,
    db_path: Path,
    target: Target = Target.DUCKDB,
    dbt_vars: dict[str, object] | None = None,
) -> list[TableFreshness]:
    """Freshness of every landing table with a processing time, by table name.

    With landing_dir on DuckDB the folder's files are read (the warehouse is not opened: dbt's
    run hooks write, and a scratch file spares readers of db_path); without it the landing
    tables in place are read, in a working copy of db_path like a build.
    """
    wanted = dict(dbt_vars or {})
    if target is Target.DUCKDB and landing_dir is not None:
        with tempfile.TemporaryDirectory() as scratch:
            return _run(landing_dir, Path(scratch) / "freshness.duckdb", target, wanted)
    if target is Target.DUCKDB:
        with writing(db_path) as working_db:
            return _run(None, working_db, target, wanted)
    return _run(None, db_path, target, wanted)


def _run(
    landing_dir: Path | None, db_path: Path, target: Target, dbt_vars: dict[str, object]
) -> list[TableFreshness]:
    target_path = db_path.resolve().parent / f"{db_path.stem}_freshness_target"
    with warehouse_env(landing_dir, db_path, target):
        try:
            result = dbtRunner().invoke(
                dbt_args(
                    "source freshness",
                    # The caller prints the verdict; dbt's own lines would say it twice.
                    "--log-level",
                    "none",
                    "--target-path",
                    str(target_path),
                    "--vars",
                    json.dumps(dbt_vars),
                )
            )
        finally:
            release_duckdb()
    if result.result is None:
        raise BuildError(first_failure(result))
    return sorted(
        (
            TableFreshness(node.node.name, _newest(node), str(node.status))
            for node in result.result.results
            if node.node.resource_type == "source"
        ),
        key=lambda table: table.table,
    )


def _newest(node_result: object) -> datetime | None:
    """The newest processing time; dbt reports a table with no rows as the year 1."""
    newest: datetime | None = getattr(node_result, "max_loaded_at", None)
    if newest is None or newest.year == 1:
        return None
    return newest
