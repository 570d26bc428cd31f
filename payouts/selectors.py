"""Lookups of effective-dated pay reference data, by the date the work is done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet

from contributors.models import Domain

from .models import FxRate, MinimumWage, RateCard


class ReferenceDataMissing(LookupError):
    pass


def fx_rate_on(*, base: str, quote: str, on: date) -> Decimal:
    """Units of ``quote`` per ``base`` in force on ``on``; the inverse row is used if needed."""
    if base == quote:
        return Decimal(1)
    direct = FxRate.objects.filter(base=base, quote=quote, effective_from__lte=on).order_by("-effective_from").first()
    inverse = FxRate.objects.filter(base=quote, quote=base, effective_from__lte=on).order_by("-effective_from").first()
    # The newer of the two wins, so adding either direction updates the rate.
    if direct and (not inverse or direct.effective_from >= inverse.effective_from):
        return direct.rate
    if inverse:
        return (Decimal(1) / inverse.rate).quantize(Decimal("1.0000000000"))
    raise ReferenceDataMissing(f"no FX rate from {base} to {quote} on {on}")


@dataclass(frozen=True)
class Floor:
    country: str
    subdivision: str
    currency: str
    hourly_minor: int
    effective_from: date
    source_url: str


def minimum_wage_on(*, country: str, subdivision: str = "", on: date) -> Floor | None:
    """The higher of the national and the subdivision's minimum in force on ``on``.

    Taking the higher of the two means that a subdivision below a national floor (as some
    US states are below the federal rate) never lowers anyone's floor.
    """
    rows = [
        MinimumWage.objects.filter(country=country, subdivision=place, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
        for place in ({"", subdivision} if subdivision else {""})
    ]
    rows = [row for row in rows if row is not None]
    if not rows:
        return None
    best = max(rows, key=lambda row: (row.hourly_minor, row.subdivision))
    return Floor(best.country, best.subdivision, best.currency, best.hourly_minor, best.effective_from, best.source_url)


def rate_card_on(*, tier: str, domain: Domain | None, on: date) -> RateCard:
    """The rate card row for a tier (and domain, or its parent, or all domains) on a date."""
    candidates = [domain, domain.parent if domain and domain.parent_id else None, None] if domain else [None]
    for scope in candidates:
        query = RateCard.objects.filter(tier=tier, effective_from__lte=on)
        query = query.filter(domain=scope) if scope else query.filter(domain__isnull=True)
        row = query.order_by("-effective_from").first()
        if row is not None:
            return row
    raise ReferenceDataMissing(f"no rate card for tier {tier} on {on}")


def account_balances(*, kind: str | None = None) -> list[dict]:
    """Every account's balance (debits positive), as sums of its postings."""
    from django.db.models import Sum

    from .models import LedgerAccount

    accounts = LedgerAccount.objects.all()
    if kind:
        accounts = accounts.filter(kind=kind)
    rows = accounts.annotate(balance=Sum("postings__amount_minor")).values(
        "id", "kind", "currency", "lab_id", "contributor_id", "balance"
    )
    return [{**row, "balance": row["balance"] or 0} for row in rows]


RECONCILE_SQL = """
WITH statements AS (
    SELECT st.contributor_id, st.currency, sum(st.total_minor) AS owed
    FROM payouts_paystatement st JOIN payouts_payrun r ON r.id = st.run_id
    WHERE r.status = 'approved' GROUP BY 1, 2
),
payable AS (
    SELECT a.contributor_id, a.currency, -sum(p.amount_minor) AS credited
    FROM payouts_posting p JOIN payouts_ledgeraccount a ON a.id = p.account_id
    JOIN payouts_journalentry j ON j.id = p.entry_id
    WHERE a.kind = 'expert_payable' AND j.kind IN ('accrual', 'reversal') GROUP BY 1, 2
)
SELECT COALESCE(s.contributor_id, p.contributor_id), COALESCE(s.currency, p.currency),
       COALESCE(s.owed, 0), COALESCE(p.credited, 0)
FROM statements s FULL JOIN payable p ON p.contributor_id = s.contributor_id AND p.currency = s.currency
WHERE COALESCE(s.owed, 0) <> COALESCE(p.credited, 0)
"""

