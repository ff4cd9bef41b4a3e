"""The experiment tables `goalline demo` prints: one per A/B test and one per holdout branch,
read from marts.fct_ab_test_variants and marts.fct_holdout_lift (contract section 4)."""

from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from goalline.connections import duckdb_copy
from goalline.targets import Target

RELATIONS = (
    "marts.fct_ab_test_variants",
    "marts.fct_holdout_lift",
    "staging.stg_config__campaigns",
    "staging.stg_config__campaign_actions",
)
# The contract's threshold below which a split is broken and its result not to be trusted.
SRM_THRESHOLD = 0.001

NAMES_SQL = """
select 'campaign' as kind, workspace_id, campaign_id as id, min(campaign_name) as name
from staging.stg_config__campaigns group by workspace_id, campaign_id
union all
select 'action', workspace_id, action_id, min(action_name)
from staging.stg_config__campaign_actions group by workspace_id, action_id
"""

VARIANTS_SQL = """
select workspace_id, campaign_id, action_id, variant, content_id, sent, converted,
    conversion_rate, ctbo, relative_lift, lift_ci_low, lift_ci_high, verdict, srm_p_value
from marts.fct_ab_test_variants
order by workspace_id, campaign_id, action_id, variant
"""

PATHS_SQL = """
select workspace_id, campaign_id, action_id, branch_index, role, assigned, converted,
    conversion_rate, relative_lift, lift_ci_low, lift_ci_high, p_value, srm_p_value
from marts.fct_holdout_lift
order by workspace_id, campaign_id, action_id, branch_index
"""


def percent(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{100 * value:.{digits}f}%"


def signed_percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:+.1f}%"


def lift_text(lift: float | None, low: float | None, high: float | None) -> str:
    """Relative lift with its 95% interval, e.g. `+62.0% [+20.1%, +103.9%]`."""
    if lift is None:
        return ""
    return f"{signed_percent(lift)} [{signed_percent(low)}, {signed_percent(high)}]"


def srm_note(p_value: float | None) -> str:
    if p_value is None:
        return "sample ratio: not testable"
    verdict = "BROKEN SPLIT, do not trust" if p_value < SRM_THRESHOLD else "ok"
    return f"sample ratio p = {p_value:.3g} ({verdict})"


def _grouped(rows: list[tuple]) -> dict[tuple, list[tuple]]:
    """Rows per (workspace, campaign, action), the first three columns of every query."""
    groups: dict[tuple, list[tuple]] = {}
    for row in rows:
        groups.setdefault(row[:3], []).append(row)
    return groups


def _experiment_table(
    kind: str,
    names: dict[tuple[str, str, str], str],
    key: tuple[str, str, str],
    srm_p_value: float | None,
    columns: tuple[str, ...],
) -> Table:
    """An empty table for one test or branch, titled by its campaign's and action's names."""
    workspace, campaign, action = key
    title = (
        f"{kind}: {names.get(('campaign', workspace, campaign), campaign)} / "
        f"{names.get(('action', workspace, action), action)} (action {action}; "
        f"{srm_note(srm_p_value)})"
    )
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    return table


def experiment_tables(connection: duckdb.DuckDBPyConnection) -> list[Table]:
    names = {
        (kind, ws, id_): name for kind, ws, id_, name in connection.execute(NAMES_SQL).fetchall()
    }
    tables = []
    for (workspace, campaign, action), rows in _grouped(
        connection.execute(VARIANTS_SQL).fetchall()
    ).items():
        table = _experiment_table(
            "A/B test",
            names,
            (workspace, campaign, action),
            rows[0][13],
            ("variant", "content", "sent", "converted", "rate", "CTBO", "lift [95% CI]", "verdict"),
        )
        for row in rows:
            table.add_row(
                str(row[3]),
                row[4] or "",
                str(row[5]),
                str(row[6]),
                percent(row[7], 2),
                percent(row[8], 2),
                lift_text(row[9], row[10], row[11]),
                row[12],
            )
        tables.append(table)
    for (workspace, campaign, action), rows in _grouped(
        connection.execute(PATHS_SQL).fetchall()
    ).items():
        table = _experiment_table(
            "Holdout",
            names,
            (workspace, campaign, action),
            rows[0][12],
            ("path", "role", "assigned", "converted", "rate", "lift [95% CI]", "p-value"),
        )
        for row in rows:
            table.add_row(
                str(row[3]),
                row[4],
                str(row[5]),
                str(row[6]),
                percent(row[7], 2),
                lift_text(row[8], row[9], row[10]),
                "" if row[11] is None else f"{row[11]:.3g}",
            )
        tables.append(table)
    return tables


def print_experiments(db_path: Path, console: Console, target: Target = Target.DUCKDB) -> None:
    with duckdb_copy(target, db_path, RELATIONS) as connection:
        tables = experiment_tables(connection)
    for table in tables:
        console.print(table)
