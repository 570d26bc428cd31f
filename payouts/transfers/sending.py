"""Sending one payout to Stripe, and what Stripe tells us about it afterwards.

See ``payouts.transfers.batches`` for the states a payout moves through.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind, User
from accounts.notifications import notify_after_commit
from accounts.permissions import require_ops_finance
from audit.services import audit_record
from config.errors import ApplicationError, Conflict
from payouts import money
from payouts.gateway import stripe_api as gateway
from payouts.gateway.stripe_api import PaymentProviderUnavailable
from payouts.ledger.services import Leg, journal_post, journal_reverse, ledger_account
from payouts.models import (
    AccountKind,
    JournalEntry,
    JournalKind,
    Payout,
    PayoutAccount,
    PayoutBatchStatus,
    PayoutHold,
    PayoutHoldReason,
    PayoutStatus,
)
from payouts.transfers.carry import CarryReason, carry_reason, hold_detail
from payouts.transfers.compliance import compliance_blocks
from payouts.transfers.states import payout_move
from payouts.transfers.throttle import stripe_request_slot

logger = logging.getLogger(__name__)


def _key_may_be_forgotten(payout: Payout) -> bool:
    age = timezone.now() - payout.submitted_at
    return age >= timedelta(hours=settings.PAYOUT_IDEMPOTENCY_KEY_SAFE_HOURS)


def _transfer_metadata(payout: Payout) -> dict[str, str]:
    return {
        "payout_id": str(payout.pk),
        "statement_id": str(payout.statement_id),
        "pay_run_id": str(payout.statement.run_id),
    }


def _hold_at_send(payout: Payout, account: PayoutAccount | None) -> CarryReason | None:
    """A hold placed, a legal requirement unmet, or an account Stripe stopped clearing, since the batch was made."""
    hold = PayoutHold.objects.get(pk=payout.active_hold_id) if payout.active_hold_id is not None else None
    blocked = compliance_blocks(contributor_ids=[payout.contributor_id], on=timezone.now().date())
    return carry_reason(hold=hold, account=account, blocked=blocked.get(payout.contributor_id))


def _payout_ledger_legs(payout: Payout, amount_minor: int) -> list[Leg]:
    return [
        Leg(
            ledger_account(kind=AccountKind.EXPERT_PAYABLE, currency=payout.currency, contributor=payout.contributor),
            amount_minor,
            payout.currency,
        ),
        Leg(ledger_account(kind=AccountKind.STRIPE_CLEARING, currency=payout.currency), -amount_minor, payout.currency),
    ]


def _check_transfer_is_this_payout(payout: Payout, transfer: gateway.Transfer) -> None:
    expected = (payout.amount_minor, payout.currency, payout.destination, str(payout.pk))
    found = (transfer.amount_minor, transfer.currency, transfer.destination, transfer.metadata.get("payout_id"))
    if expected != found:
        raise ApplicationError(
            f"Transfer {transfer.id} is {found[0]} {found[1]} to {found[2]} for payout {found[3]}, not payout "
            f"#{payout.pk}'s {expected[0]} {expected[1]} to {expected[2]}.",
            code="transfer_mismatch",
        )


def _mark_paid(payout: Payout, transfer: gateway.Transfer) -> None:
    """Record the transfer and book it: debit the expert's payable, credit Stripe clearing."""
    _check_transfer_is_this_payout(payout, transfer)
    payout_move(payout, PayoutStatus.PAID)
    payout.stripe_transfer_id = transfer.id
    payout.paid_at = timezone.now()
    payout.last_error = ""
    payout.save(update_fields=["status", "stripe_transfer_id", "paid_at", "last_error"])
    entry = journal_post(
        actor=None,
        kind=JournalKind.PAYOUT,
        reference=f"payout:{payout.pk}",
        description=f"Payout #{payout.pk} to {payout.contributor} ({transfer.id})",
        legs=_payout_ledger_legs(payout, payout.amount_minor),
    )
    audit_record(
        actor=None,
        action="payouts.payout.paid",
        target=payout,
        before={"status": PayoutStatus.SUBMITTED},
        after={
            "status": payout.status,
            "transfer": transfer.id,
            "amount_minor": payout.amount_minor,
            "currency": payout.currency,
            "attempts": payout.attempts,
            "journal_entry": entry.pk,
        },
    )


