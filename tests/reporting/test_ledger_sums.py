"""What the reports read is what the ledger paid: sums of postings, by year, quarter and month."""

from datetime import date

import pytest
from django.db.models import Sum

from payouts.models import AccountKind, JournalKind, Posting
from reporting.selectors import earnings_summaries, paid_in_year, reporting_threshold, reporting_threshold_for_year

from tests.helpers.factories import make_expert
from tests.helpers.reporting import pay_expert, reverse_payout

pytestmark = pytest.mark.django_db

# A year of pay: (moment paid, amount in cents).
YEAR_OF_PAY = [
    ("2026-01-14T10:00:00Z", 41_250),
    ("2026-02-11T10:00:00Z", 39_999),
    ("2026-03-31T23:59:59Z", 12_345),  # the last second of Q1 in UTC
    ("2026-04-01T00:00:00Z", 50_001),  # the first of Q2
    ("2026-06-10T10:00:00Z", 47_500),
    ("2026-09-16T10:00:00Z", 33_333),
    ("2026-11-18T10:00:00Z", 61_000),
    ("2026-12-31T23:59:59Z", 10_001),
]


def _ledger_paid(contributor, since: str, until: str) -> int:
    return (
        Posting.objects.filter(
            account__kind=AccountKind.EXPERT_PAYABLE,
            account__contributor=contributor,
            entry__kind__in=[JournalKind.PAYOUT, JournalKind.PAYOUT_REVERSAL],
            entry__occurred_at__gte=since,
            entry__occurred_at__lt=until,
        ).aggregate(total=Sum("amount_minor"))["total"]
        or 0
    )


def test_the_year_quarters_and_months_are_the_ledger_sums():
    expert = make_expert(country="DE", subdivision="", timezone="Europe/Berlin")
    for moment, amount in YEAR_OF_PAY:
        pay_expert(expert, amount_minor=amount, paid_at=moment)
    pay_expert(expert, amount_minor=99_999, paid_at="2025-12-31T23:59:59Z")  # the year before

    paid = paid_in_year(year=2026)[(expert.pk, "EUR")]

    assert paid.total_minor == sum(amount for _, amount in YEAR_OF_PAY)
    assert paid.total_minor == _ledger_paid(expert, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")
    quarters = [
        ("2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z"),
        ("2026-04-01T00:00:00Z", "2026-07-01T00:00:00Z"),
        ("2026-07-01T00:00:00Z", "2026-10-01T00:00:00Z"),
        ("2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z"),
    ]
    assert [paid.quarter_paid(q) for q in (1, 2, 3, 4)] == [_ledger_paid(expert, *span) for span in quarters]
    assert [paid.quarter_paid(q) for q in (1, 2, 3, 4)] == [93_594, 97_501, 33_333, 71_001]
    assert [paid.quarter_activities(q) for q in (1, 2, 3, 4)] == [3, 2, 1, 2]
    assert paid.paid_by_month[3] == 12_345 and paid.paid_by_month[4] == 50_001


def test_a_reversal_after_the_year_end_counts_in_the_year_it_was_booked():
    expert = make_expert(country="DE", subdivision="", timezone="Europe/Berlin")
    december = pay_expert(expert, amount_minor=80_000, paid_at="2026-12-20T10:00:00Z")
    pay_expert(expert, amount_minor=20_000, paid_at="2027-01-06T10:00:00Z")
    reverse_payout(december, reversed_at="2027-01-08T10:00:00Z")

    assert paid_in_year(year=2026)[(expert.pk, "EUR")].total_minor == 80_000
    next_year = paid_in_year(year=2027)[(expert.pk, "EUR")]
    assert next_year.total_minor == 20_000 - 80_000
    assert next_year.reversed_by_month[1] == 80_000
    assert next_year.total_minor == _ledger_paid(expert, "2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z")


def test_the_summary_splits_gross_and_top_ups_and_nets_reversals():
    expert = make_expert(country="DE", subdivision="", timezone="Europe/Berlin")
    pay_expert(expert, amount_minor=50_000, topup_minor=2_500, paid_at="2026-03-04T10:00:00Z")
    second = pay_expert(expert, amount_minor=30_000, paid_at="2026-05-06T10:00:00Z")
    reverse_payout(second, reversed_at="2026-05-20T10:00:00Z")

    [summary] = earnings_summaries(contributor_id=expert.pk, year=2026)

    assert summary.currency == "EUR"
    assert summary.gross_minor == 47_500 + 30_000
    assert summary.topups_minor == 2_500
    assert summary.fees_minor == 0
    assert summary.reversed_minor == 30_000
    assert summary.paid_minor == 50_000 == _ledger_paid(expert, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")
    may = summary.months[4]
    assert (may.paid_out_minor, may.reversed_minor, may.net_minor) == (30_000, 30_000, 0)
    assert [line.gross_minor for line in summary.labs] == [77_500]


def test_thresholds_are_looked_up_by_the_date_payments_were_made():
    assert reporting_threshold(on=date(2025, 12, 31)).amount_minor == 600_00
    assert reporting_threshold(on=date(2026, 1, 1)).amount_minor == 2_000_00
    assert reporting_threshold_for_year(year=2025).amount_minor == 600_00
    threshold = reporting_threshold_for_year(year=2026)
    assert threshold.amount_minor == 2_000_00 and threshold.currency == "USD"
    assert "Public Law 119-21" in threshold.source
