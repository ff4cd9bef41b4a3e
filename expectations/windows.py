"""Conversion windows (contract rule 5): anchor <= occurrence < anchor + window_days, with the
window of the goal version (null = no limit, legacy goals), and window_days within 1-90.
The lower bound (converted_at >= anchor_at) is checked by no_retroactive_conversions."""

import great_expectations.expectations as gxe

from expectations.rule_suite import RuleSuite, expect_true, expectation_suite, rule_meta
from expectations.shared_sql import GOAL_VERSIONS, JOURNEY_WORKSPACES

CONVERSIONS_QUERY = f"""
with
{GOAL_VERSIONS},
{JOURNEY_WORKSPACES},

conversions as (
    select * from marts.fct_conversions
),

final as (
    select
        conversions.journey_id,
        conversions.conversion_id,
        used_version.goal_version is not null and coalesce(
            used_version.window_days is null
            or conversions.converted_at
            < conversions.anchor_at + to_days(cast(used_version.window_days as integer)),
            false
        ) as is_before_window_end
    from conversions
    left join journey_workspaces on conversions.journey_id = journey_workspaces.journey_id
    left join goal_versions as used_version
        on journey_workspaces.workspace_id = used_version.workspace_id
        and conversions.campaign_id = used_version.campaign_id
        and conversions.goal_version = used_version.goal_version
)

select * from final
"""

GOAL_VERSIONS_QUERY = """
select workspace_id, campaign_id, goal_version, window_days
from staging.stg_config__goal_versions
"""

WINDOWS_MART_QUERY = f"""
with
{GOAL_VERSIONS},
{JOURNEY_WORKSPACES},

windows as (
    select * from marts.fct_conversion_windows
),

journeys as (
    select journey_id, campaign_id from marts.fct_journeys
),

final as (
    select
        windows.delivery_id,
        windows.basis,
        windows.anchor_at,
        goal_versions.goal_version is not null and coalesce(
            windows.window_ends_at is not distinct from (
                windows.anchor_at + to_days(cast(goal_versions.window_days as integer))
            ),
            false
        ) as is_window_end_of_goal_version
    from windows
    left join journeys on windows.journey_id = journeys.journey_id
    left join journey_workspaces on windows.journey_id = journey_workspaces.journey_id
    left join goal_versions
        on journey_workspaces.workspace_id = goal_versions.workspace_id
        and journeys.campaign_id = goal_versions.campaign_id
        and windows.goal_version = goal_versions.goal_version
)

select * from final
"""


def suites() -> list[RuleSuite]:
    conversions = expectation_suite(
        "windows",
        [
            expect_true(
                "is_before_window_end",
                "converted_within_window",
                "A conversion falls inside the window its anchor opens (rule 5): converted_at < "
                "anchor_at + window_days of the goal version that judged it (no limit when null).",
            ),
        ],
    )
    goal_versions = expectation_suite(
        "windows.goal_versions",
        [
            gxe.ExpectColumnValuesToBeBetween(
                column="window_days",
                min_value=1,
                max_value=90,
                meta=rule_meta(
                    "window_days_within_1_to_90",
                    "A goal's conversion window is 1 to 90 days, or null (no limit) for legacy "
                    "goals (contract section 1); other values are quarantined, never staged.",
                ),
            ),
        ],
    )
    windows_mart = expectation_suite(
        "windows.conversion_windows",
        [
            expect_true(
                "is_window_end_of_goal_version",
                "window_end_matches_goal_version",
                "fct_conversion_windows.window_ends_at is anchor_at + window_days of its "
                "goal_version (null when the goal has no limit) (rule 5).",
            ),
        ],
    )
    return [
        RuleSuite("windows", CONVERSIONS_QUERY, conversions, ("journey_id",)),
        RuleSuite(
            "windows.goal_versions",
            GOAL_VERSIONS_QUERY,
            goal_versions,
            ("workspace_id", "campaign_id", "goal_version"),
        ),
        RuleSuite(
            "windows.conversion_windows",
            WINDOWS_MART_QUERY,
            windows_mart,
            ("delivery_id", "basis", "anchor_at"),
        ),
    ]