def _mark_failed(payout: Payout, refusal: gateway.TransferRefused) -> None:
    payout_move(payout, PayoutStatus.FAILED)
    payout.failed_at = timezone.now()
    payout.failure_code = refusal.stripe_code[:100]
    payout.failure_message = refusal.message[:500]
    payout.save(update_fields=["status", "failed_at", "failure_code", "failure_message"])
    audit_record(
        actor=None,
        action="payouts.payout.failed",
        target=payout,
        before={"status": PayoutStatus.SUBMITTED},
        after={"status": payout.status, "failure_code": payout.failure_code, "failure_message": payout.failure_message},
    )
    notify_after_commit(
        kind=NoticeKind.PAY,
        link=reverse("expert-payouts"),
        recipients=[payout.contributor.user],
        subject="We could not send your pay",
        body=f"Stripe refused the transfer of {money.format_money(payout.amount_minor, payout.currency)}: "
        f"{payout.failure_message}\nYour pay is kept; operations will send it again once this is resolved.",
    )


def payout_send(*, payout_id: int) -> Payout:
    """Send one payout, or find out what became of an earlier attempt; does nothing once it is settled.

    Raises ``PaymentProviderUnavailable`` when Stripe's answer is unknown or transient;
    the payout stays ``submitted`` and the caller tries again later with the same key.
    """
    active_hold = PayoutHold.objects.filter(contributor_id=OuterRef("contributor_id"), released_at__isnull=True)
    # Both transactions must be the outermost: "submitted" is committed before Stripe is
    # called, and the second holds the row lock through the call and commits its outcome.
    with transaction.atomic(durable=True):
        # One query: the payout (locked), its batch, the expert's account and any hold in force.
        payout = (
            Payout.objects.select_for_update(of=("self",))
            .select_related("batch", "contributor__payout_account")
            .annotate(active_hold_id=Subquery(active_hold.values("pk")[:1]))
            .get(pk=payout_id)
        )
        if payout.status not in (PayoutStatus.PENDING, PayoutStatus.SUBMITTED):
            return payout
        if payout.batch.status != PayoutBatchStatus.APPROVED:
            return payout
        now = timezone.now()
        if payout.status == PayoutStatus.PENDING:
            account = getattr(payout.contributor, "payout_account", None)
            reason = _hold_at_send(payout, account)
            if reason is not None:
                payout_move(payout, PayoutStatus.HELD)
                payout.hold_reason, payout.hold_detail, payout.hold = reason
                payout.save(update_fields=["status", "hold_reason", "hold_detail", "hold"])
                audit_record(
                    actor=None,
                    action="payouts.payout.held",
                    target=payout,
                    before={"status": PayoutStatus.PENDING},
                    after={"status": payout.status, "hold_reason": payout.hold_reason},
                    reason=payout.hold_detail,
                )
                return payout
            payout_move(payout, PayoutStatus.SUBMITTED)
            payout.submitted_at = now
            payout.destination = account.stripe_account_id
        payout.attempts += 1
        payout.last_attempt_at = now
        payout.save(update_fields=["status", "submitted_at", "destination", "attempts", "last_attempt_at"])

    stripe_request_slot()
    unknown_outcome: gateway.PaymentProviderUnavailable | None = None
    with transaction.atomic(durable=True):
        payout = (
            Payout.objects.select_for_update(of=("self",))
            .select_related("statement__run__period", "contributor__user")
            .get(pk=payout_id)
        )
        if payout.status != PayoutStatus.SUBMITTED:
            return payout
        try:
            transfer = None
            if _key_may_be_forgotten(payout):
                transfer = gateway.transfer_find(
                    transfer_group=payout.transfer_group,
                    destination=payout.destination,
                    metadata={"payout_id": str(payout.pk)},
                )
            if transfer is None:
                transfer = gateway.transfer_create(
                    amount_minor=payout.amount_minor,
                    currency=payout.currency,
                    destination=payout.destination,
                    transfer_group=payout.transfer_group,
                    description=f"Pay for the week of {payout.statement.run.period.starts_on}",
                    metadata=_transfer_metadata(payout),
                    idempotency_key=payout.idempotency_key,
                )
        except gateway.TransferRefused as refusal:
            _mark_failed(payout, refusal)
        except gateway.PaymentProviderUnavailable as exc:
            unknown_outcome = exc
            payout.last_error = exc.message[:500]
            payout.save(update_fields=["last_error"])
        else:
            _mark_paid(payout, transfer)
    if unknown_outcome is not None:
        raise unknown_outcome
    return payout


