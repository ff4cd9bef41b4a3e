{{ config(severity='warn') }}
-- Contract section 4, sample ratio mismatch: each random cohort branch whose paths' assigned counts
-- fail their configured percentages (srm_p_value < 0.001). Its lift is not to be trusted, but the
-- build goes on: a warning, shown in Dagster as a WARN asset check naming the action.
select
    workspace_id,
    campaign_id,
    action_id,
    min(srm_p_value) as srm_p_value
from {{ ref('fct_holdout_lift') }}
where srm_p_value < 0.001
group by workspace_id, campaign_id, action_id
