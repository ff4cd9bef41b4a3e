"""No retroactive conversions (contract rules 1, 2 and 8): a conversion happens after what made it
possible, under the goal version in force at its processing time, and once recorded it stays."""

from expectations.history import HISTORY_TABLE
from expectations.rule_suite import RuleSuite, Severity, expect_true, expectation_suite
from expectations.shared_sql import GOAL_VERSIONS, JOURNEY_WORKSPACES

RESTATEMENTS = "audit.fct_conversion_restatements"

CONVERSIONS_QUERY = f"""
with
{GOAL_VERSIONS},
{JOURNEY_WORKSPACES},

conversions as (
    select * from marts.fct_conversions
),

journeys as (
    select * from marts.fct_journeys
),

final as (
    select
        conversions.journey_id,
        conversions.conversion_id,
        coalesce(conversions.converted_at >= journeys.started_at, false)
            as is_not_before_journey_start,
        coalesce(conversions.converted_at >= conversions.anchor_at, false)
            as is_not_before_anchor,
        coalesce(conversions.converted_at >= used_version.valid_from, false)
            as is_not_before_version_saved,
        -- With the check above: the version used is the one in force at converted_at.
        coalesce(
            used_version.valid_until is null or conversions.converted_at < used_version.valid_until,
            false
        ) and used_version.goal_version is not null as version_in_force_matches,
        coalesce(version_at_start.goal_type <> 'none', false) as had_goal_at_start
    from conversions
    left join journeys on conversions.journey_id = journeys.journey_id
    left join journey_workspaces on conversions.journey_id = journey_workspaces.journey_id
    left join goal_versions as used_version
        on journey_workspaces.workspace_id = used_version.workspace_id
        and conversions.campaign_id = used_version.campaign_id
        and conversions.goal_version = used_version.goal_version
    left join goal_versions as version_at_start
        on journey_workspaces.workspace_id = version_at_start.workspace_id
        and journeys.campaign_id = version_at_start.campaign_id
        and journeys.goal_version_at_start = version_at_start.goal_version
)

select * from final
"""

HISTORY_QUERY = f"""
with

history as (
    select * from {HISTORY_TABLE}
),

conversions as (
    select * from marts.fct_conversions
),

-- Changed by rows that landed late with earlier processing times: restated, a warning (below).
restatements as (
    select * from {RESTATEMENTS}
),

final as (
    select
        history.journey_id,
        history.conversion_id,
        conversions.conversion_id is not null
            or restatements.conversion_id is not null as is_still_recorded,
        restatements.conversion_id is not null or conversions.conversion_id is null or coalesce(
            conversions.journey_id is not distinct from history.journey_id
            and conversions.converted_at is not distinct from history.converted_at
            and conversions.credited_delivery_id is not distinct from history.credited_delivery_id
            and conversions.goal_version is not distinct from history.goal_version,
            false
        ) as is_unchanged
    from history
    left join conversions on history.conversion_id = conversions.conversion_id
    left join restatements on history.conversion_id = restatements.conversion_id
)

select * from final
"""

RESTATEMENTS_QUERY = f"""
with

restatements as (
    select * from {RESTATEMENTS}
),

final as (
    select
        journey_id,
        conversion_id,
        late_file,
        false as is_not_restated
    from restatements
)

select * from final
"""


def suites() -> list[RuleSuite]:
    conversions = expectation_suite(
        "no_retroactive_conversions",
        [
            expect_true(
                "is_not_before_journey_start",
                "converted_not_before_journey_start",
                "A journey converts only at or after its start (rules 1 and 8): "
                "fct_conversions.converted_at >= fct_journeys.started_at.",
            ),
            expect_true(
                "is_not_before_anchor",
                "converted_not_before_anchor",
                "A conversion is processed at or after the anchor of the delivery it credits "
                "(rule 5): converted_at >= anchor_at.",
            ),
            expect_true(
                "is_not_before_version_saved",
                "converted_not_before_goal_version_saved",
                "The goal version that judged a conversion was saved at or before the "
                "conversion's processing time (rule 2): converted_at >= valid_from.",
            ),
            expect_true(
                "version_in_force_matches",
                "goal_version_in_force_at_conversion",
                "The goal version that judged a conversion was still in force at its processing "
                "time, not replaced by a later edit (rule 2): converted_at < the next version's "
                "valid_from.",
            ),
            expect_true(
                "had_goal_at_start",
                "goal_in_force_at_journey_start",
                "A journey converts only if its campaign had a goal (goal_type other than "
                "'none') at the journey's start (rule 1): fct_journeys.goal_version_at_start.",
            ),
        ],
    )
    history = expectation_suite(
        "no_retroactive_conversions.history",
        [
            expect_true(
                "is_still_recorded",
                "recorded_conversion_not_removed",
                f"A conversion once recorded never disappears (rules 2 and 8): every row of "
                f"{HISTORY_TABLE} is still in marts.fct_conversions.",
            ),
            expect_true(
                "is_unchanged",
                "recorded_conversion_unchanged",
                "A conversion once recorded never changes (rules 2 and 8): journey_id, "
                "converted_at, credited_delivery_id and goal_version are as first recorded.",
            ),
        ],
    )
    restatements = expectation_suite(
        "no_retroactive_conversions.restatements",
        [
            expect_true(
                "is_not_restated",
                "recorded_conversion_restated",
                f"A recorded conversion changed because rows with earlier processing times "
                f"landed later (rule 8 as of then, the data as of now): listed in {RESTATEMENTS} "
                f"with its old and new credit and the late file behind it. A warning: the "
                f"platform sent the rows late; a change with no late file behind it fails "
                f"recorded_conversion_unchanged.",
            ),
        ],
    )
    return [
        RuleSuite("no_retroactive_conversions", CONVERSIONS_QUERY, conversions, ("journey_id",)),
        RuleSuite(
            "no_retroactive_conversions.restatements",
            RESTATEMENTS_QUERY,
            restatements,
            ("conversion_id", "late_file"),
            severity=Severity.WARN,
            requires=(RESTATEMENTS,),
        ),
        RuleSuite(
            "no_retroactive_conversions.history",
            HISTORY_QUERY,
            history,
            ("journey_id",),
            requires=(HISTORY_TABLE,),
        ),
    ]
