-- Every attribution model shares out exactly one conversion per conversion: every conversion has
-- touches under each of the five models, and their credits sum to 1 (a null credit fails).
with

conversions as (
    select conversion_id from {{ ref('fct_conversions') }}
),

models as (
    {%- for model_name in ['last_touch', 'first_touch', 'linear', 'position_based', 'time_decay'] %}
    select '{{ model_name }}' as model
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

credits as (
    select
        conversion_id,
        model,
        sum(credit) as total_credit,
        count(*) - count(credit) as null_credits
    from {{ ref('fct_attribution_touches') }}
    group by conversion_id, model
)

select
    conversions.conversion_id,
    models.model,
    credits.total_credit
from conversions
cross join models
left join credits
    on conversions.conversion_id = credits.conversion_id and models.model = credits.model
where
    credits.total_credit is null
    or credits.null_credits > 0
    or abs(credits.total_credit - 1.0) > 1e-9