# --- what Stripe tells us (webhooks re-read the transfer first) ----------------------


def _payout_of_transfer(transfer: gateway.Transfer) -> Payout | None:
    payout_id = transfer.metadata.get("payout_id", "")
    if not payout_id.isdigit():
        return None
    return (
        Payout.objects.select_for_update(of=("self",))
        .select_related("statement__run__period", "contributor__user")
        .filter(pk=int(payout_id))
        .first()
    )


def _unexpected_transfer(payout: Payout, transfer: gateway.Transfer) -> None:
    # Left for reconciliation to report: marking it paid could pay a retried payout twice.
    logger.error(
        "Transfer %s names payout #%s, which is %s with transfer %s; reconciliation will report it",
        transfer.id,
        payout.pk,
        payout.status,
        payout.stripe_transfer_id or "none",
    )


def payout_confirm_from_provider(*, transfer_id: str) -> Payout | None:
    """``transfer.created``: a submitted payout whose answer was lost is paid after all."""
    transfer = gateway.transfer_retrieve(transfer_id)
    with transaction.atomic():
        payout = _payout_of_transfer(transfer)
        if payout is None:
            return None
        if payout.status == PayoutStatus.SUBMITTED:
            _mark_paid(payout, transfer)
        elif payout.stripe_transfer_id != transfer.id:
            _unexpected_transfer(payout, transfer)
    return payout


def payout_reverse_from_provider(*, transfer_id: str) -> Payout | None:
    """``transfer.reversed``: book what Stripe took back, and let operations pay it again.

    A full reversal posts the mirror image of the payout's entry; a partial one posts the
    part reversed since the last time. Events may come late or out of order: the amounts
    come from the transfer as Stripe has it now.
    """
    transfer = gateway.transfer_retrieve(transfer_id)
    with transaction.atomic():
        payout = _payout_of_transfer(transfer)
        if payout is None:
            return None
        if payout.status == PayoutStatus.SUBMITTED:
            _mark_paid(payout, transfer)
        if payout.status not in (PayoutStatus.PAID, PayoutStatus.REVERSED) or payout.stripe_transfer_id != transfer.id:
            _unexpected_transfer(payout, transfer)
            return payout
        newly_reversed = transfer.amount_reversed_minor - payout.amount_reversed_minor
        if newly_reversed <= 0:
            return payout
        reason = (
            f"transfer {transfer.id} reversed at Stripe ({transfer.amount_reversed_minor} of {transfer.amount_minor})"
        )
        if payout.amount_reversed_minor == 0 and transfer.amount_reversed_minor == payout.amount_minor:
            entry = journal_reverse(
                actor=None,
                entry=JournalEntry.objects.get(reference=f"payout:{payout.pk}"),
                reason=reason,
                kind=JournalKind.PAYOUT_REVERSAL,
            )
        else:
            legs = _payout_ledger_legs(payout, -newly_reversed)
            entry = journal_post(
                actor=None,
                kind=JournalKind.PAYOUT_REVERSAL,
                reference=f"payout:{payout.pk}:reversed-to:{transfer.amount_reversed_minor}",
                description=f"Part of payout #{payout.pk}: {reason}",
                legs=legs,
            )
        before = {"status": payout.status, "amount_reversed_minor": payout.amount_reversed_minor}
        payout_move(payout, PayoutStatus.REVERSED)
        payout.amount_reversed_minor = transfer.amount_reversed_minor
        payout.reversed_at = timezone.now()
        payout.save(update_fields=["status", "amount_reversed_minor", "reversed_at"])
        audit_record(
            actor=None,
            action="payouts.payout.reversed",
            target=payout,
            before=before,
            after={
                "status": payout.status,
                "amount_reversed_minor": payout.amount_reversed_minor,
                "journal_entry": entry.pk,
            },
            reason=reason,
        )
        notify_after_commit(
            kind=NoticeKind.PAY,
            link=reverse("expert-payouts"),
            recipients=[payout.contributor.user],
            subject="A payout was reversed",
            body=f"{money.format_money(newly_reversed, payout.currency)} of a payout to you was taken back at Stripe. "
            "It is owed to you again; operations will look into it and pay it with a later batch.",
        )
    return payout


