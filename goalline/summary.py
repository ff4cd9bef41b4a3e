"""The short report printed after a build: conversion per campaign and quarantine by reason.

The queries are DuckDB SQL; on Postgres and Spark they run on an in-memory copy of the three
relations they read.
"""

from pathlib import Path

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
)

QUARANTINE_SQL = """
select table_name as "table", quarantine_reason as reason, count(*) as "rows"
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


def print_summary(db_path: Path, console: Console, target: Target = Target.DUCKDB) -> None:
    with duckdb_copy(target, db_path, SUMMARY_RELATIONS) as connection:
        campaigns = connection.execute(CAMPAIGN_SQL)
        campaign_columns = [column[0] for column in campaigns.description]
        campaign_rows = campaigns.fetchall()
        quarantine = connection.execute(QUARANTINE_SQL)
        quarantine_columns = [column[0] for column in quarantine.description]
        quarantine_rows = quarantine.fetchall()
    console.print(_table("Journeys and conversions per campaign", campaign_columns, campaign_rows))
    console.print(_table("Quarantined rows by reason", quarantine_columns, quarantine_rows))
