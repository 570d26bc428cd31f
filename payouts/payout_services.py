"""Payouts through Stripe Connect: payout accounts, holds, batches, and sending each payout.

A payout moves through these states (every move under a lock on its row):

    held ──(its reason has cleared when a later batch is made: taken over)──> pending
    pending ──(a hold placed, or the account restricted, before it left)──> held
    pending ──(send: committed before Stripe is called)──> submitted
    submitted ──(transfer created, or found again)──> paid ──(transfer reversed)──> reversed
    submitted ──(Stripe refuses with a 4xx: nothing moved)──> failed
    failed | reversed ──(operations retry)──> a new payout, held until the next batch

Never twice: Stripe's idempotency key is the payout's own id (``payout:<id>``), and the
payout is ``submitted`` in a transaction of its own before Stripe is called. Whatever
happens after that (a timeout, a 500, the worker killed), a later attempt knows a
transfer may exist and repeats the same request with the same key, or, once Stripe may
have forgotten the key, first looks for the transfer by transfer group and metadata.
Concurrent attempts at one payout take turns on its row lock, so only one talks to
Stripe at a time.

Never lost: the payouts are rows written with their batch; approving the batch is what
makes them due. Celery tasks only carry the news: the sweep (``payouts_sweep``) queues
again anything pending or submitted that has gone quiet, and queues big batches a slice
at a time as the rate limit lets them out.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import Role, User
from accounts.notifications import notify_after_commit
from audit.services import audit_record
from config.errors import ApplicationError, Conflict, NotPermitted
from contributors.models import Contributor

from . import money
from . import stripe_gateway as gateway
from .models import (
    AccountKind,
    JournalEntry,
    Payout,
    PayoutAccount,
    PayoutBatch,
    PayoutBatchStatus,
    PayoutHold,
    PayoutHoldReason,
    PayoutStatus,
    PayPeriod,
    PayPeriodStatus,
    PayRun,
    PayRunStatus,
)
from .services import Leg, journal_post, journal_reverse, ledger_account
from .throttle import stripe_request_slot

logger = logging.getLogger(__name__)

__all__ = [
    "payout_account_onboarding_link",
    "payout_account_sync",
    "payout_batch_approve",
    "payout_batch_create",
    "payout_batch_dispatch",
    "payout_confirm_from_provider",
    "payout_hold_place",
    "payout_hold_release",
    "payout_retry",
    "payout_reverse_from_provider",
    "payout_send",
    "payouts_sweep",
]


def _require_finance(actor: User, what: str) -> None:
    if actor.role != Role.OPS_FINANCE:
        raise NotPermitted(f"Only operations finance {what}.")


def payout_minimum_minor(currency: str) -> int:
    minimums = settings.PAYOUT_MINIMUM_MINOR
    return int(minimums.get(currency.upper(), minimums["default"]))


# --- payout accounts -----------------------------------------------------------------


def _apply_remote_account(account: PayoutAccount, remote: gateway.ConnectedAccount) -> dict:
    """Copy Stripe's view of the account onto our row; returns the fields that changed, as they were."""
    values = {
        "country": remote.country or account.country,
        "default_currency": remote.default_currency,
        "transfers_capability": remote.transfers_capability,
        "details_submitted": remote.details_submitted,
        "payouts_enabled": remote.payouts_enabled,
        "requirements_due": list(remote.requirements_due),
        "pending_verification": list(remote.pending_verification),
        "disabled_reason": remote.disabled_reason,
        "current_deadline": remote.current_deadline,
    }
    before = {name: getattr(account, name) for name, value in values.items() if getattr(account, name) != value}
    for name, value in values.items():
        setattr(account, name, value)
    account.synced_at = timezone.now()
    return before


