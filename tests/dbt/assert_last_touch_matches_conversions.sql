-- last_touch must give the whole conversion to the delivery fct_conversions credits, and every
-- conversion must have its touches (a null credited delivery fails).
with

last_touch as (
    select conversion_id, delivery_id
    from {{ ref('fct_attribution_touches') }}
    where model = 'last_touch' and credit = 1.0
),

conversions as (
    select conversion_id, credited_delivery_id
    from {{ ref('fct_conversions') }}
)

select conversions.conversion_id
from conversions
left join last_touch on conversions.conversion_id = last_touch.conversion_id
where not coalesce(last_touch.delivery_id = conversions.credited_delivery_id, false)
