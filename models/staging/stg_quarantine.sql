{#- Every landed row that broke the contract, with the reason; nothing is dropped silently. -#}
{%- set tables = [
    ('deliveries', 'base_cio__deliveries', "delivery_id"),
    ('metrics', 'base_cio__metrics', "event_id"),
    ('subjects', 'base_cio__subjects', "subject_name"),
    ('outputs', 'base_cio__outputs', "output_id"),
    ('outputs', 'base_cio__branch_assignments', "output_id"),
    ('people', 'base_cio__people', "concat_ws('|', workspace_id, internal_customer_id)"),
    ('attributes', 'base_cio__attributes', "concat_ws('|', workspace_id, internal_customer_id, attribute_name, timestamp_raw)"),
    ('events', 'base_tracking__events', "event_id"),
    ('segment_memberships', 'base_tracking__segment_memberships', "concat_ws('|', workspace_id, internal_customer_id, segment_id, occurred_at_raw, action)"),
    ('campaigns', 'base_config__campaigns', "concat_ws('|', workspace_id, campaign_id)"),
    ('campaign_actions', 'base_config__campaign_actions', "concat_ws('|', workspace_id, action_id)"),
    ('goal_versions', 'base_config__goal_versions', "concat_ws('|', workspace_id, campaign_id, version_raw)"),
    ('branch_paths', 'base_config__branch_paths', "concat_ws('|', workspace_id, action_id, branch_index_raw)"),
] -%}

with

{% for table_name, base_model, key_expression in tables %}
    quarantined_{{ base_model }} as (
        select
            '{{ table_name }}' as table_name,
            {{ key_expression }} as row_key,
            quarantine_reason,
            raw_row,
            landing_file
        from {{ ref(base_model) }}
        where quarantine_reason is not null
    ),
{% endfor %}

final as (
    {%- for table_name, base_model, key_expression in tables %}
        select * from quarantined_{{ base_model }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from final
