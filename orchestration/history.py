"""audit.conversion_history as an asset: conversions are recorded only once every blocking rule
check of the marts passed, so a wrong number never becomes history (see expectations/history.py)."""

import dagster as dg
import duckdb

from expectations.history import (
    HISTORY_RELATIONS,
    HISTORY_TABLE,
    append_to_target,
    record_conversion_history,
)
from goalline.targets import Target
from orchestration import settings
from orchestration.resources import Warehouse
from orchestration.rule_checks import GUARDED_SUITES


@dg.asset(
    key=["audit", "conversion_history"],
    group_name="audit",
    # Every mart a blocking check guards: the history waits for all of them.
    deps=sorted({guarded.asset for guarded in GUARDED_SUITES if guarded.asset.path[0] == "marts"}),
    kinds={"duckdb", "python"},
    pool=settings.warehouse_pool(),
    retry_policy=dg.RetryPolicy(max_retries=2, delay=5),
    description="Every conversion a fully checked build has produced; rows are never changed.",
)
def conversion_history(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    if warehouse.engine is Target.DUCKDB:
        with warehouse.writing(context.log) as db, duckdb.connect(str(db)) as connection:
            added = record_conversion_history(connection)
            total = connection.execute(f"select count(*) from {HISTORY_TABLE}").fetchone()[0]
    else:
        # The history lives in the target, appended from an in-memory copy (expectations/history).
        with warehouse.read_only(HISTORY_RELATIONS) as copy:
            added = append_to_target(copy, warehouse.engine)
            total = copy.execute(f"select count(*) from {HISTORY_TABLE}").fetchone()[0] + added
    context.log.info(f"recorded {added} new conversion(s)")
    return dg.MaterializeResult(
        metadata={"new_conversions": added, "dagster/row_count": int(total)}
    )
