"""CTEs several rule families share. The checks recompute what they need from staged inputs
rather than reading the intermediate model they check, so a bug there cannot hide itself."""

# Goal versions with the span each is in force (contract rule 2): from valid_from until the next
# version's valid_from; versions saved at the same instant: the higher version wins.
GOAL_VERSIONS = """
goal_versions as (
    select
        workspace_id,
        campaign_id,
        goal_version,
        goal_type,
        window_days,
        valid_from,
        lead(valid_from) over (
            partition by workspace_id, campaign_id order by valid_from, goal_version
        ) as valid_until
    from staging.stg_config__goal_versions
)"""

# Marts carry no workspace_id; journey ids (subject names, newsletter delivery ids) are unique,
# so the workspace of a journey comes from the unified journeys.
JOURNEY_WORKSPACES = """
journey_workspaces as (
    select journey_id, workspace_id from intermediate.int_journeys_unified
)"""
