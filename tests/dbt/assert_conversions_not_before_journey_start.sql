-- Rule 1/8: a conversion is processed at or after its journey's start and its credited anchor.
-- A conversion without its journey, or without a start, anchor or processing time, fails too.
select conversions.conversion_id
from {{ ref('fct_conversions') }} as conversions
left join {{ ref('fct_journeys') }} as journeys on conversions.journey_id = journeys.journey_id
where
    journeys.journey_id is null
    or not coalesce(
        conversions.converted_at >= journeys.started_at
        and conversions.converted_at >= conversions.anchor_at,
        false
    )
