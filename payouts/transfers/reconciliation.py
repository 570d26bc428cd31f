"""Our payouts and their ledger postings against Stripe's transfers and balance transactions.

For a range of days (UTC) this reports, one line each: a payout we count as paid that
Stripe does not have, a transfer Stripe has that no payout of ours accounts for (a
duplicate included), a different amount, currency or destination, a reversal at Stripe
we have not booked (or the other way round), a balance transaction missing or moving a
different amount, a payout without its ledger posting, and a payout left submitted
longer than the sweep should allow.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone

from payouts.gateway import stripe_api as gateway
from payouts.models import AccountKind, JournalKind, Payout, PayoutStatus, Posting

logger = logging.getLogger(__name__)

# Transfers are listed this far beyond the range as well, so that a payout submitted
# just before midnight still finds the transfer Stripe dated just after it.
_MARGIN = timedelta(days=1)


@dataclass
class PayoutReconciliation:
    checked: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _describe(payout: Payout) -> str:
    return f"payout #{payout.pk} ({payout.amount_minor} {payout.currency} to {payout.destination or 'no account'})"


def _ledger_by_payout(payout_ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """What each payout's postings moved on the expert's payable: paid (debits) and reversed (credits)."""
    paid: dict[int, int] = defaultdict(int)
    reversed_: dict[int, int] = defaultdict(int)
    references = [f"payout:{pk}" for pk in payout_ids]
    postings = (
        Posting.objects.filter(account__kind=AccountKind.EXPERT_PAYABLE)
        .filter(
            Q(entry__reference__in=references)
            | Q(entry__reference__in=[f"reversal:{ref}" for ref in references])
            | Q(entry__kind=JournalKind.PAYOUT_REVERSAL, entry__reference__startswith="payout:")
        )
        .values("entry__reference", "entry__kind")
        .annotate(total=Sum("amount_minor"))
        .order_by()
    )
    wanted = set(payout_ids)
    for row in postings:
        reference, kind = row["entry__reference"], row["entry__kind"]
        payout_id = int(reference.removeprefix("reversal:").split(":")[1])
        if payout_id not in wanted:
            continue
        if kind == JournalKind.PAYOUT:
            paid[payout_id] += row["total"]
        else:
            reversed_[payout_id] -= row["total"]
    return paid, reversed_


def payouts_reconciliation(*, since: date, until: date) -> PayoutReconciliation:
    """Every difference between our payouts and Stripe for the days ``since`` to ``until``, both included."""
    start, end = _day_start(since), _day_start(until + timedelta(days=1))
    report = PayoutReconciliation()
    diff = report.differences.append

    transfers = {t.id: t for t in gateway.transfers_created_between(since=start - _MARGIN, until=end + _MARGIN)}
    by_payout: dict[str, list[gateway.Transfer]] = defaultdict(list)
    for transfer in transfers.values():
        by_payout[transfer.metadata.get("payout_id", "")].append(transfer)

    ours = list(
        Payout.objects.filter(submitted_at__gte=start, submitted_at__lt=end).select_related("statement").order_by("id")
    )
    known_transfers = {p.stripe_transfer_id for p in ours if p.stripe_transfer_id}
    paid_ledger, reversed_ledger = _ledger_by_payout([p.pk for p in ours])
    stale_before = timezone.now() - timedelta(seconds=settings.PAYOUT_SWEEP_AFTER_SECONDS)

    for payout in ours:
        at_stripe = by_payout.get(str(payout.pk), [])
        if payout.status in (PayoutStatus.PAID, PayoutStatus.REVERSED):
            transfer = transfers.get(payout.stripe_transfer_id)
            if transfer is None:
                transfer = gateway.transfer_lookup(payout.stripe_transfer_id)
                if transfer is None:
                    diff(
                        f"{_describe(payout)}: {payout.status} with us, transfer {payout.stripe_transfer_id} missing at Stripe"
                    )
                    continue
            if (transfer.amount_minor, transfer.currency, transfer.destination) != (
                payout.amount_minor,
                payout.currency,
                payout.destination,
            ):
                diff(
                    f"{_describe(payout)}: transfer {transfer.id} at Stripe is {transfer.amount_minor} "
                    f"{transfer.currency} to {transfer.destination}"
                )
            if transfer.metadata.get("payout_id") != str(payout.pk):
                diff(f"{_describe(payout)}: transfer {transfer.id} names payout {transfer.metadata.get('payout_id')!r}")
            if transfer.amount_reversed_minor > payout.amount_reversed_minor:
                diff(
                    f"{_describe(payout)}: {transfer.amount_reversed_minor} reversed at Stripe "
                    f"({transfer.id}), {payout.amount_reversed_minor} with us"
                )
            elif transfer.amount_reversed_minor < payout.amount_reversed_minor:
                diff(
                    f"{_describe(payout)}: {payout.amount_reversed_minor} reversed with us, "
                    f"{transfer.amount_reversed_minor} at Stripe ({transfer.id})"
                )
            if paid_ledger.get(payout.pk, 0) != payout.amount_minor:
                diff(
                    f"{_describe(payout)}: ledger posting missing or wrong: expert payable debited "
                    f"{paid_ledger.get(payout.pk, 0)}, paid {payout.amount_minor}"
                )
            if reversed_ledger.get(payout.pk, 0) != payout.amount_reversed_minor:
                diff(
                    f"{_describe(payout)}: reversal posting missing or wrong: expert payable credited "
                    f"{reversed_ledger.get(payout.pk, 0)}, reversed {payout.amount_reversed_minor}"
                )
        elif payout.status == PayoutStatus.SUBMITTED:
            if at_stripe:
                if payout.last_attempt_at is None or payout.last_attempt_at <= stale_before:
                    diff(f"{_describe(payout)}: still submitted with us, transfer {at_stripe[0].id} exists at Stripe")
            elif payout.last_attempt_at is None or payout.last_attempt_at <= stale_before:
                diff(f"{_describe(payout)}: submitted {payout.submitted_at:%Y-%m-%d %H:%M} UTC and never settled")
        elif at_stripe:
            diff(f"{_describe(payout)}: {payout.status} with us, but transfer {at_stripe[0].id} exists at Stripe")
        if paid_ledger.get(payout.pk) and payout.status not in (PayoutStatus.PAID, PayoutStatus.REVERSED):
            diff(f"{_describe(payout)}: {payout.status} with us, yet the ledger shows it paid")

    # Transfers in the range that none of our payouts accounts for.
    in_range = {tid: t for tid, t in transfers.items() if start <= t.created < end}
    unexplained = [t for tid, t in in_range.items() if tid not in known_transfers]
    if unexplained:
        named = {
            p.pk: p
            for p in Payout.objects.filter(
                pk__in=[int(t.metadata["payout_id"]) for t in unexplained if t.metadata.get("payout_id", "").isdigit()]
            )
        }
        for transfer in sorted(unexplained, key=lambda t: t.created):
            payout_id = transfer.metadata.get("payout_id", "")
            payout = named.get(int(payout_id)) if payout_id.isdigit() else None
            what = f"transfer {transfer.id} ({transfer.amount_minor} {transfer.currency} to {transfer.destination})"
            if payout is None:
                diff(f"{what}: unknown at Stripe, no payout of ours " + (f"#{payout_id}" if payout_id else "named"))
            elif payout.stripe_transfer_id == transfer.id:
                continue  # recorded; judged with the range its payout was submitted in
            elif payout.stripe_transfer_id:
                diff(
                    f"{what}: a second transfer for payout #{payout.pk}, which was paid by {payout.stripe_transfer_id}"
                )
            elif payout.submitted_at is not None and start <= payout.submitted_at < end:
                continue  # judged with the payout above
            else:
                diff(f"{what}: payout #{payout.pk} is {payout.status} with us and was not submitted in this range")

    # Balance transactions: every transfer of ours moved the platform's balance by its amount.
    moved = {
        line.source: line
        for line in gateway.balance_transactions_between(since=start - _MARGIN, until=end + _MARGIN, kind="transfer")
    }
    for payout in ours:
        if payout.status not in (PayoutStatus.PAID, PayoutStatus.REVERSED):
            continue
        line = moved.get(payout.stripe_transfer_id)
        if line is None:
            diff(f"{_describe(payout)}: no balance transaction for transfer {payout.stripe_transfer_id}")
        elif (line.amount_minor, line.currency) != (-payout.amount_minor, payout.currency):
            diff(
                f"{_describe(payout)}: balance transaction {line.id} moved {line.amount_minor} {line.currency}, "
                f"not {-payout.amount_minor} {payout.currency}"
            )
    refunds = gateway.balance_transactions_between(since=start, until=end, kind="transfer_refund")
    reversed_payouts = {
        p.stripe_transfer_id: p
        for p in Payout.objects.filter(stripe_transfer_id__in=[line.reversed_transfer for line in refunds])
    }
    for line in refunds:
        payout = reversed_payouts.get(line.reversed_transfer)
        if payout is None:
            diff(
                f"balance transaction {line.id}: reversal {line.source} of {line.reversed_transfer or 'a transfer'}, no payout of ours"
            )
        elif payout.amount_reversed_minor == 0:
            diff(f"{_describe(payout)}: reversal {line.source} at Stripe ({line.amount_minor}), not booked with us")

    report.checked = [
        f"range {since} to {until} (UTC)",
        f"payouts submitted in range: {len(ours)}",
        f"transfers at Stripe in range: {len(in_range)}",
    ]
    return report


# --- task (registered under payouts.tasks for the worker and the queue routes) -----------


@shared_task(name="payouts.tasks.payouts_reconcile_task")
def payouts_reconcile_task() -> int:
    """Yesterday and today against Stripe; operations finance are mailed any difference."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import NoticeKind, Role, User
    from accounts.notifications import notify_after_commit
    from payouts.transfers.reconciliation import payouts_reconciliation

    today = timezone.now().date()
    report = payouts_reconciliation(since=today - timedelta(days=1), until=today)
    if report.differences:
        logger.error("Payout reconciliation found %d difference(s)", len(report.differences))
        notify_after_commit(
            kind=NoticeKind.OPERATIONS,
            link=reverse("ops-payout-batches"),
            recipients=User.objects.filter(role=Role.OPS_FINANCE, is_active=True),
            subject=f"Payout reconciliation: {len(report.differences)} difference(s) with Stripe",
            body="\n".join(report.differences),
        )
    return len(report.differences)
