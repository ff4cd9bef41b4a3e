-- Per landing table: rows landed = rows staged + rows quarantined + duplicate rows superseded.
-- Each count comes from a different model, so a row lost between them shows as a difference.
{%- set tables = [
    ('deliveries', 'lnd_deliveries', 'base_cio__deliveries', 'stg_cio__deliveries'),
    ('metrics', 'lnd_metrics', 'base_cio__metrics', 'stg_cio__metrics'),
    ('subjects', 'lnd_subjects', 'base_cio__subjects', 'stg_cio__subjects'),
    ('outputs', 'lnd_outputs', 'base_cio__outputs', 'stg_cio__outputs'),
    ('people', 'lnd_people', 'base_cio__people', 'stg_cio__people'),
    ('attributes', 'lnd_attributes', 'base_cio__attributes', 'stg_cio__attributes'),
    ('events', 'lnd_events', 'base_tracking__events', 'stg_tracking__events'),
    ('segment_memberships', 'lnd_segment_memberships', 'base_tracking__segment_memberships', 'stg_tracking__segment_memberships'),
    ('campaigns', 'lnd_campaigns', 'base_config__campaigns', 'stg_config__campaigns'),
    ('campaign_actions', 'lnd_campaign_actions', 'base_config__campaign_actions', 'stg_config__campaign_actions'),
    ('goal_versions', 'lnd_goal_versions', 'base_config__goal_versions', 'stg_config__goal_versions'),
] %}

with

quarantine as (
    select
        table_name,
        count(*) as rows_quarantined
    from {{ ref('stg_quarantine') }}
    group by table_name
),

{% for table_name, landing_model, base_model, staging_model in tables %}
    counts_{{ table_name }} as (
        select
            '{{ table_name }}' as table_name,
            (select count(*) from {{ ref(landing_model) }}) as rows_landed,
            (select count(*) from {{ ref(staging_model) }}) as rows_staged,
            (
                select count(*) from {{ ref(base_model) }}
                where quarantine_reason is null and key_rank > 1)
                as rows_superseded
    ),
{% endfor %}

counted as (
    {%- for table_name, landing_model, base_model, staging_model in tables %}
        select * from counts_{{ table_name }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        counted.table_name,
        counted.rows_landed,
        counted.rows_staged,
        coalesce(quarantine.rows_quarantined, 0) as rows_quarantined,
        counted.rows_superseded,
        counted.rows_landed = counted.rows_staged + coalesce(quarantine.rows_quarantined, 0)
        + counted.rows_superseded as is_reconciled
    from counted
    left join quarantine on counted.table_name = quarantine.table_name
)

select * from final
