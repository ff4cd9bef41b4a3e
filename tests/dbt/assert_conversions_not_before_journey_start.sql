-- Rule 1/8: a conversion is processed at or after its journey's start and its credited anchor.
select conversions.conversion_id
from {{ ref('fct_conversions') }} as conversions
inner join {{ ref('fct_journeys') }} as journeys on conversions.journey_id = journeys.journey_id
where conversions.converted_at < journeys.started_at or conversions.converted_at < conversions.anchor_at
