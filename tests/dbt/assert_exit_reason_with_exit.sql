-- Rule 9: a journey with an expected exit has its reason, and one without has neither.
select journey_id, expected_exit_at, exit_reason
from {{ ref('fct_journeys') }}
where (expected_exit_at is null) <> (exit_reason is null)
