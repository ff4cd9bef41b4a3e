-- Every attribution model shares out exactly one conversion per conversion.
select conversion_id, model, sum(credit) as total_credit
from {{ ref('fct_attribution_touches') }}
group by conversion_id, model
having abs(sum(credit) - 1.0) > 1e-9
