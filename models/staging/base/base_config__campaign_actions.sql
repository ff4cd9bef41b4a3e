with

landed as (
    select * from {{ ref('lnd_campaign_actions') }}
),

typed as (
    select
        landed.workspace_id,
        landed.action_id,
        landed.campaign_id,
        lower(action_type) as action_type,
        landed.name as action_name,
        webhook_conversions_enabled as webhook_conversions_enabled_raw,
        {{ parse_boolean('webhook_conversions_enabled') }} as webhook_conversions_enabled,
        landed.landing_file,
        {{ row_as_json(['workspace_id', 'action_id', 'campaign_id', 'action_type', 'name',
            'webhook_conversions_enabled']) }} as raw_row
    from landed
),

fingerprinted as (
    select
        *,
        {{ surrogate_key(['campaign_id', 'action_type', 'action_name', 'webhook_conversions_enabled']) }}
            as row_fingerprint
    from typed
),

checked as (
    select
        *,
        case
            when workspace_id is null or action_id is null then 'null_key'
            when webhook_conversions_enabled_raw is not null and webhook_conversions_enabled is null
                then 'unparseable_boolean:webhook_conversions_enabled'
            else {{ config_conflict_reason(['workspace_id', 'action_id']) }}
        end as quarantine_reason
    from fingerprinted
),

final as (
    select
        *,
        {{ latest_by_key_rank(['workspace_id', 'action_id'], order_by='landing_file, raw_row') }} as key_rank
    from checked
)

select * from final
