"""What was paid, read from the ledger: every figure reported is a sum of postings.

Cash basis: an expert was paid in a calendar year what the ledger moved out of their
payable account in that year (UTC dates), i.e. the postings of ``payout`` entries less
those of ``payout_reversal`` entries. A payout reversed in a later year stays paid in its
own year, and the reversal lowers the later year. Each payout entry pays one weekly
statement: the number of payouts in a period is the number of activities paid.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import ExtractMonth, TruncDate

from payouts.models import AccountKind, JournalKind, PayLine, PayLineKind, Payout, PayStatement, Posting

from .models import ReportForm, ReportingThreshold

PAID_KINDS = (JournalKind.PAYOUT, JournalKind.PAYOUT_REVERSAL)
QUARTERS = (1, 2, 3, 4)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)


@dataclass
class PaidInYear:
    """One expert's payouts in one currency and year, month by month (1-12)."""

    contributor_id: int
    currency: str
    year: int
    paid_by_month: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(1, 13), 0))
    payouts_by_month: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(1, 13), 0))
    reversed_by_month: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(1, 13), 0))

    @property
    def total_minor(self) -> int:
        return sum(self.paid_by_month.values())

    @property
    def activities(self) -> int:
        return sum(self.payouts_by_month.values())

    def quarter_paid(self, quarter: int) -> int:
        return sum(self.paid_by_month[m] for m in range(3 * quarter - 2, 3 * quarter + 1))

    def quarter_activities(self, quarter: int) -> int:
        return sum(self.payouts_by_month[m] for m in range(3 * quarter - 2, 3 * quarter + 1))


def paid_in_year(*, year: int, contributor_ids: list[int] | None = None) -> dict[tuple[int, str], PaidInYear]:
    """Per (expert, currency): what the ledger paid them in ``year``, net of reversals."""
    start, end = year_bounds(year)
    postings = Posting.objects.filter(
        account__kind=AccountKind.EXPERT_PAYABLE,
        entry__kind__in=PAID_KINDS,
        entry__occurred_at__gte=start,
        entry__occurred_at__lt=end,
    )
    if contributor_ids is not None:
        postings = postings.filter(account__contributor_id__in=contributor_ids)
    rows = (
        postings.values(contributor=F("account__contributor_id"), kind=F("entry__kind"), cur=F("currency"))
        .annotate(
            month=ExtractMonth("entry__occurred_at", tzinfo=UTC),
            # Debits of the payable are payouts (positive), credits are reversals (negative).
            amount=Sum("amount_minor"),
            entries=Count("entry", distinct=True),
        )
        .order_by()
    )
    paid: dict[tuple[int, str], PaidInYear] = {}
    for row in rows:
        key = (row["contributor"], row["cur"])
        item = paid.setdefault(key, PaidInYear(contributor_id=key[0], currency=key[1], year=year))
        item.paid_by_month[row["month"]] += row["amount"]
        if row["kind"] == JournalKind.PAYOUT:
            item.payouts_by_month[row["month"]] += row["entries"]
        else:
            item.reversed_by_month[row["month"]] -= row["amount"]
    return paid


def paid_by_day(*, year: int, contributor_ids: list[int]) -> dict[tuple[int, str], dict[date, int]]:
    """Per (expert, currency): the net amount the ledger paid on each UTC day of ``year``.

    The day is what a conversion into another currency needs: each day's amount is
    converted at the rate in force on it (``reporting.services.dac7``)."""
    start, end = year_bounds(year)
    rows = (
        Posting.objects.filter(
            account__kind=AccountKind.EXPERT_PAYABLE,
            account__contributor_id__in=contributor_ids,
            entry__kind__in=PAID_KINDS,
            entry__occurred_at__gte=start,
            entry__occurred_at__lt=end,
        )
        .values(contributor=F("account__contributor_id"), cur=F("currency"))
        .annotate(day=TruncDate("entry__occurred_at", tzinfo=UTC), amount=Sum("amount_minor"))
        .order_by()
    )
    by_day: dict[tuple[int, str], dict[date, int]] = defaultdict(dict)
    for row in rows:
        by_day[(row["contributor"], row["cur"])][row["day"]] = row["amount"]
    return dict(by_day)


