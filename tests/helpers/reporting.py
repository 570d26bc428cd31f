"""Experts paid through the year: each payout booked to the ledger as sending books it.

A year of weekly pay through the pay-run and payout services would take minutes per
test, so the rows a pay run writes (an approved run, the statement and its line) are
written here, and the payout is booked with the same ledger legs and reference as
``payouts.transfers.sending`` books a transfer Stripe confirmed (``payout:<id>``), at the
moment given; a reversal is the mirror image (``payout_reversal``), as Stripe's
``transfer.reversed`` books it.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from accounts.models import Role
from payouts.ledger.services import Leg, journal_post, journal_reverse, ledger_account
from payouts.models import (
    AccountKind,
    JournalEntry,
    JournalKind,
    PayLine,
    PayLineKind,
    Payout,
    PayoutBatch,
    PayoutBatchStatus,
    PayoutStatus,
    PayPeriod,
    PayPeriodStatus,
    PayRun,
    PayRunStatus,
    PayStatement,
)

from tests.helpers.clock import parse, travel_back, travel_to
from tests.helpers.factories import make_ops

_transfers = itertools.count(1)


def _finance_pair():
    from accounts.models import User

    preparer = User.objects.filter(email="reporting.preparer@example.com").first()
    if preparer is None:
        preparer, _ = make_ops(Role.OPS_FINANCE, email="reporting.preparer@example.com")
        make_ops(Role.OPS_FINANCE, email="reporting.approver@example.com")
    return preparer, User.objects.get(email="reporting.approver@example.com")


def _approved_run(week_start):
    preparer, approver = _finance_pair()
    period, _ = PayPeriod.objects.get_or_create(
        starts_on=week_start,
        defaults={"ends_on": week_start + timedelta(days=6), "status": PayPeriodStatus.APPROVED},
    )
    run = PayRun.objects.filter(period=period, status=PayRunStatus.APPROVED).first()
    if run is None:
        now = timezone.now()
        run = PayRun.objects.create(
            period=period,
            status=PayRunStatus.APPROVED,
            prepared_by=preparer,
            approved_by=approver,
            progress=100,
            work_read_at=now,
            finished_at=now,
            approved_at=now,
        )
    return run


def pay_expert(
    contributor, *, amount_minor: int, paid_at: str, currency: str = "EUR", topup_minor: int = 0, engagement=None
) -> Payout:
    """A week's statement of ``amount_minor`` (``topup_minor`` of it a top-up), paid at ``paid_at``."""
    moment = parse(paid_at)
    travel_to(moment)
    try:
        week_start = moment.date() - timedelta(days=moment.date().weekday() + 7)
        run = _approved_run(week_start)
        # Two payouts of one expert in one week: the earlier week's statement pays the second.
        while run.statements.filter(contributor=contributor, currency=currency).exists():
            week_start -= timedelta(days=7)
            run = _approved_run(week_start)
        pay = amount_minor - topup_minor
        statement = PayStatement.objects.create(
            run=run,
            contributor=contributor,
            currency=currency,
            country=contributor.country,
            minutes_worked=600,
            pay_minor=pay,
            floor_due_minor=0,
            topup_minor=topup_minor,
            adjustment_minor=0,
            total_minor=amount_minor,
            effective_hourly_minor=pay // 10,
        )
        PayLine.objects.create(
            statement=statement,
            kind=PayLineKind.HOURLY,
            engagement=engagement,
            description="Hourly work",
            minutes=600,
            amount_minor=pay,
        )
        if topup_minor:
            PayLine.objects.create(
                statement=statement,
                kind=PayLineKind.TOPUP,
                description="Minimum-wage top-up",
                amount_minor=topup_minor,
            )
        payable = ledger_account(kind=AccountKind.EXPERT_PAYABLE, currency=currency, contributor=contributor)
        journal_post(
            actor=None,
            kind=JournalKind.ACCRUAL,
            reference=f"accrual:test-statement:{statement.pk}",
            description="Pay accrued",
            legs=[
                Leg(ledger_account(kind=AccountKind.PLATFORM_REVENUE, currency=currency), amount_minor, currency),
                Leg(payable, -amount_minor, currency),
            ],
        )
        preparer, approver = _finance_pair()
        batch, _ = PayoutBatch.objects.get_or_create(
            run=run,
            defaults={
                "status": PayoutBatchStatus.APPROVED,
                "prepared_by": preparer,
                "approved_by": approver,
                "approved_at": timezone.now(),
            },
        )
        payout = Payout.objects.create(
            batch=batch,
            statement=statement,
            contributor=contributor,
            amount_minor=amount_minor,
            currency=currency,
            status=PayoutStatus.PAID,
            destination="acct_test",
            stripe_transfer_id=f"tr_report_{next(_transfers)}_{statement.pk}",
            paid_at=timezone.now(),
            submitted_at=timezone.now(),
        )
        journal_post(
            actor=None,
            kind=JournalKind.PAYOUT,
            reference=f"payout:{payout.pk}",
            description=f"Payout #{payout.pk}",
            legs=[
                Leg(payable, amount_minor, currency),
                Leg(ledger_account(kind=AccountKind.STRIPE_CLEARING, currency=currency), -amount_minor, currency),
            ],
        )
    finally:
        travel_back()
    return payout


def reverse_payout(payout: Payout, *, reversed_at: str) -> JournalEntry:
    """Stripe took the whole payout back at ``reversed_at``."""
    travel_to(reversed_at)
    try:
        entry = journal_reverse(
            actor=None,
            entry=JournalEntry.objects.get(reference=f"payout:{payout.pk}"),
            reason="test reversal",
            kind=JournalKind.PAYOUT_REVERSAL,
        )
        Payout.objects.filter(pk=payout.pk).update(
            status=PayoutStatus.REVERSED, amount_reversed_minor=payout.amount_minor, reversed_at=timezone.now()
        )
    finally:
        travel_back()
    return entry