def payout_account_onboarding_link(
    *, actor: User, contributor: Contributor, return_url: str, refresh_url: str
) -> gateway.AccountLink:
    """The expert's Express account (created on first use) and a fresh, single-use onboarding link."""
    if contributor.user_id != actor.pk:
        raise NotPermitted("Only the expert sets up their own payout account.")
    with transaction.atomic():
        # The profile's row serialises two first clicks, so one account is created.
        contributor = Contributor.objects.select_for_update(of=("self",)).select_related("user").get(pk=contributor.pk)
        account = PayoutAccount.objects.filter(contributor=contributor).first()
        if account is None:
            remote = gateway.connected_account_create(
                country=contributor.country,
                email=contributor.user.email,
                contributor_id=contributor.pk,
                idempotency_key=f"payout-account:{contributor.pk}",
            )
            account = PayoutAccount(contributor=contributor, stripe_account_id=remote.id, country=remote.country)
            _apply_remote_account(account, remote)
            account.save()
            audit_record(
                actor=actor,
                action="payouts.payout_account.created",
                target=account,
                after={"stripe_account": remote.id, "transfers": remote.transfers_capability},
            )
    return gateway.account_link_create(
        account_id=account.stripe_account_id, refresh_url=refresh_url, return_url=return_url
    )


def payout_account_sync(*, stripe_account_id: str) -> PayoutAccount | None:
    """Bring our copy of a connected account up to date from Stripe (``account.updated``).

    The account is re-read while its row is locked, so of two syncs the later one always
    writes the later state. Returns None for an account that is not one of ours.
    """
    from .selectors import payout_account_in_words

    with transaction.atomic():
        account = (
            PayoutAccount.objects.select_for_update()
            .select_related("contributor__user")
            .filter(stripe_account_id=stripe_account_id)
            .first()
        )
        if account is None:
            return None
        was_ready = account.can_receive_transfers
        before = _apply_remote_account(account, gateway.connected_account_retrieve(stripe_account_id))
        account.save()
        if not before:
            return account
        audit_record(
            actor=None,
            action="payouts.payout_account.updated",
            target=account,
            before=before,
            after={name: getattr(account, name) for name in before},
        )
        words = payout_account_in_words(account=account)
        if account.can_receive_transfers and not was_ready:
            notify_after_commit(
                recipients=[account.contributor.user],
                subject="Your payout account is ready",
                body="Stripe has verified your payout account. Your pay is sent to it with each weekly payout batch.",
            )
        elif was_ready and not account.can_receive_transfers:
            missing = "\n".join(f"- {item}" for item in words.requirements_due) or f"- {words.summary}"
            notify_after_commit(
                recipients=[account.contributor.user],
                subject="Stripe needs more from you before it can pay you",
                body=f"Your payout account can no longer receive transfers. What is missing:\n{missing}\n"
                "Your pay is kept and carried forward until this is done.",
            )
    return account


# --- holds ---------------------------------------------------------------------------


def payout_hold_place(*, actor: User, contributor: Contributor, reason: str, review_by: date) -> PayoutHold:
    """Withhold an expert's payouts, with a reason they are shown and a date to review it by.

    Payouts not yet on their way are held at once; one already submitted to Stripe is
    left to finish (it may already exist there). Earned pay is never dropped: held
    payouts are carried forward and paid once the hold is released.
    """
    _require_finance(actor, "places payout holds")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "A hold needs a reason.", code="reason_required", fields={"reason": ["Say why pay is held."]}
        )
    if review_by <= timezone.now().date():
        raise ApplicationError(
            "The review date must be in the future.",
            code="invalid",
            fields={"review_by": ["Choose a date after today."]},
        )
    with transaction.atomic():
        contributor = Contributor.objects.select_for_update(of=("self",)).select_related("user").get(pk=contributor.pk)
        if PayoutHold.objects.filter(contributor=contributor, released_at__isnull=True).exists():
            raise Conflict("This expert's payouts are already on hold.", code="hold_exists")
        hold = PayoutHold.objects.create(contributor=contributor, reason=reason, review_by=review_by, placed_by=actor)
        held = list(
            Payout.objects.select_for_update()
            .filter(contributor=contributor, status=PayoutStatus.PENDING)
            .order_by("id")
        )
        detail = _hold_detail(PayoutHoldReason.ON_HOLD, hold=hold)
        for payout in held:
            payout.status = PayoutStatus.HELD
            payout.hold_reason = PayoutHoldReason.ON_HOLD
            payout.hold_detail = detail
            payout.hold = hold
        Payout.objects.bulk_update(held, ["status", "hold_reason", "hold_detail", "hold"])
        audit_record(
            actor=actor,
            action="payouts.hold.placed",
            target=hold,
            after={"contributor": contributor.pk, "review_by": review_by, "payouts_held": [p.pk for p in held]},
            reason=reason,
        )
        notify_after_commit(
            recipients=[contributor.user],
            subject="Your payouts are on hold",
            body=f"Operations have put your payouts on hold: {reason}\n"
            f"It will be reviewed by {review_by:%d %B %Y}. Your pay is kept and carried forward; "
            "nothing you have earned is lost.",
        )
    return hold


