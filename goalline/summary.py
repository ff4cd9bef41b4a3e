"""The short report printed after a build: conversion per campaign and quarantine by reason."""

from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

CAMPAIGN_SQL = """
select
    journeys.campaign_id,
    count(*) as journeys,
    count(*) filter (where journeys.is_converted) as conversions,
    round(100.0 * count(*) filter (where journeys.is_converted) / count(*), 1) as conversion_rate_pct,
    sum(journeys.deliveries_after_exit) as deliveries_after_exit
from marts.fct_journeys as journeys
group by journeys.campaign_id
order by journeys.campaign_id
"""

QUARANTINE_SQL = """
select table_name, quarantine_reason, count(*) as rows_quarantined
from staging.stg_quarantine
group by table_name, quarantine_reason
order by table_name, quarantine_reason
"""


def _table(title: str, columns: list[str], rows: list[tuple]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if value is None else str(value) for value in row))
    return table


def print_summary(db_path: Path, console: Console) -> None:
    with duckdb.connect(str(db_path), read_only=True) as connection:
        campaigns = connection.execute(CAMPAIGN_SQL)
        campaign_columns = [column[0] for column in campaigns.description]
        campaign_rows = campaigns.fetchall()
        quarantine = connection.execute(QUARANTINE_SQL)
        quarantine_columns = [column[0] for column in quarantine.description]
        quarantine_rows = quarantine.fetchall()
    console.print(_table("Journeys and conversions per campaign", campaign_columns, campaign_rows))
    console.print(_table("Quarantined rows by reason", quarantine_columns, quarantine_rows))
