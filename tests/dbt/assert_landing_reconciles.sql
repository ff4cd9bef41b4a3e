-- Contract section 2: for every table, rows landed = rows staged + rows quarantined + rows
-- superseded + rows pending (landed for processing days no batch has processed yet), and no
-- pending row is older than the lookback (rows_overdue: no build without vars would pick it up).
-- The sum is checked here, not only the model's own flag, and a null count or flag fails.
select *
from {{ ref('fct_landing_reconciliation') }}
where
    not coalesce(is_reconciled, false)
    or not coalesce(
        rows_landed = rows_staged + rows_quarantined + rows_superseded + rows_pending, false
    )
    or not coalesce(rows_overdue = 0, false)