def payout_hold_release(*, actor: User, hold: PayoutHold, note: str = "") -> PayoutHold:
    """Lift a hold; the payouts it held go out with the next batch."""
    _require_finance(actor, "releases payout holds")
    with transaction.atomic():
        hold = PayoutHold.objects.select_for_update().select_related("contributor__user").get(pk=hold.pk)
        if hold.released_at is not None:
            raise ApplicationError("This hold was already released.", code="illegal_transition")
        hold.released_at = timezone.now()
        hold.released_by = actor
        hold.release_note = (note or "").strip()[:500]
        hold.save(update_fields=["released_at", "released_by", "release_note"])
        audit_record(
            actor=actor,
            action="payouts.hold.released",
            target=hold,
            before={"released_at": None},
            after={"released_at": hold.released_at},
            reason=hold.release_note,
        )
        notify_after_commit(
            recipients=[hold.contributor.user],
            subject="The hold on your payouts is lifted",
            body="Your held pay goes out with the next weekly payout batch.",
        )
    return hold


# --- batches -------------------------------------------------------------------------


def _hold_detail(
    reason: str,
    *,
    hold: PayoutHold | None = None,
    account: PayoutAccount | None = None,
    total_minor: int = 0,
    currency: str = "",
) -> str:
    """Why a payout is carried forward, in words for the expert and operations alike."""
    from .selectors import payout_account_in_words

    if reason == PayoutHoldReason.ON_HOLD:
        return f"Payouts are on hold: {hold.reason} (to be reviewed by {hold.review_by:%d %B %Y})."
    if reason == PayoutHoldReason.NO_ACCOUNT:
        return "You have not set up a payout account yet; set one up to receive this pay."
    if reason == PayoutHoldReason.ACCOUNT_NOT_READY:
        words = payout_account_in_words(account=account)
        missing = "; ".join(words.requirements_due)
        return f"Your payout account cannot receive transfers yet: {words.summary}" + (
            f" Stripe still needs: {missing}." if missing else ""
        )
    if reason == PayoutHoldReason.BELOW_MINIMUM:
        return (
            f"{money.format_money(total_minor, currency)} is below the minimum payout of "
            f"{money.format_money(payout_minimum_minor(currency), currency)}; it is carried forward and "
            "paid together with later weeks."
        )
    return "To be sent again with the next payout batch."


def _carry_reason(
    *, contributor_id: int, currency: str, total_minor: int, holds: dict, accounts: dict
) -> tuple[str, str, PayoutHold | None] | None:
    """Why an expert's payouts in one currency cannot go out in this batch, if they cannot."""
    hold = holds.get(contributor_id)
    if hold is not None:
        return PayoutHoldReason.ON_HOLD, _hold_detail(PayoutHoldReason.ON_HOLD, hold=hold), hold
    account = accounts.get(contributor_id)
    if account is None:
        return PayoutHoldReason.NO_ACCOUNT, _hold_detail(PayoutHoldReason.NO_ACCOUNT), None
    if not account.can_receive_transfers:
        return (
            PayoutHoldReason.ACCOUNT_NOT_READY,
            _hold_detail(PayoutHoldReason.ACCOUNT_NOT_READY, account=account),
            None,
        )
    if total_minor < payout_minimum_minor(currency):
        detail = _hold_detail(PayoutHoldReason.BELOW_MINIMUM, total_minor=total_minor, currency=currency)
        return PayoutHoldReason.BELOW_MINIMUM, detail, None
    return None


