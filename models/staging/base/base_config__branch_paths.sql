with

landed as (
    select * from {{ ref('lnd_branch_paths') }}
),

typed as (
    select
        landed.workspace_id,
        landed.action_id,
        landed.branch_index as branch_index_raw,
        {{ parse_number('branch_index', 'integer') }} as branch_index,
        landed.campaign_id,
        landed.weight_percent as weight_percent_raw,
        {{ parse_number('weight_percent', 'double') }} as weight_percent,
        lower(trim(landed.role)) as path_role,
        landed.landing_file,
        {{ row_as_json(['workspace_id', 'action_id', 'branch_index', 'campaign_id', 'weight_percent', 'role']) }}
            as raw_row
    from landed
),

fingerprinted as (
    select
        *,
        {{ surrogate_key(['campaign_id', 'weight_percent', 'path_role']) }} as row_fingerprint
    from typed
),

-- Checks of one row, then of two rows for one key.
row_checked as (
    select
        *,
        case
            when workspace_id is null or action_id is null or branch_index is null then 'null_key'
            when branch_index < 0 then 'invalid_branch_index'
            when campaign_id is null then 'branch_path_without_campaign'
            when weight_percent is null or weight_percent < 0 or weight_percent > 100
                then 'weight_percent_out_of_range'
            when path_role not in ('control', 'treatment') or path_role is null then 'unknown_path_role'
            else {{ config_conflict_reason(['workspace_id', 'action_id', 'branch_index']) }}
        end as row_reason
    from fingerprinted
),

-- Checks of the whole branch over its distinct valid paths (an exact duplicate counts once).
distinct_paths as (
    select
        workspace_id,
        action_id,
        branch_index,
        min(weight_percent) as weight_percent,
        min(path_role) as path_role
    from row_checked
    where row_reason is null
    group by workspace_id, action_id, branch_index
),

branches as (
    select
        workspace_id,
        action_id,
        sum(weight_percent) as total_weight_percent,
        sum(case when path_role = 'control' then 1 else 0 end) as controls
    from distinct_paths
    group by workspace_id, action_id
),

-- A path with a bad row breaks its branch too: the others no longer sum to 100, so the whole
-- branch is quarantined rather than reported with a share nobody configured.
checked as (
    select
        row_checked.*,
        coalesce(
            row_checked.row_reason,
            case
                -- Weights may be decimals (33.33 + 33.33 + 33.34): compared within a rounding error.
                when abs(branches.total_weight_percent - 100) > 1e-6 then 'branch_weights_not_100'
                when branches.controls <> 1 then 'branch_without_one_control'
            end
        ) as quarantine_reason
    from row_checked
    left join branches
        on
            row_checked.workspace_id = branches.workspace_id
            and row_checked.action_id = branches.action_id
),

final as (
    select
        workspace_id,
        action_id,
        branch_index_raw,
        branch_index,
        campaign_id,
        weight_percent,
        path_role,
        landing_file,
        raw_row,
        quarantine_reason,
        {{ latest_by_key_rank(['workspace_id', 'action_id', 'branch_index'], order_by='landing_file, raw_row') }}
            as key_rank
    from checked
)

select * from final