FUNDING_RECONCILE_SQL = """
WITH funded AS (
    SELECT p.lab_id, f.currency, sum(f.amount_minor) AS paid
    FROM marketplace_projectfunding f JOIN marketplace_project p ON p.id = f.project_id
    WHERE f.status = 'succeeded' GROUP BY 1, 2
),
booked AS (
    SELECT a.lab_id, a.currency, -sum(po.amount_minor) AS credited
    FROM payouts_posting po JOIN payouts_ledgeraccount a ON a.id = po.account_id
    JOIN payouts_journalentry j ON j.id = po.entry_id
    WHERE a.kind = 'lab_funds_held' AND j.kind = 'funding' GROUP BY 1, 2
)
SELECT COALESCE(f.lab_id, b.lab_id), COALESCE(f.currency, b.currency), COALESCE(f.paid, 0), COALESCE(b.credited, 0)
FROM funded f FULL JOIN booked b ON b.lab_id = f.lab_id AND b.currency = f.currency
WHERE COALESCE(f.paid, 0) <> COALESCE(b.credited, 0)
"""


def ledger_reconciliation() -> dict:
    """Every difference between the ledger and the records it books, and what was checked."""
    from django.db import connection

    from .models import JournalEntry, PayRun, PayRunStatus

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
        cursor.execute(
            "SELECT entry_id, currency, sum(amount_minor) FROM payouts_posting GROUP BY 1, 2 HAVING sum(amount_minor) <> 0"
        )
        for entry_id, currency, total in cursor.fetchall():
            differences.append(f"journal entry #{entry_id} does not balance: {total} {currency}")
    checked = [
        f"approved pay runs: {PayRun.objects.filter(status=PayRunStatus.APPROVED).count()}",
        f"journal entries: {JournalEntry.objects.count()}",
    ]
    return {"checked": checked, "differences": differences}


def pay_line_items(*, line) -> QuerySet:
    """The time entries or tasks a statement line paid for.

    A work line pays its engagement's approved items of that kind in its week, approved at
    or before its run read the work; an adjustment names the items approved late.
    """
    from marketplace.models import ReviewStatus, TaskSubmission, TimeEntry

    from .models import PayLineKind

    run = line.statement.run
    kind = line.adjusts_kind if line.kind == PayLineKind.ADJUSTMENT else line.kind
    model = TaskSubmission if kind == PayLineKind.TASK else TimeEntry
    if line.kind == PayLineKind.ADJUSTMENT:
        return model.objects.filter(pk__in=line.source.get("late_item_ids", [])).order_by("work_date", "pk")
    if kind not in (PayLineKind.HOURLY, PayLineKind.TRAINING, PayLineKind.TASK):
        return model.objects.none()
    items = model.objects.filter(
        engagement_id=line.engagement_id, work_date__range=(run.period.starts_on, run.period.ends_on)
    )
    if model is TimeEntry:
        training = Q(activity__in=["training", "onboarding", "assessment"])
        items = items.filter(is_current=True).filter(training if kind == PayLineKind.TRAINING else ~training)
    read_at = run.work_read_at
    approved_by_read = Q(status=ReviewStatus.AUTO_APPROVED) & (
        Q(auto_approved_at__lte=read_at) | Q(auto_approved_at__isnull=True)
    ) | Q(status=ReviewStatus.APPROVED) & (
        Q(appeal_decided_at__lte=read_at)
        | Q(appeal_decided_at__isnull=True, reviewed_at__lte=read_at)
        | Q(appeal_decided_at__isnull=True, reviewed_at__isnull=True)
    )
    return items.filter(approved_by_read).order_by("work_date", "pk")