def payout_batch_create(*, actor: User, run: PayRun) -> PayoutBatch:
    """Prepare the payouts of an approved pay run: one per statement with something to pay.

    Held payouts of earlier, approved batches are taken over by this one and looked at
    again with the new ones. Whatever cannot go out (no payout account or one Stripe has
    not cleared, a hold, or less than the minimum for that expert and currency in this
    batch, carried amounts included) is held with its reason; nothing is dropped.
    """
    _require_finance(actor, "prepares payout batches")
    with transaction.atomic():
        run = PayRun.objects.select_for_update().select_related("period").get(pk=run.pk)
        if run.status != PayRunStatus.APPROVED:
            raise ApplicationError(
                "Only an approved pay run is paid out.",
                code="pay_run_not_approved",
                fields={"pay_run": ["Not approved."]},
            )
        if PayoutBatch.objects.filter(run=run).exists():
            raise Conflict("This pay run already has a payout batch.", code="payout_batch_exists")
        batch = PayoutBatch.objects.create(run=run, prepared_by=actor)
        statements = list(run.statements.filter(total_minor__gt=0).order_by("id"))
        carried = list(
            Payout.objects.select_for_update(of=("self",))
            .filter(status=PayoutStatus.HELD, batch__status=PayoutBatchStatus.APPROVED)
            .order_by("id")
        )
        contributor_ids = {s.contributor_id for s in statements} | {p.contributor_id for p in carried}
        accounts = {a.contributor_id: a for a in PayoutAccount.objects.filter(contributor_id__in=contributor_ids)}
        holds = {
            h.contributor_id: h
            for h in PayoutHold.objects.filter(contributor_id__in=contributor_ids, released_at__isnull=True)
        }
        totals: dict[tuple[int, str], int] = defaultdict(int)
        for statement in statements:
            totals[(statement.contributor_id, statement.currency)] += statement.total_minor
        for payout in carried:
            totals[(payout.contributor_id, payout.currency)] += payout.amount_minor
        reasons = {
            key: _carry_reason(
                contributor_id=key[0], currency=key[1], total_minor=total, holds=holds, accounts=accounts
            )
            for key, total in totals.items()
        }

        def place(payout: Payout) -> None:
            reason = reasons[(payout.contributor_id, payout.currency)]
            payout.status = PayoutStatus.HELD if reason else PayoutStatus.PENDING
            payout.hold_reason, payout.hold_detail, payout.hold = reason or ("", "", None)

        new = [
            Payout(
                batch=batch,
                statement=statement,
                contributor_id=statement.contributor_id,
                amount_minor=statement.total_minor,
                currency=statement.currency,
            )
            for statement in statements
        ]
        for payout in new:
            place(payout)
        Payout.objects.bulk_create(new, batch_size=2000)
        for payout in carried:
            payout.carried_from_id = payout.batch_id
            payout.batch = batch
            # Whatever was queued for it before it was held is history: this batch queues it afresh.
            payout.dispatched_at = None
            place(payout)
        Payout.objects.bulk_update(
            carried,
            ["batch", "carried_from", "status", "hold_reason", "hold_detail", "hold", "dispatched_at"],
            batch_size=2000,
        )
        counts: dict[str, int] = defaultdict(int)
        for payout in (*new, *carried):
            counts[payout.hold_reason or payout.status] += 1
        audit_record(
            actor=actor,
            action="payouts.batch.prepared",
            target=batch,
            after={
                "run": run.pk,
                "payouts": len(new),
                "carried_in": [p.pk for p in carried],
                "by_status_or_reason": dict(counts),
            },
        )
    return batch


