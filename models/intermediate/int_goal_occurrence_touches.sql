{{ config(materialized=incremental_materialization(), meta={'row_key': ['journey_id']}) }}

-- Every counted delivery of the journey whose anchor for the occurrence's basis holds at the
-- occurrence's processing time and lies in the window (rules 4-5):
-- anchor <= processed_at < anchor + window_days (no limit for legacy goals). These are the
-- touches credit is chosen from (rule 6) and that multi-touch attribution shares out.
with

occurrences as (
    select * from {{ ref('int_goal_occurrences') }}
    where {{ person_batch_filter('person_id') }}
),

anchors as (
    select * from {{ ref('int_delivery_anchors') }}
    where {{ person_batch_filter('person_id') }}
),

final as (
    select
        occurrences.workspace_id,
        occurrences.journey_id,
        occurrences.campaign_id,
        occurrences.person_id,
        occurrences.occurrence_id,
        occurrences.occurrence_kind,
        occurrences.processed_at,
        occurrences.claimed_at,
        occurrences.goal_version,
        occurrences.goal_type,
        occurrences.basis,
        occurrences.window_days,
        anchors.delivery_id,
        anchors.channel,
        anchors.anchor_at,
        anchors.delivery_created_at
    from occurrences
    inner join anchors
        on
            occurrences.journey_id = anchors.journey_id
            and occurrences.basis = anchors.basis
            and occurrences.processed_at >= anchors.counts_from
            and (occurrences.processed_at < anchors.counts_until or anchors.counts_until is null)
    where
        occurrences.window_days is null
        or occurrences.processed_at < {{ add_days('anchors.anchor_at', 'occurrences.window_days') }}
)

select * from final
