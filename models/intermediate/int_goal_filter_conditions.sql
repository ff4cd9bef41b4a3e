-- One row per condition of an event goal's filter. A condition compares an event property with a
-- literal `value`, a property of the journey's trigger event, or a person attribute.
with

versions as (
    select * from {{ ref('int_goal_versions_ranged') }}
    where goal_type = 'event' and filter_json is not null
),

conditions as (
    select
        workspace_id,
        campaign_id,
        goal_version,
        {{ json_array_elements('filter_json', 'conditions') }} as condition_json
    from versions
),

final as (
    select
        workspace_id,
        campaign_id,
        goal_version,
        {{ json_text('condition_json', "'property'") }} as property,
        lower({{ json_text('condition_json', "'operator'") }}) as operator,  -- noqa: RF04
        {{ json_value('condition_json', 'value') }} as literal_value_json,
        {{ json_text('condition_json', "'compare_to.trigger_event_property'") }} as trigger_event_property,
        {{ json_text('condition_json', "'compare_to.person_attribute'") }} as person_attribute
    from conditions
)

select * from final