def payout_batch_approve(*, actor: User, batch: PayoutBatch) -> PayoutBatch:
    """Four eyes: someone other than the preparer makes the batch's pending payouts due.

    Approval and the rows that say what to send commit together; sending starts after
    commit, and if that news is lost the sweep starts it instead.
    """
    _require_finance(actor, "approves payout batches")
    with transaction.atomic():
        batch = PayoutBatch.objects.select_for_update().select_related("run").get(pk=batch.pk)
        if batch.prepared_by_id == actor.pk:
            raise NotPermitted("The person who prepared a payout batch cannot approve it.", code="four_eyes")
        if batch.status != PayoutBatchStatus.DRAFT:
            raise ApplicationError("This payout batch is already approved.", code="illegal_transition")
        batch.status = PayoutBatchStatus.APPROVED
        batch.approved_by = actor
        batch.approved_at = timezone.now()
        batch.save(update_fields=["status", "approved_by", "approved_at"])
        PayPeriod.objects.filter(pk=batch.run.period_id, status=PayPeriodStatus.APPROVED).update(
            status=PayPeriodStatus.PAID
        )
        payouts = batch.payouts.select_related("contributor__user")
        pending = payouts.filter(status=PayoutStatus.PENDING)
        held = list(payouts.filter(status=PayoutStatus.HELD))
        audit_record(
            actor=actor,
            action="payouts.batch.approved",
            target=batch,
            before={"status": PayoutBatchStatus.DRAFT},
            after={"status": batch.status, "pending": pending.count(), "held": len(held)},
        )
        for payout in held:
            notify_after_commit(
                recipients=[payout.contributor.user],
                subject="Part of your pay is carried forward",
                body=f"{money.format_money(payout.amount_minor, payout.currency)} is not sent this week. "
                f"{payout.hold_detail}\nIt stays yours and goes out with a later batch once this is resolved.",
            )
        from .tasks import payout_batch_dispatch_task

        # Robust: if the broker is down the approval still stands, and the sweep sends.
        transaction.on_commit(lambda: payout_batch_dispatch_task.delay(batch.pk), robust=True)
    return batch


def _due_payouts() -> QuerySet[Payout]:
    return Payout.objects.filter(
        batch__status=PayoutBatchStatus.APPROVED, status__in=[PayoutStatus.PENDING, PayoutStatus.SUBMITTED]
    )


def _quiet_since(quiet_for_seconds: int | None):
    quiet = settings.PAYOUT_SWEEP_AFTER_SECONDS if quiet_for_seconds is None else quiet_for_seconds
    return timezone.now() - timedelta(seconds=quiet)


def _lost_their_task(cutoff) -> Q:
    """Queued long ago and not worked on since: the task was lost, or gave up."""
    return Q(dispatched_at__lte=cutoff) & (Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lte=cutoff))


def _queue_room() -> int | None:
    """How many more send tasks may be queued: what the rate limit lets out in
    PAYOUT_QUEUE_AHEAD_SECONDS, less what is queued and not yet tried. None: no limit."""
    rate = settings.PAYOUT_RATE_LIMIT_PER_SECOND
    if rate <= 0:
        return None
    waiting = (
        _due_payouts()
        .filter(dispatched_at__gt=_quiet_since(None))
        .filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=F("dispatched_at")))
        .count()
    )
    return max(0, int(rate * settings.PAYOUT_QUEUE_AHEAD_SECONDS) - waiting)


def _queue_sends(candidates: QuerySet[Payout]) -> list[int]:
    """Queue a send task for as many candidates as there is room for, oldest first, marking them queued.

    Rows being worked on right now are skipped, and so are rows another dispatch or sweep is
    queuing at this moment, so two of them never queue the same payout twice.
    """
    from .tasks import payout_send_task

    room = _queue_room()
    if room == 0:
        return []
    with transaction.atomic():
        picked = (
            candidates.select_for_update(of=("self",), skip_locked=True).order_by("id").values_list("id", flat=True)
        )
        ids = list(picked if room is None else picked[:room])
        Payout.objects.filter(pk__in=ids).update(dispatched_at=timezone.now())
    for payout_id in ids:
        payout_send_task.delay(payout_id)
    return ids


def payout_batch_dispatch(*, batch_id: int, quiet_for_seconds: int | None = None) -> int:
    """Queue the sends of an approved batch's payouts (as many as the rate limit makes room for); safe to repeat.

    A payout already queued is queued again only once it has been quiet for
    PAYOUT_SWEEP_AFTER_SECONDS; whatever does not fit now is queued by the sweep.
    """
    PayoutBatch.objects.filter(pk=batch_id, status=PayoutBatchStatus.APPROVED).update(dispatched_at=timezone.now())
    candidates = _due_payouts().filter(batch_id=batch_id)
    candidates = candidates.filter(Q(dispatched_at__isnull=True) | _lost_their_task(_quiet_since(quiet_for_seconds)))
    return len(_queue_sends(candidates))


