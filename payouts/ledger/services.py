"""Ledger actions: every movement of money is a balanced, append-only journal entry.

Sign convention: a posting's amount is positive for a debit and negative for a credit,
so every entry sums to zero per currency (the database refuses one that does not) and an
account's balance is the sum of its postings.

Accounts and what moves through them:
- lab funding: debit Stripe clearing, credit the lab's funds held (budget + fee);
- pay accrual: debit the lab's funds held, credit the expert's payable (pay) and platform
  revenue (the fee on that pay);
- payout: debit the expert's payable, credit Stripe clearing (and the mirror image when
  Stripe reverses the transfer).

Payouts through Stripe Connect (accounts, holds, batches, sending) live in ``payouts.transfers``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from config.errors import ApplicationError
from payouts.models import (
    AccountKind,
    JournalEntry,
    JournalKind,
    LedgerAccount,
    Posting,
)


class LedgerUnbalanced(ApplicationError):
    def __init__(self, message: str):
        super().__init__(message, code="ledger_unbalanced")


@dataclass(frozen=True)
class Leg:
    account: LedgerAccount
    amount_minor: int
    currency: str


def ledger_account(*, kind: str, currency: str, lab=None, contributor=None) -> LedgerAccount:
    """The account for a kind, currency and owner, created on first use."""
    account, _ = LedgerAccount.objects.get_or_create(
        kind=kind, currency=currency.upper(), lab=lab, contributor=contributor
    )
    return account


def journal_post(
    *,
    actor: User | None,
    kind: str,
    reference: str,
    description: str,
    legs: list[Leg],
    reverses: JournalEntry | None = None,
) -> JournalEntry:
    """Write one balanced entry; posting the same reference again returns the first entry."""
    legs = [leg for leg in legs if leg.amount_minor]
    totals: dict[str, int] = defaultdict(int)
    for leg in legs:
        if leg.currency != leg.account.currency:
            raise LedgerUnbalanced(f"a {leg.currency} amount cannot post to a {leg.account.currency} account")
        totals[leg.currency] += leg.amount_minor
    off = {currency: total for currency, total in totals.items() if total}
    if not legs or off:
        raise LedgerUnbalanced(f"the entry {reference} does not balance: {off or 'no postings'}")
    with transaction.atomic():
        existing = JournalEntry.objects.filter(reference=reference).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                entry = JournalEntry.objects.create(
                    kind=kind,
                    reference=reference,
                    description=description[:300],
                    occurred_at=timezone.now(),
                    reverses=reverses,
                )
        except IntegrityError:
            return JournalEntry.objects.get(reference=reference)
        Posting.objects.bulk_create(
            [
                Posting(entry=entry, account=leg.account, amount_minor=leg.amount_minor, currency=leg.currency)
                for leg in legs
            ]
        )
        audit_record(
            actor=actor,
            action="payouts.ledger.posted",
            target=entry,
            after={
                "reference": reference,
                "kind": kind,
                "postings": [[leg.account.kind, leg.account.pk, leg.amount_minor, leg.currency] for leg in legs],
            },
        )
    return entry


def journal_reverse(
    *, actor: User | None, entry: JournalEntry, reason: str, kind: str = JournalKind.REVERSAL
) -> JournalEntry:
    """Undo an entry with its mirror image; the original stays as it was.

    ``kind`` names what is undone where reports must tell it apart: a payout taken back
    by Stripe is a ``payout_reversal``, not a correction of the pay that was accrued.
    """
    legs = [Leg(p.account, -p.amount_minor, p.currency) for p in entry.postings.select_related("account")]
    return journal_post(
        actor=actor,
        kind=kind,
        reference=f"reversal:{entry.reference}"[:100],
        description=f"Reversal of {entry.reference}: {reason}",
        legs=legs,
        reverses=entry,
    )


def ledger_post_funding(*, funding) -> JournalEntry:
    """A lab's payment arrived: Stripe holds it for us, and we hold it for the lab."""
    lab = funding.project.lab
    return journal_post(
        actor=None,
        kind=JournalKind.FUNDING,
        reference=f"funding:{funding.pk}",
        description=f"Funding of “{funding.project.title}” by {lab.name}",
        legs=[
            Leg(
                ledger_account(kind=AccountKind.STRIPE_CLEARING, currency=funding.currency),
                funding.amount_minor,
                funding.currency,
            ),
            Leg(
                ledger_account(kind=AccountKind.LAB_FUNDS_HELD, currency=funding.currency, lab=lab),
                -funding.amount_minor,
                funding.currency,
            ),
        ],
    )
