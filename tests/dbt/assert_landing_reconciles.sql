-- Contract section 2: for every table, rows landed = rows staged + rows quarantined + rows superseded.
select *
from {{ ref('fct_landing_reconciliation') }}
where not is_reconciled
