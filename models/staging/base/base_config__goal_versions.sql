with

landed as (
    select * from {{ ref('lnd_goal_versions') }}
),

typed as (
    select
        landed.workspace_id,
        landed.campaign_id,
        landed.version as version_raw,
        {{ parse_number('version', 'integer') }} as goal_version,
        valid_from as valid_from_raw,
        {{ parse_timestamp('valid_from') }} as valid_from,
        lower(goal_type) as goal_type,
        landed.event_name,
        landed.segment_id,
        -- An empty filter and a missing one both mean "every event matches".
        nullif(trim(landed.filter), '') as filter_json,
        window_days as window_days_raw,
        {{ parse_number('window_days', 'integer') }} as window_days,
        lower(basis) as basis,
        lower(exit_condition) as exit_condition,
        landed.landing_file,
        {{ row_as_json(['workspace_id', 'campaign_id', 'version', 'valid_from', 'goal_type', 'event_name',
            'segment_id', 'filter', 'window_days', 'basis', 'exit_condition']) }} as raw_row
    from landed
),

fingerprinted as (
    select
        *,
        {{ surrogate_key(['valid_from', 'goal_type', 'event_name', 'segment_id', 'filter_json', 'window_days',
            'basis', 'exit_condition']) }} as row_fingerprint
    from typed
),

checked as (
    select
        *,
        case
            when workspace_id is null or campaign_id is null or goal_version is null then 'null_key'
            when valid_from_raw is null then 'missing_timestamp:valid_from'
            when valid_from is null then 'unparseable_timestamp:valid_from'
            when
                goal_type not in ('none', 'event', 'segment_entered', 'segment_exited')
                or goal_type is null then 'unknown_goal_type'
            when window_days_raw is not null and window_days is null then 'window_days_out_of_range'
            when window_days not between 1 and 90 then 'window_days_out_of_range'
            when goal_type <> 'none' and (basis not in ('received', 'opened', 'clicked') or basis is null)
                then 'unknown_basis'
            when
                coalesce(exit_condition, 'none')
                not in ('none', 'converted', 'stopped_matching', 'converted_or_stopped_matching')
                then 'unknown_exit_condition'
            when goal_type = 'event' and event_name is null then 'event_goal_without_event_name'
            when goal_type in ('segment_entered', 'segment_exited') and segment_id is null
                then 'segment_goal_without_segment_id'
            when filter_json is not null and not {{ is_json_object('filter_json') }} then 'filter_not_json_object'
            else {{ config_conflict_reason(['workspace_id', 'campaign_id', 'goal_version']) }}
        end as quarantine_reason
    from fingerprinted
),

final as (
    select
        *,
        {{ latest_by_key_rank(['workspace_id', 'campaign_id', 'goal_version'], order_by='landing_file, raw_row') }}
            as key_rank
    from checked
)

select * from final
