"""Ledger balances and its reconciliation with the fundings and the rules it must keep."""

from __future__ import annotations

from django.db.models import Sum

from config.sql import sql_list, sql_literal
from marketplace.models import FundingStatus, Project, ProjectFunding
from payouts.models import AccountKind, JournalKind, PayRun, PayRunStatus


def account_balances(*, kind: str | None = None) -> list[dict]:
    """Every account's balance (debits positive), as sums of its postings."""

    from payouts.models import LedgerAccount

    accounts = LedgerAccount.objects.all()
    if kind:
        accounts = accounts.filter(kind=kind)
    rows = accounts.annotate(balance=Sum("postings__amount_minor")).values(
        "id", "kind", "currency", "lab_id", "contributor_id", "balance"
    )
    return [{**row, "balance": row["balance"] or 0} for row in rows]


RECONCILE_SQL = f"""
WITH statements AS (
    SELECT st.contributor_id, st.currency, sum(st.total_minor) AS owed
    FROM payouts_paystatement st JOIN payouts_payrun r ON r.id = st.run_id
    WHERE r.status = {sql_literal(PayRunStatus.APPROVED)} GROUP BY 1, 2
),
payable AS (
    SELECT a.contributor_id, a.currency, -sum(p.amount_minor) AS credited
    FROM payouts_posting p JOIN payouts_ledgeraccount a ON a.id = p.account_id
    JOIN payouts_journalentry j ON j.id = p.entry_id
    WHERE a.kind = {sql_literal(AccountKind.EXPERT_PAYABLE)} AND j.kind IN ({sql_list([JournalKind.ACCRUAL, JournalKind.REVERSAL])}) GROUP BY 1, 2
)
SELECT COALESCE(s.contributor_id, p.contributor_id), COALESCE(s.currency, p.currency),
       COALESCE(s.owed, 0), COALESCE(p.credited, 0)
FROM statements s FULL JOIN payable p ON p.contributor_id = s.contributor_id AND p.currency = s.currency
WHERE COALESCE(s.owed, 0) <> COALESCE(p.credited, 0)
"""

FUNDING_RECONCILE_SQL = f"""
WITH funded AS (
    SELECT p.lab_id, f.currency, sum(f.amount_minor) AS paid
    FROM {ProjectFunding._meta.db_table} f JOIN {Project._meta.db_table} p ON p.id = f.project_id
    WHERE f.status = {sql_literal(FundingStatus.SUCCEEDED)} GROUP BY 1, 2
),
booked AS (
    SELECT a.lab_id, a.currency, -sum(po.amount_minor) AS credited
    FROM payouts_posting po JOIN payouts_ledgeraccount a ON a.id = po.account_id
    JOIN payouts_journalentry j ON j.id = po.entry_id
    WHERE a.kind = {sql_literal(AccountKind.LAB_FUNDS_HELD)} AND j.kind = {sql_literal(JournalKind.FUNDING)} GROUP BY 1, 2
)
SELECT COALESCE(f.lab_id, b.lab_id), COALESCE(f.currency, b.currency), COALESCE(f.paid, 0), COALESCE(b.credited, 0)
FROM funded f FULL JOIN booked b ON b.lab_id = f.lab_id AND b.currency = f.currency
WHERE COALESCE(f.paid, 0) <> COALESCE(b.credited, 0)
"""

# Each funded project against the ledger, in the project's own currency: the budget it
# says it was funded with must be what its payments booked to the lab's funds, less their
# fee. A payment in another currency books nothing in the project's currency, so a budget
# relabelled into another currency shows here.
PROJECT_FUNDING_RECONCILE_SQL = f"""
WITH booked AS (
    SELECT f.project_id, sum(-po.amount_minor - f.fee_minor) AS budget
    FROM {ProjectFunding._meta.db_table} f
    JOIN {Project._meta.db_table} p ON p.id = f.project_id AND p.currency = f.currency
    JOIN payouts_journalentry j ON j.reference = 'funding:' || f.id AND j.kind = {sql_literal(JournalKind.FUNDING)}
    JOIN payouts_posting po ON po.entry_id = j.id
    JOIN payouts_ledgeraccount a ON a.id = po.account_id
         AND a.kind = {sql_literal(AccountKind.LAB_FUNDS_HELD)} AND a.currency = p.currency
    WHERE f.status = {sql_literal(FundingStatus.SUCCEEDED)}
    GROUP BY 1
)
SELECT p.id, p.currency, p.funded_minor, COALESCE(b.budget, 0)
FROM {Project._meta.db_table} p LEFT JOIN booked b ON b.project_id = p.id
WHERE (p.funded_minor <> 0 OR b.project_id IS NOT NULL) AND p.funded_minor <> COALESCE(b.budget, 0)
ORDER BY p.id
"""


def ledger_reconciliation() -> dict:
    """Every difference between the ledger and the records it books, and what was checked."""
    from django.db import connection

    from payouts.models import JournalEntry

    differences = []
    with connection.cursor() as cursor:
        cursor.execute(RECONCILE_SQL)
        for contributor_id, currency, owed, credited in cursor.fetchall():
            differences.append(
                f"expert #{contributor_id} {currency}: approved statements {owed}, expert payable credited {credited}"
            )
        cursor.execute(FUNDING_RECONCILE_SQL)
        for lab_id, currency, paid, credited in cursor.fetchall():
            differences.append(f"lab #{lab_id} {currency}: funding received {paid}, lab funds credited {credited}")
        cursor.execute(PROJECT_FUNDING_RECONCILE_SQL)
        for project_id, currency, funded, booked in cursor.fetchall():
            differences.append(
                f"project #{project_id} {currency}: funded budget {funded}, funding booked in the ledger {booked}"
            )
        cursor.execute(
            "SELECT entry_id, currency, sum(amount_minor) FROM payouts_posting GROUP BY 1, 2 HAVING sum(amount_minor) <> 0"
        )
        for entry_id, currency, total in cursor.fetchall():
            differences.append(f"journal entry #{entry_id} does not balance: {total} {currency}")
    for funding in ProjectFunding.objects.filter(status=FundingStatus.FLAGGED).select_related("project").order_by("pk"):
        differences.append(
            f"project #{funding.project_id} {funding.project.currency}: payment #{funding.pk} held for "
            f"operations: {funding.failure_message}"
        )
    checked = [
        f"approved pay runs: {PayRun.objects.filter(status=PayRunStatus.APPROVED).count()}",
        f"journal entries: {JournalEntry.objects.count()}",
        f"funded projects: {Project.objects.exclude(funded_minor=0).count()}",
    ]
    return {"checked": checked, "differences": differences}