def payout_retry(*, actor: User, payout: Payout) -> Payout:
    """Pay a failed payout, or what a reversal took back, again: a new payout, held for the next batch.

    A new payout has a new idempotency key; the old one would only replay the refusal.
    The next batch, approved by a second person, takes it over and sends it.
    """
    require_ops_finance(actor, to="retries payouts")
    with transaction.atomic():
        payout = Payout.objects.select_for_update(of=("self",)).select_related("contributor").get(pk=payout.pk)
        if payout.status not in (PayoutStatus.FAILED, PayoutStatus.REVERSED):
            raise ApplicationError(
                f"A payout that is {payout.get_status_display().lower()} is not retried; only a failed or reversed one.",
                code="illegal_transition",
            )
        if Payout.objects.filter(replaces=payout).exists():
            raise Conflict("This payout has already been sent again.", code="payout_retried")
        amount = payout.amount_minor if payout.status == PayoutStatus.FAILED else payout.amount_reversed_minor
        retry = Payout.objects.create(
            batch=payout.batch,
            statement=payout.statement,
            contributor=payout.contributor,
            amount_minor=amount,
            currency=payout.currency,
            status=PayoutStatus.HELD,
            hold_reason=PayoutHoldReason.RETRY,
            hold_detail=hold_detail(PayoutHoldReason.RETRY),
            replaces=payout,
        )
        audit_record(
            actor=actor,
            action="payouts.payout.retried",
            target=retry,
            after={"replaces": payout.pk, "amount_minor": amount, "currency": payout.currency},
        )
    return retry


# --- tasks (registered under payouts.tasks for the worker and the queue routes) ----------


def _backoff_seconds(retries: int) -> float:
    base = settings.PAYOUT_RETRY_BACKOFF_SECONDS * 2**retries
    # Jitter, so that payouts throttled together do not come back together.
    return min(settings.PAYOUT_RETRY_BACKOFF_MAX_SECONDS, base) * random.uniform(0.5, 1.0)


@shared_task(name="payouts.tasks.payout_send_task", acks_late=True)
def payout_send_task(payout_id: int, retries: int = 0) -> str:
    """Send one payout; on a transient failure, queue it again after a backoff (same payout, same key).

    The task is only the messenger: the payout row says what is left to do, so a task run
    twice does nothing the second time, and a task lost (or out of retries) is made up
    for by the sweep. The next try is a new message rather than a Celery retry, so that
    this one always ends cleanly, whoever called it.
    """
    try:
        return payout_send(payout_id=payout_id).status
    except PaymentProviderUnavailable:
        if retries >= settings.PAYOUT_SEND_MAX_RETRIES:
            logger.warning("Payout #%s still unsettled after %d retries; the sweep takes it on", payout_id, retries)
            return "submitted"
        payout_send_task.apply_async(args=[payout_id, retries + 1], countdown=_backoff_seconds(retries))
        return "retrying"