def payouts_sweep(*, quiet_for_seconds: int | None = None) -> int:
    """Queue the sends nothing else will: payouts whose task was lost or gave up, and the rest of batches
    too big to queue at once (or whose dispatch itself was lost).

    Runs every minute. A batch approved moments ago is left to its own dispatch task.
    """
    cutoff = _quiet_since(quiet_for_seconds)
    never_queued = Q(dispatched_at__isnull=True) & (
        Q(batch__dispatched_at__isnull=False) | Q(batch__approved_at__lte=cutoff)
    )
    ids = _queue_sends(_due_payouts().filter(never_queued | _lost_their_task(cutoff)))
    if ids:
        logger.info("Payout sweep: queued %d payout(s)", len(ids))
    return len(ids)


# --- sending -------------------------------------------------------------------------


def _key_may_be_forgotten(payout: Payout) -> bool:
    age = timezone.now() - payout.submitted_at
    return age >= timedelta(hours=settings.PAYOUT_IDEMPOTENCY_KEY_SAFE_HOURS)


def _transfer_metadata(payout: Payout) -> dict[str, str]:
    return {
        "payout_id": str(payout.pk),
        "statement_id": str(payout.statement_id),
        "pay_run_id": str(payout.statement.run_id),
    }


def _hold_at_send(payout: Payout, account: PayoutAccount | None) -> tuple[str, str, PayoutHold | None] | None:
    """A hold placed, or an account Stripe stopped clearing, since the batch was made."""
    if payout.active_hold_id is not None:
        hold = PayoutHold.objects.get(pk=payout.active_hold_id)
        return PayoutHoldReason.ON_HOLD, _hold_detail(PayoutHoldReason.ON_HOLD, hold=hold), hold
    if account is None:
        return PayoutHoldReason.NO_ACCOUNT, _hold_detail(PayoutHoldReason.NO_ACCOUNT), None
    if not account.can_receive_transfers:
        return (
            PayoutHoldReason.ACCOUNT_NOT_READY,
            _hold_detail(PayoutHoldReason.ACCOUNT_NOT_READY, account=account),
            None,
        )
    return None


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
    payout.status = PayoutStatus.PAID
    payout.stripe_transfer_id = transfer.id
    payout.paid_at = timezone.now()
    payout.last_error = ""
    payout.save(update_fields=["status", "stripe_transfer_id", "paid_at", "last_error"])
    entry = journal_post(
        actor=None,
        kind="payout",
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
    payout.status = PayoutStatus.FAILED
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
    with transaction.atomic():
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
                payout.status = PayoutStatus.HELD
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
            payout.status = PayoutStatus.SUBMITTED
            payout.submitted_at = now
            payout.destination = account.stripe_account_id
        payout.attempts += 1
        payout.last_attempt_at = now
        payout.save(update_fields=["status", "submitted_at", "destination", "attempts", "last_attempt_at"])

    stripe_request_slot()
    unknown_outcome: gateway.PaymentProviderUnavailable | None = None
    with transaction.atomic():
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
                kind="payout_reversal",
            )
        else:
            legs = _payout_ledger_legs(payout, -newly_reversed)
            entry = journal_post(
                actor=None,
                kind="payout_reversal",
                reference=f"payout:{payout.pk}:reversed-to:{transfer.amount_reversed_minor}",
                description=f"Part of payout #{payout.pk}: {reason}",
                legs=legs,
            )
        before = {"status": payout.status, "amount_reversed_minor": payout.amount_reversed_minor}
        payout.status = PayoutStatus.REVERSED
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
    _require_finance(actor, "retries payouts")
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
            hold_detail=_hold_detail(PayoutHoldReason.RETRY),
            replaces=payout,
        )
        audit_record(
            actor=actor,
            action="payouts.payout.retried",
            target=retry,
            after={"replaces": payout.pk, "amount_minor": amount, "currency": payout.currency},
        )
    return retry
