-- For each occurrence, the delivery it credits (rules 4-6): among the journey's counted deliveries
-- whose anchor for the occurrence's basis holds at the occurrence's processing time and lies in the
-- window (anchor <= processed_at < anchor + window_days; no limit for legacy goals), the latest
-- anchor; ties go to the later delivery created_at, then the greater delivery_id.
with

occurrences as (
    select * from {{ ref('int_goal_occurrences') }}
),

anchors as (
    select * from {{ ref('int_delivery_anchors') }}
),

in_window as (
    select
        occurrences.*,
        anchors.delivery_id,
        anchors.channel,
        anchors.anchor_at,
        anchors.delivery_created_at
    from occurrences
    inner join anchors
        on occurrences.journey_id = anchors.journey_id
        and occurrences.basis = anchors.basis
        and occurrences.processed_at >= anchors.counts_from
        and (occurrences.processed_at < anchors.counts_until or anchors.counts_until is null)
    where
        occurrences.window_days is null
        or occurrences.processed_at < {{ add_days('anchors.anchor_at', 'occurrences.window_days') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by journey_id, occurrence_id
            order by anchor_at desc, delivery_created_at desc, delivery_id desc
        ) as credit_rank
    from in_window
),

final as (
    select
        workspace_id,
        journey_id,
        campaign_id,
        person_id,
        occurrence_id,
        occurrence_kind,
        processed_at,
        claimed_at,
        goal_version,
        goal_type,
        basis,
        window_days,
        delivery_id as credited_delivery_id,
        channel as credited_channel,
        anchor_at
    from ranked
    where credit_rank = 1
)

select * from final
