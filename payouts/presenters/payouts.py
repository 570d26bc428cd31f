"""Payouts for experts and operations: the payouts with the week and reason behind each, and a
batch's progress (counts by status, how far sending has got, amounts per currency)."""

from __future__ import annotations

from dataclasses import dataclass

from payouts.models import Payout, PayoutBatch, PayoutBatchStatus, PayoutStatus
from payouts.templatetags.money import money
from payouts.transfers.selectors import payout_batch_progress, payout_reason, payouts_sent_again

from .labels import week_label

# Statuses in the order a payout moves through them, for the batch's counts.
STATUS_ORDER = [
    PayoutStatus.PENDING,
    PayoutStatus.SUBMITTED,
    PayoutStatus.PAID,
    PayoutStatus.FAILED,
    PayoutStatus.REVERSED,
    PayoutStatus.HELD,
]
# What still has to go out, or went out, of a batch: everything but the failed, reversed and held.
DUE_STATUSES = (PayoutStatus.PENDING, PayoutStatus.SUBMITTED, PayoutStatus.PAID)
# What the expert is told to do next, by where their account stands.
ONBOARDING_BUTTON = {
    "not_started": "Set up payouts with Stripe",
    "onboarding": "Continue setting up with Stripe",
    "verifying": "Check my details with Stripe",
    "restricted": "Give Stripe what it needs",
    "active": "Update my payout details with Stripe",
}
ACCOUNT_STATUS_LABEL = {
    "not_started": "Not set up",
    "onboarding": "Setting up",
    "verifying": "Being verified",
    "restricted": "Needs information",
    "active": "Ready",
}


@dataclass(frozen=True)
class PayoutRow:
    """A payout in a list; its amount is ``payout.amount_minor`` in ``payout.currency``."""

    payout: Payout
    week: str
    reason: str
    retried: bool


def payout_rows(payouts) -> list[PayoutRow]:
    payouts = list(payouts)
    retried = payouts_sent_again(payout_ids=[payout.pk for payout in payouts])
    return [
        PayoutRow(
            payout=payout,
            week=week_label(payout.statement.run.period),
            reason=payout_reason(payout),
            retried=payout.pk in retried,
        )
        for payout in payouts
    ]


def payout_retry_message(*, retry: Payout, payout: Payout) -> str:
    """The success message once a failed payout is queued again (a message has no template)."""
    return (
        f"{money(retry.amount_minor, retry.currency)} for {payout.contributor.display_name} will be "
        "sent again with the next payout batch, once a second person approves it."
    )


@dataclass(frozen=True)
class CurrencyAmounts:
    """A batch's amounts in one currency, in minor units."""

    currency: str
    due_minor: int
    sent_minor: int
    held_minor: int
    failed_minor: int

    def as_json(self) -> dict:
        # The progress endpoint answers text the page shows as it is.
        return {
            "currency": self.currency,
            "due": money(self.due_minor, self.currency),
            "sent": money(self.sent_minor, self.currency),
            "held": money(self.held_minor, self.currency),
            "failed": money(self.failed_minor, self.currency),
        }


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class HeldReason:
    reason: str
    label: str
    count: int


@dataclass(frozen=True)
class BatchProgress:
    batch: PayoutBatch
    line: str
    # "Approved: sending" stops being true once every payout due has finished.
    status_label: str
    counts: list[StatusCount]
    count_by_status: dict[str, int]
    total: int
    percent: int
    done: bool
    retrying: int
    held_by_reason: list[HeldReason]
    carried_on: int
    amounts: list[CurrencyAmounts]

    def as_json(self) -> dict:
        """What the batch page's script polls (``static/js/live-progress.js``)."""
        return {
            "status": self.batch.status,
            "finished": self.done,
            "percent": self.percent,
            "line": self.line,
            "done": self.done,
            "retrying": self.retrying,
            "counts": self.count_by_status,
            "amounts": [amounts.as_json() for amounts in self.amounts],
        }


def batch_progress(batch: PayoutBatch, figures: dict | None = None) -> BatchProgress:
    """The batch's live figures from ``payout_batch_progress`` (or ``figures``, fetched with others')."""
    figures = figures or payout_batch_progress(batch=batch)
    counts = figures["counts"]
    to_send = sum(counts.values()) - counts[PayoutStatus.HELD]
    finished = counts[PayoutStatus.PAID] + counts[PayoutStatus.FAILED] + counts[PayoutStatus.REVERSED]
    # A draft has sent nothing; an approved batch with nothing to send is finished.
    percent = 0 if batch.status == PayoutBatchStatus.DRAFT else (finished * 100 // to_send if to_send else 100)
    line = f"{percent}% of the payouts due are finished"
    if figures["retrying"]:
        line += f" · {figures['retrying']} being retried after a temporary error"
    return BatchProgress(
        batch=batch,
        line=line,
        status_label="Approved: sending finished" if figures["done"] else batch.get_status_display(),
        counts=[StatusCount(status, PayoutStatus(status).label, counts[status]) for status in STATUS_ORDER],
        count_by_status=counts,
        total=sum(counts.values()),
        percent=percent,
        done=figures["done"],
        retrying=figures["retrying"],
        held_by_reason=[
            HeldReason(reason, label, figures["held_by_reason"][reason])
            for reason, label in Payout._meta.get_field("hold_reason").choices
            if figures["held_by_reason"].get(reason)
        ],
        carried_on=figures["carried_on"],
        amounts=[
            CurrencyAmounts(
                currency=currency,
                due_minor=sum(by_status[status] for status in DUE_STATUSES),
                sent_minor=by_status["sent"],
                held_minor=by_status[PayoutStatus.HELD],
                failed_minor=by_status[PayoutStatus.FAILED],
            )
            for currency, by_status in sorted(figures["amounts_minor"].items())
        ],
    )