def payout_ids_paid_in_year(*, year: int, contributor_id: int) -> list[int]:
    """The payouts whose payout entry the ledger posted in ``year``."""
    start, end = year_bounds(year)
    references = Posting.objects.filter(
        account__kind=AccountKind.EXPERT_PAYABLE,
        account__contributor_id=contributor_id,
        entry__kind=JournalKind.PAYOUT,
        entry__occurred_at__gte=start,
        entry__occurred_at__lt=end,
    ).values_list("entry__reference", flat=True)
    return sorted({int(reference.split(":")[1]) for reference in references})


# --- thresholds -----------------------------------------------------------------------


def reporting_threshold(*, form: str = ReportForm.FORM_1099_NEC, on: date) -> ReportingThreshold | None:
    """The threshold in force for payments made on ``on``."""
    return (
        ReportingThreshold.objects.filter(form=form, applies_from__lte=on)
        .filter(Q(applies_to__isnull=True) | Q(applies_to__gt=on))
        .order_by("-applies_from")
        .first()
    )


def reporting_threshold_for_year(*, form: str = ReportForm.FORM_1099_NEC, year: int) -> ReportingThreshold | None:
    """A calendar year's payments are measured against the threshold of payments made that year."""
    return reporting_threshold(form=form, on=date(year, 12, 31))


# --- the expert's yearly summary ------------------------------------------------------


@dataclass
class MonthLine:
    month: int
    paid_out_minor: int
    reversed_minor: int
    net_minor: int


@dataclass
class LabLine:
    lab: str
    gross_minor: int


@dataclass
class EarningsSummary:
    """An expert's year in one currency: what their statements paid out in it earned, and
    what the ledger paid (net of reversals), month by month and lab by lab."""

    year: int
    currency: str
    gross_minor: int
    topups_minor: int
    fees_minor: int
    paid_minor: int
    reversed_minor: int
    statements: int
    months: list[MonthLine]
    labs: list[LabLine]


def earnings_summaries(*, contributor_id: int, year: int) -> list[EarningsSummary]:
    """One summary per currency the expert was paid in during ``year``.

    Gross is work, bonuses and corrections of earlier weeks; top-ups are the minimum-wage
    top-ups; fees are what the platform withheld from the expert, nothing: its fee is
    billed to the lab on top of the pay (``payouts/payruns/accrual.py``).
    """
    paid = paid_in_year(year=year, contributor_ids=[contributor_id])
    payout_ids = payout_ids_paid_in_year(year=year, contributor_id=contributor_id)
    statement_ids = list(Payout.objects.filter(pk__in=payout_ids).values_list("statement_id", flat=True))
    statements = (
        PayStatement.objects.filter(pk__in=statement_ids)
        .values("currency")
        .annotate(pay=Sum("pay_minor"), topup=Sum("topup_minor"), adjustment=Sum("adjustment_minor"), n=Count("id"))
        .order_by()
    )
    by_currency = {row["currency"]: row for row in statements}
    labs: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    lines = (
        PayLine.objects.filter(statement_id__in=statement_ids)
        .exclude(kind=PayLineKind.TOPUP)
        .values("statement__currency", lab=F("engagement__project__lab__name"))
        .annotate(amount=Sum("amount_minor"))
        .order_by()
    )
    for row in lines:
        labs[row["statement__currency"]][row["lab"] or "Not tied to one lab"] += row["amount"]
    summaries = []
    for currency in sorted(set(by_currency) | {cur for _, cur in paid}):
        stats = by_currency.get(currency, {"pay": 0, "topup": 0, "adjustment": 0, "n": 0})
        year_paid = paid.get((contributor_id, currency))
        months = []
        for m in range(1, 13):
            net = year_paid.paid_by_month[m] if year_paid else 0
            back = year_paid.reversed_by_month[m] if year_paid else 0
            months.append(MonthLine(month=m, paid_out_minor=net + back, reversed_minor=back, net_minor=net))
        summaries.append(
            EarningsSummary(
                year=year,
                currency=currency,
                gross_minor=(stats["pay"] or 0) + (stats["adjustment"] or 0),
                topups_minor=stats["topup"] or 0,
                fees_minor=0,
                paid_minor=year_paid.total_minor if year_paid else 0,
                reversed_minor=sum(year_paid.reversed_by_month.values()) if year_paid else 0,
                statements=stats["n"],
                months=months,
                labs=[LabLine(lab=name, gross_minor=amount) for name, amount in sorted(labs[currency].items())],
            )
        )
    return summaries
