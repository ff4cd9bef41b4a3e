{{ config(materialized='table') }}

-- Campaign x random cohort branch x path of every valid branch in branch_paths: journeys assigned
-- (with a goal in force at their start), how many converted from the assignment (intention to
-- treat, int_holdout_outcomes), and each treatment path against the control: relative lift with its
-- delta-method interval and the two-sided p-value, and the sample-ratio p-value of the branch.
-- A table over int_holdout_outcomes, rebuilt whole like that model.
with

paths as (
    select * from {{ ref('stg_config__branch_paths') }}
),

outcomes as (
    select * from {{ ref('int_holdout_outcomes') }}
),

tallies as (
    select
        workspace_id,
        action_id,
        branch_index,
        count(*) as assigned,
        sum(case when is_converted then 1 else 0 end) as converted
    from outcomes
    group by workspace_id, action_id, branch_index
),

arms as (
    select
        paths.workspace_id,
        paths.campaign_id,
        paths.action_id,
        paths.branch_index,
        paths.path_role,
        paths.weight_percent,
        coalesce(tallies.assigned, 0) as assigned,
        coalesce(tallies.converted, 0) as converted,
        cast(tallies.converted as {{ type_double() }}) / nullif(tallies.assigned, 0) as conversion_rate
    from paths
    left join tallies
        on
            paths.workspace_id = tallies.workspace_id
            and paths.action_id = tallies.action_id
            and paths.branch_index = tallies.branch_index
),

-- The sample-ratio test over the paths with a positive weight (a 0% path is no arm).
branches as (
    select
        workspace_id,
        action_id,
        count(*) as arm_count,
        cast(sum(assigned) as {{ type_double() }}) as total_assigned
    from arms
    where weight_percent > 0
    group by workspace_id, action_id
),

srm_terms as (
    select
        arms.workspace_id,
        arms.action_id,
        sum(
            (arms.assigned - branches.total_assigned * arms.weight_percent / 100)
            * (arms.assigned - branches.total_assigned * arms.weight_percent / 100)
            / (branches.total_assigned * arms.weight_percent / 100)
        ) as chi_squared,
        max(branches.arm_count) - 1 as degrees_of_freedom
    from arms
    inner join branches
        on
            arms.workspace_id = branches.workspace_id
            and arms.action_id = branches.action_id
    where arms.weight_percent > 0 and branches.total_assigned > 0 and branches.arm_count > 1
    group by arms.workspace_id, arms.action_id
),

srm as (
    select
        workspace_id,
        action_id,
        {{ chi_squared_survival('chi_squared', 'degrees_of_freedom') }} as srm_p_value
    from srm_terms
),

compared as (
    select
        arms.*,
        coalesce(arms.conversion_rate, 0) as p_treatment,
        coalesce(control.conversion_rate, 0) as p_control,
        control.assigned as control_assigned,
        {{ rate_difference_z('coalesce(arms.conversion_rate, 0)', 'arms.assigned',
            'coalesce(control.conversion_rate, 0)', 'control.assigned') }} as z
    from arms
    inner join arms as control
        on
            arms.workspace_id = control.workspace_id
            and arms.action_id = control.action_id
            and control.path_role = 'control'
),

final as (
    select
        compared.workspace_id,
        compared.campaign_id,
        compared.action_id,
        cast(compared.branch_index as bigint) as branch_index,
        compared.path_role as role,  -- noqa: RF04
        cast(compared.assigned as bigint) as assigned,
        cast(compared.converted as bigint) as converted,
        compared.conversion_rate,
        case
            when compared.path_role = 'treatment'
                then {{ relative_lift('compared.p_treatment', 'compared.assigned', 'compared.p_control',
                    'compared.control_assigned') }}
        end as relative_lift,
        case
            when compared.path_role = 'treatment'
                then {{ relative_lift('compared.p_treatment', 'compared.assigned', 'compared.p_control',
                    'compared.control_assigned', 'low') }}
        end as lift_ci_low,
        case
            when compared.path_role = 'treatment'
                then {{ relative_lift('compared.p_treatment', 'compared.assigned', 'compared.p_control',
                    'compared.control_assigned', 'high') }}
        end as lift_ci_high,
        -- The p-value goes with the lift: null on the control, when p_c is 0 or an arm is empty.
        case
            when compared.path_role = 'treatment' and compared.p_control > 0
                then {{ two_sided_p_value('compared.z') }}
        end as p_value,
        srm.srm_p_value
    from compared
    left join srm
        on
            compared.workspace_id = srm.workspace_id
            and compared.action_id = srm.action_id
)

select * from final
