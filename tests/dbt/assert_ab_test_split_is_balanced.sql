{{ config(severity='warn') }}
-- Contract section 4, sample ratio mismatch: each A/B-tested action whose variants' sent counts
-- fail the even split (srm_p_value < 0.001). Its results are not to be trusted, but the build goes
-- on: a warning, shown in Dagster as a WARN asset check naming the action.
select
    workspace_id,
    campaign_id,
    action_id,
    min(srm_p_value) as srm_p_value
from {{ ref('fct_ab_test_variants') }}
where srm_p_value < 0.001
group by workspace_id, campaign_id, action_id
