with

landed as (
    select * from {{ ref('lnd_campaigns') }}
),

typed as (
    select
        landed.workspace_id,
        landed.campaign_id,
        landed.name as campaign_name,
        lower(kind) as kind,
        landed.trigger_segment_id,
        created_at as created_at_raw,
        {{ parse_timestamp('created_at') }} as created_at,
        landed.landing_file,
        {{ row_as_json(['workspace_id', 'campaign_id', 'name', 'kind', 'trigger_segment_id', 'created_at']) }}
            as raw_row
    from landed
),

fingerprinted as (
    select
        *,
        {{ surrogate_key(['campaign_name', 'kind', 'trigger_segment_id', 'created_at']) }} as row_fingerprint
    from typed
),

checked as (
    select
        *,
        case
            when workspace_id is null or campaign_id is null then 'null_key'
            when created_at_raw is not null and created_at is null then 'unparseable_timestamp:created_at'
            when kind not in ('campaign', 'newsletter') then 'unknown_campaign_kind'
            else {{ config_conflict_reason(['workspace_id', 'campaign_id']) }}
        end as quarantine_reason
    from fingerprinted
),

final as (
    select
        *,
        {{ latest_by_key_rank(['workspace_id', 'campaign_id'], order_by='landing_file, raw_row') }} as key_rank
    from checked
)

select * from final
