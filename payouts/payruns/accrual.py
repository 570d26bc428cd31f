"""Booking an approved pay run: one journal entry, written set-based.

Each lab is debited the pay for its projects' work, the platform fee on that pay (the
project's markup, fixed when it was funded), and its share of any minimum-wage top-up,
split by the minutes worked on its projects that week (largest remainder to the lab with
the most minutes). Adjustment lines book the same way: pay corrections to the engagement's
lab with their fee, top-up corrections split by the minutes of the week they correct. Each expert's payable is credited their statement totals, and platform
revenue the fees. The entry balances by construction; the database checks it at commit.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from config.sql import sql_literal
from marketplace.models import Engagement, Lab, Project
from marketplace.payable import TASK_TABLE, TIME_ENTRY_TABLE
from payouts.models import AccountKind, JournalKind, PayLineKind

LAB_FUNDS_HELD = sql_literal(AccountKind.LAB_FUNDS_HELD)

ACCRUAL_SQL = f"""
WITH claims AS (
    -- Top-ups to split between labs: this week's, and changes to earlier weeks' top-ups
    -- carried by adjustment lines, each split by the minutes of the week it belongs to.
    SELECT 's' || st.id AS claim, st.contributor_id, st.currency, st.topup_minor AS amount,
           %(start)s::date AS starts_on, %(end)s::date AS ends_on
    FROM payouts_paystatement st WHERE st.run_id = %(run)s AND st.topup_minor > 0
    UNION ALL
    SELECT 'a' || l.id, st.contributor_id, st.currency, l.amount_minor, pe.starts_on, pe.ends_on
    FROM payouts_payline l
    JOIN payouts_paystatement st ON st.id = l.statement_id
    JOIN payouts_payperiod pe ON pe.id = l.adjusts_period_id
    WHERE st.run_id = %(run)s AND l.kind = {sql_literal(PayLineKind.ADJUSTMENT)}
      AND l.adjusts_kind = {sql_literal(PayLineKind.TOPUP)}
),
work AS (
    SELECT c.claim, t.engagement_id, t.minutes FROM claims c JOIN {TIME_ENTRY_TABLE} t
      ON t.contributor_id = c.contributor_id AND t.work_date BETWEEN c.starts_on AND c.ends_on AND t.is_current
    UNION ALL
    SELECT c.claim, s.engagement_id, s.minutes FROM claims c JOIN {TASK_TABLE} s
      ON s.contributor_id = c.contributor_id AND s.work_date BETWEEN c.starts_on AND c.ends_on
),
lab_minutes AS (
    SELECT w.claim, e.currency, p.lab_id, sum(w.minutes) AS minutes
    FROM work w JOIN {Engagement._meta.db_table} e ON e.id = w.engagement_id
    JOIN {Project._meta.db_table} p ON p.id = e.project_id
    GROUP BY 1, 2, 3
),
split AS (
    SELECT c.claim, m.lab_id, c.currency, m.minutes, c.amount,
           floor(c.amount * m.minutes::numeric / sum(m.minutes) OVER (PARTITION BY c.claim)) AS share,
           row_number() OVER (PARTITION BY c.claim ORDER BY m.minutes DESC, m.lab_id) AS rank
    FROM claims c JOIN lab_minutes m ON m.claim = c.claim AND m.currency = c.currency
),
topups AS (
    SELECT lab_id, currency,
           share + CASE WHEN rank = 1 THEN amount - sum(share) OVER (PARTITION BY claim) ELSE 0 END AS amount
    FROM split
),
work_lines AS (
    SELECT p.lab_id, st.currency, l.amount_minor AS pay,
           round(l.amount_minor * COALESCE(p.platform_fee_markup, lab.platform_fee_markup)) AS fee
    FROM payouts_payline l
    JOIN payouts_paystatement st ON st.id = l.statement_id
    JOIN {Engagement._meta.db_table} e ON e.id = l.engagement_id
    JOIN {Project._meta.db_table} p ON p.id = e.project_id
    JOIN {Lab._meta.db_table} lab ON lab.id = p.lab_id
    WHERE st.run_id = %(run)s AND l.kind <> {sql_literal(PayLineKind.TOPUP)} AND l.engagement_id IS NOT NULL
),
legs AS (
    SELECT {LAB_FUNDS_HELD} AS kind, lab_id, NULL::bigint AS contributor_id, currency, sum(pay + fee) AS amount
    FROM work_lines GROUP BY lab_id, currency
    UNION ALL
    SELECT {LAB_FUNDS_HELD}, lab_id, NULL, currency, sum(amount) FROM topups GROUP BY lab_id, currency
    UNION ALL
    SELECT {sql_literal(AccountKind.PLATFORM_REVENUE)}, NULL, NULL, currency, -sum(fee) FROM work_lines GROUP BY currency
    UNION ALL
    SELECT {sql_literal(AccountKind.EXPERT_PAYABLE)}, NULL, contributor_id, currency, -total_minor
    FROM payouts_paystatement WHERE run_id = %(run)s AND total_minor <> 0
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
    from payouts.models import JournalEntry

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
            kind=JournalKind.ACCRUAL,
            reference=reference,
            description=f"Pay accrued for the week {run.period.starts_on} to {run.period.ends_on}",
            occurred_at=timezone.now(),
        )
        cursor.execute(POSTINGS_SQL, {"entry": entry.pk})
    return entry.pk, totals
