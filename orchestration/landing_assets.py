"""The landing files of each contract table as observable source assets.

An observation reads the folder directly (duckdb over the files, never the warehouse): how many
files, how many rows, the newest processing time; its data version changes with any file change.
The feed tables carry the freshness policy (orchestration/freshness.py) and the landing_fresh
check (orchestration/landing_checks.py), which says when one is late.
"""

from collections.abc import Iterator

import dagster as dg

from goalline.freshness import feed_tables
from orchestration.freshness import freshness_policy
from orchestration.landing_files import observe_table, table_names
from orchestration.project import landing_files_key
from orchestration.resources import Warehouse


@dg.multi_observable_source_asset(
    specs=[
        dg.AssetSpec(
            landing_files_key(table),
            group_name="landing",
            kinds={"csv", "parquet"},
            description=f"`{table}*.csv` / `{table}*.parquet` files in the landing folder.",
            # Feeds only: configuration tables change when someone edits them.
            freshness_policy=freshness_policy() if table in feed_tables() else None,
        )
        for table in table_names()
    ],
    name="landing_files",
    can_subset=True,
)
def landing_files(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> Iterator[dg.ObserveResult]:
    for key in context.selected_asset_keys:
        table = key.path[-1]
        observed = observe_table(warehouse.landing, table)
        newest = observed.newest_processing_at
        yield dg.ObserveResult(
            asset_key=key,
            data_version=dg.DataVersion(observed.fingerprint),
            metadata={
                "files": len(observed.files),
                "rows": observed.rows,
                "newest_processing_at": newest.isoformat() if newest else "none",
                "landing_dir": dg.MetadataValue.path(str(warehouse.landing)),
                "file_names": [landed.name for landed in observed.files][:50],
            },
        )
