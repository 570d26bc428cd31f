"""Booking an approved pay run: one journal entry, written set-based.

Each lab is debited the pay for its projects' work, the platform fee on that pay (the
project's markup, fixed when it was funded), and its share of any minimum-wage top-up,
split by the minutes worked on its projects that week (largest remainder to the lab with
the most minutes). Each expert's payable is credited their statement totals, and platform
revenue the fees. The entry balances by construction; the database checks it at commit.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

ACCRUAL_SQL = """
WITH work AS (
    SELECT contributor_id, engagement_id, minutes FROM marketplace_timeentry
    WHERE is_current AND work_date BETWEEN %(start)s AND %(end)s
    UNION ALL
    SELECT contributor_id, engagement_id, minutes FROM marketplace_tasksubmission
    WHERE work_date BETWEEN %(start)s AND %(end)s
),
lab_minutes AS (
    SELECT w.contributor_id, e.currency, p.lab_id, sum(w.minutes) AS minutes
    FROM work w JOIN marketplace_engagement e ON e.id = w.engagement_id
    JOIN marketplace_project p ON p.id = e.project_id
    GROUP BY 1, 2, 3
),
split AS (
    SELECT st.id AS statement_id, m.lab_id, st.currency, m.minutes, st.topup_minor,
           floor(st.topup_minor * m.minutes::numeric / sum(m.minutes) OVER (PARTITION BY st.id)) AS share,
           row_number() OVER (PARTITION BY st.id ORDER BY m.minutes DESC, m.lab_id) AS rank
    FROM payouts_paystatement st
    JOIN lab_minutes m ON m.contributor_id = st.contributor_id AND m.currency = st.currency
    WHERE st.run_id = %(run)s AND st.topup_minor > 0
),
topups AS (
    SELECT lab_id, currency,
           share + CASE WHEN rank = 1 THEN topup_minor - sum(share) OVER (PARTITION BY statement_id) ELSE 0 END AS amount
    FROM split
),
work_lines AS (
    SELECT p.lab_id, st.currency, l.amount_minor AS pay,
           round(l.amount_minor * COALESCE(p.platform_fee_markup, lab.platform_fee_markup)) AS fee
    FROM payouts_payline l
    JOIN payouts_paystatement st ON st.id = l.statement_id
    JOIN marketplace_engagement e ON e.id = l.engagement_id
    JOIN marketplace_project p ON p.id = e.project_id
    JOIN marketplace_lab lab ON lab.id = p.lab_id
    WHERE st.run_id = %(run)s AND l.kind <> 'topup'
),
legs AS (
    SELECT 'lab_funds_held' AS kind, lab_id, NULL::bigint AS contributor_id, currency, sum(pay + fee) AS amount
    FROM work_lines GROUP BY lab_id, currency
    UNION ALL
    SELECT 'lab_funds_held', lab_id, NULL, currency, sum(amount) FROM topups GROUP BY lab_id, currency
    UNION ALL
    SELECT 'platform_revenue', NULL, NULL, currency, -sum(fee) FROM work_lines GROUP BY currency
    UNION ALL
    SELECT 'expert_payable', NULL, contributor_id, currency, -total_minor
    FROM payouts_paystatement WHERE run_id = %(run)s AND total_minor > 0
),
summed AS (
    SELECT kind, lab_id, contributor_id, currency, sum(amount)::bigint AS amount
    FROM legs GROUP BY kind, lab_id, contributor_id, currency HAVING sum(amount) <> 0
),
accounts AS (
    INSERT INTO payouts_ledgeraccount (kind, currency, lab_id, contributor_id)
    SELECT kind, currency, lab_id, contributor_id FROM summed
    ON CONFLICT (kind, currency, lab_id, contributor_id) DO NOTHING
    RETURNING id
)
SELECT kind, lab_id, contributor_id, currency, amount FROM summed
"""

POSTINGS_SQL = """
INSERT INTO payouts_posting (entry_id, account_id, amount_minor, currency)
SELECT %(entry)s, a.id, s.amount, s.currency
FROM pr_accrual s
JOIN payouts_ledgeraccount a ON a.kind = s.kind AND a.currency = s.currency
 AND a.lab_id IS NOT DISTINCT FROM s.lab_id AND a.contributor_id IS NOT DISTINCT FROM s.contributor_id
"""


def post_pay_run_accrual(*, run) -> tuple[int, dict]:
    """Write the accrual entry of an approved run (inside the approval's transaction)."""
    from .models import JournalEntry

    reference = f"accrual:pay-run:{run.pk}"
    existing = JournalEntry.objects.filter(reference=reference).first()
    if existing is not None:
        return existing.pk, {}
    params = {"run": run.pk, "start": run.period.starts_on, "end": run.period.ends_on}
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS pr_accrual")
        cursor.execute(f"CREATE TEMP TABLE pr_accrual ON COMMIT DROP AS {ACCRUAL_SQL}", params)
        cursor.execute("SELECT kind, currency, sum(amount) FROM pr_accrual GROUP BY kind, currency")
        totals = {f"{kind}:{currency}": int(total) for kind, currency, total in cursor.fetchall()}
        if not totals:
            return 0, {}
        entry = JournalEntry.objects.create(
            kind="accrual",
            reference=reference,
            description=f"Pay accrued for the week {run.period.starts_on} to {run.period.ends_on}",
            occurred_at=timezone.now(),
        )
        cursor.execute(POSTINGS_SQL, {"entry": entry.pk})
    return entry.pk, totals
