"""The short report printed after a build: conversion per campaign, quarantine by reason, and the
landed rows still pending (their processing days not built yet, audit.fct_landing_reconciliation).

The queries run on the target itself and only their few rows come back: copying the relations
they read out of Postgres or Spark cost more than the queries (about 2 s of a 26 s daily build on
Postgres at 2.8M landed rows, docs/scale.md). They are SQL all three engines run, but for the
quoted column headers, which Spark quotes with backticks.
"""

from pathlib import Path

from rich.console import Console
from rich.table import Table

from goalline.connections import read_arrow
from goalline.targets import Target

CAMPAIGN_SQL = """
with

campaign_names as (
    select campaign_id, min(campaign_name) as campaign_name
    from staging.stg_config__campaigns
    group by campaign_id
),

per_campaign as (
    select
        campaign_id,
        count(*) as journeys,
        count(*) filter (where is_converted) as conversions,
        round(100.0 * count(*) filter (where is_converted) / count(*), 1) as rate_pct,
        sum(deliveries_after_exit) as sent_after_exit
    from marts.fct_journeys
    group by campaign_id
)

select
    per_campaign.campaign_id as id,
    campaign_names.campaign_name as campaign,
    per_campaign.journeys,
    per_campaign.conversions as converted,
    per_campaign.rate_pct as "rate %",
    -- Deliveries sent after the journey's expected exit (rule 9).
    per_campaign.sent_after_exit as "after exit"
from per_campaign
left join campaign_names on per_campaign.campaign_id = campaign_names.campaign_id
order by per_campaign.campaign_id
"""

QUARANTINE_SQL = """
select table_name as "table", quarantine_reason as reason, count(*) as "rows"
from staging.stg_quarantine
group by table_name, quarantine_reason
order by table_name, quarantine_reason
"""

# Every table, for the on-call page; the CLI prints only tables with pending rows.
RECONCILIATION_SQL = """
select
    table_name as "table",
    rows_landed as landed,
    rows_staged as staged,
    rows_quarantined as quarantined,
    rows_superseded as superseded,
    rows_pending as pending,
    rows_overdue as overdue,
    oldest_pending_at as "oldest pending"
from audit.fct_landing_reconciliation
order by table_name
"""

PENDING_SQL = """
select table_name as "table", rows_pending as pending, rows_overdue as overdue,
    oldest_pending_at as "oldest pending"
from audit.fct_landing_reconciliation
where rows_pending > 0
order by table_name
"""


def _table(title: str, columns: list[str], rows: list[tuple]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if value is None else str(value) for value in row))
    return table


def _query(target: Target, db_path: Path, sql: str) -> tuple[list[str], list[tuple]]:
    # The queries quote nothing but their column headers.
    table = read_arrow(target, sql.replace('"', "`") if target is Target.SPARK else sql, db_path)
    return table.column_names, [tuple(row.values()) for row in table.to_pylist()]


def print_summary(db_path: Path, console: Console, target: Target = Target.DUCKDB) -> None:
    campaigns = _query(target, db_path, CAMPAIGN_SQL)
    quarantine = _query(target, db_path, QUARANTINE_SQL)
    pending = _query(target, db_path, PENDING_SQL)
    console.print(_table("Journeys and conversions per campaign", *campaigns))
    console.print(_table("Quarantined rows by reason", *quarantine))
    if pending[1]:
        # Only after a build of some processing days (--vars): the other days are still to run.
        console.print(_table("Landed rows pending (processing days not built yet)", *pending))
