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

This module prepares and approves batches and queues their sends; ``sending`` sends.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind, User
from accounts.notifications import notify_after_commit
from accounts.permissions import require_ops_finance
from audit.services import audit_record
from config.errors import ApplicationError, Conflict, NotPermitted
from payouts import money
from payouts.models import (
    Payout,
    PayoutAccount,
    PayoutBatch,
    PayoutBatchStatus,
    PayoutHold,
    PayoutStatus,
    PayPeriod,
    PayPeriodStatus,
    PayRun,
    PayRunStatus,
)
from payouts.transfers.carry import carry_reason
from payouts.transfers.compliance import compliance_blocks
from payouts.transfers.sending import payout_send_task
from payouts.transfers.states import payout_move
from screening.services import screening_before_payout

logger = logging.getLogger(__name__)


def payout_batch_create(*, actor: User, run: PayRun) -> PayoutBatch:
    """Prepare the payouts of an approved pay run: one per statement with something to pay.

    Held payouts of earlier, approved batches are taken over by this one and looked at
    again with the new ones. Whatever cannot go out (no payout account or one Stripe has
    not cleared, a hold, or less than the minimum for that expert and currency in this
    batch, carried amounts included) is held with its reason; nothing is dropped.
    """
    require_ops_finance(actor, to="prepares payout batches")
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
        # Sanctions screening against the lists in force first, so that its holds apply now.
        screening_before_payout(actor=actor, contributor_ids=contributor_ids)
        blocks = compliance_blocks(contributor_ids=contributor_ids, on=timezone.now().date())
        reasons = {
            key: carry_reason(
                hold=holds.get(key[0]),
                account=accounts.get(key[0]),
                total_minor=total,
                currency=key[1],
                blocked=blocks.get(key[0]),
            )
            for key, total in totals.items()
        }

        def place(payout: Payout) -> None:
            reason = reasons[(payout.contributor_id, payout.currency)]
            payout_move(payout, PayoutStatus.HELD if reason else PayoutStatus.PENDING)
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
    require_ops_finance(actor, to="approves payout batches")
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
                kind=NoticeKind.PAYOUT_HOLDS,
                link=reverse("expert-payouts"),
                recipients=[payout.contributor.user],
                subject="Part of your pay is carried forward",
                body=f"{money.format_money(payout.amount_minor, payout.currency)} is not sent this week. "
                f"{payout.hold_detail}\nIt stays yours and goes out with a later batch once this is resolved.",
            )
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


# --- tasks (registered under payouts.tasks for the worker and the queue routes) ----------


@shared_task(name="payouts.tasks.payout_batch_dispatch_task", acks_late=True)
def payout_batch_dispatch_task(batch_id: int) -> int:
    return payout_batch_dispatch(batch_id=batch_id)


@shared_task(name="payouts.tasks.payouts_sweep_task")
def payouts_sweep_task() -> int:
    return payouts_sweep()
