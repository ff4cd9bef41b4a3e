"""The short report printed after a build: conversion per campaign, quarantine by reason, and the
landed rows still pending (their processing days not built yet, audit.fct_landing_reconciliation).

The queries are DuckDB SQL; on Postgres and Spark they run on an in-memory copy of the relations
they read.
"""

from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from goalline.connections import duckdb_copy
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

SUMMARY_RELATIONS = (
    "staging.stg_config__campaigns",
    "marts.fct_journeys",
    "staging.stg_quarantine",
    "audit.fct_landing_reconciliation",
)

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


def _query(connection: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple]]:
    result = connection.execute(sql)
    return [column[0] for column in result.description], result.fetchall()


def print_summary(db_path: Path, console: Console, target: Target = Target.DUCKDB) -> None:
    with duckdb_copy(target, db_path, SUMMARY_RELATIONS) as connection:
        campaigns = _query(connection, CAMPAIGN_SQL)
        quarantine = _query(connection, QUARANTINE_SQL)
        pending = _query(connection, PENDING_SQL)
    console.print(_table("Journeys and conversions per campaign", *campaigns))
    console.print(_table("Quarantined rows by reason", *quarantine))
    if pending[1]:
        # Only after a build of some processing days (--vars): the other days are still to run.
        console.print(_table("Landed rows pending (processing days not built yet)", *pending))
