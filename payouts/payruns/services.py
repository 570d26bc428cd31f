"""Pay runs: lock a week, compute its statements in the background, approve them (four eyes)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone

from accounts.models import User
from accounts.permissions import is_ops, require_ops_finance
from audit.services import audit_record
from config.errors import ApplicationError, Conflict, NotPermitted
from payouts.models import (
    PayPeriod,
    PayPeriodStatus,
    PayRecompute,
    PayRun,
    PayRunStatus,
)

logger = logging.getLogger(__name__)


def _progress_key(run_id: int) -> str:
    return f"pay-run-progress:{run_id}"


def pay_run_progress(*, run) -> dict:
    """Live progress of a computing run (kept in the cache while the transaction is open)."""
    from django.core.cache import cache

    return cache.get(_progress_key(run.pk)) or {"percent": run.progress, "step": run.step}


def pay_run_start(*, actor: User, period_start) -> PayRun:
    """Lock a pay week and compute its statements in the background.

    A draft run of the week is replaced; an approved week is never recomputed.
    """
    from payouts.weeks import week_closes_at, week_of

    if not is_ops(actor):
        raise NotPermitted("Only operations staff run pay.")
    start, end = week_of(period_start)
    closes_at = week_closes_at(start)
    if timezone.now() < closes_at:
        raise ApplicationError(
            "A pay week can be run once it has closed: over everywhere on Earth, and its grace period for "
            "late logging and review ended.",
            code="period_not_closed",
            fields={"period_start": [f"This week closes at {closes_at:%Y-%m-%d %H:%M} UTC; run it after that."]},
        )
    with transaction.atomic():
        period, _ = PayPeriod.objects.select_for_update().get_or_create(starts_on=start, defaults={"ends_on": end})
        period = PayPeriod.objects.select_for_update().get(pk=period.pk)
        live = PayRun.objects.select_for_update().filter(
            period=period, status__in=[PayRunStatus.COMPUTING, PayRunStatus.DRAFT, PayRunStatus.APPROVED]
        )
        if live.filter(status=PayRunStatus.APPROVED).exists() or period.status in (
            PayPeriodStatus.APPROVED,
            PayPeriodStatus.PAID,
        ):
            raise ApplicationError(
                "This pay week is approved; corrections go into a later week as adjustments.", code="period_approved"
            )
        if live.filter(status=PayRunStatus.COMPUTING).exists():
            raise Conflict("This pay week is being computed right now.", code="pay_run_running")
        for old in live.filter(status=PayRunStatus.DRAFT):
            old.statements.all().delete()
            old.status = PayRunStatus.REPLACED
            old.save(update_fields=["status"])
            audit_record(
                actor=actor, action="payouts.pay_run.replaced", target=old, before={"status": PayRunStatus.DRAFT}
            )
        if period.status == PayPeriodStatus.OPEN:
            period.status = PayPeriodStatus.LOCKED
            period.locked_at = timezone.now()
            period.locked_by = actor
            period.save(update_fields=["status", "locked_at", "locked_by"])
            audit_record(
                actor=actor,
                action="payouts.pay_period.locked",
                target=period,
                after={"starts_on": start, "ends_on": end},
            )
        # Taken with the week locked: every approval of its work is stamped either before
        # this moment (and paid by this run) or after it (and marked for an adjustment).
        run = PayRun.objects.create(period=period, prepared_by=actor, work_read_at=timezone.now())
        shards = _pay_run_shards()
        if len(shards) > 1:
            run.totals = {"shards": [{"first": first, "last": last, "done": False} for first, last in shards]}
            run.save(update_fields=["totals"])
        audit_record(
            actor=actor,
            action="payouts.pay_run.started",
            target=run,
            after={"period": str(period), "shards": len(shards)},
        )
        if len(shards) > 1:
            transaction.on_commit(
                lambda: [pay_run_compute_shard_task.delay(run.pk, number) for number in range(len(shards))]
            )
        else:
            transaction.on_commit(lambda: pay_run_compute_task.delay(run.pk))
    return run


def _pay_run_shards() -> list[tuple[int, int]]:
    """Contiguous ranges of expert ids, one per shard (``PAY_RUN_SHARDS``), of about equal size."""
    from django.conf import settings

    from contributors.models import Contributor
    from payouts.payruns.computation import EVERYONE

    count = max(1, settings.PAY_RUN_SHARDS)
    if count == 1:
        return [EVERYONE]
    ids = Contributor.objects.aggregate(first=Min("id"), last=Max("id"))
    if ids["first"] is None:
        return [EVERYONE]
    step = max(1, -(-(ids["last"] - ids["first"] + 1) // count))
    bounds = [(ids["first"] + k * step, ids["first"] + (k + 1) * step - 1) for k in range(count)]
    bounds = [(first, last) for first, last in bounds if first <= ids["last"]]
    # The outer ranges are open, so that an expert who joins while the run waits is not missed.
    bounds[0] = (EVERYONE[0], bounds[0][1])
    bounds[-1] = (bounds[-1][0], EVERYONE[1])
    return bounds


def _pay_run_finish(run: PayRun, *, actor_note: str = "") -> None:
    """Mark a run whose statements are all written as a draft (inside the run's lock)."""
    from payouts.payruns.computation import EVERYONE, run_totals

    totals = run_totals(run_id=run.pk, contributors=EVERYONE)
    run.status = PayRunStatus.DRAFT
    run.progress = 100
    run.step = "ready for approval"
    run.totals = totals
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "progress", "step", "totals", "finished_at"])
    period = run.period
    period.status = PayPeriodStatus.COMPUTED
    period.save(update_fields=["status"])
    audit_record(actor=None, action="payouts.pay_run.computed", target=run, after=totals, reason=actor_note)


def _pay_run_failed(run_id: int, exc: Exception, *, contributors: tuple[int, int] | None = None) -> None:
    """Mark the run failed, naming the experts and engagements whose pay alone stops it."""
    from payouts.payruns.computation import EVERYONE
    from payouts.payruns.failures import failed_pay

    with transaction.atomic():
        run = PayRun.objects.select_related("period").get(pk=run_id)
        culprits = []
        if run.status == PayRunStatus.COMPUTING:
            try:
                with transaction.atomic():
                    culprits = failed_pay(
                        run_id=run.pk,
                        start=run.period.starts_on,
                        end=run.period.ends_on,
                        read_at=run.work_read_at,
                        contributors=contributors or EVERYONE,
                    )
            except Exception:
                # Looking for the cause must never stop the failure being recorded.
                logger.exception("Could not narrow down why pay run %s failed", run_id)
        error = str(exc)
        if culprits:
            error = (
                "The pay of these experts cannot be computed; everyone else's can:\n"
                + "\n".join(f"- {culprit}" for culprit in culprits)
                + f"\n\nThe database said: {error}"
            )
        PayRun.objects.filter(pk=run_id, status=PayRunStatus.COMPUTING).update(
            status=PayRunStatus.FAILED, error=error[:2000], finished_at=timezone.now()
        )
        run.refresh_from_db()
        audit_record(
            actor=None,
            action="payouts.pay_run.failed",
            target=run,
            after={
                "error": str(exc)[:500],
                "experts": [{"contributor": c.contributor_id, "reason": c.reason} for c in culprits],
            },
        )


def pay_run_compute(*, run_id: int) -> PayRun:
    """The background work of an unsharded pay run; does nothing if it is no longer computing."""
    from django.core.cache import cache

    from payouts.payruns.computation import compute_statements

    def progress(percent: int, step: str) -> None:
        cache.set(_progress_key(run_id), {"percent": percent, "step": step}, 3600)

    try:
        with transaction.atomic():
            run = PayRun.objects.select_for_update().select_related("period").get(pk=run_id)
            if run.status != PayRunStatus.COMPUTING:
                return run
            compute_statements(
                run_id=run.pk,
                start=run.period.starts_on,
                end=run.period.ends_on,
                read_at=run.work_read_at,
                progress=progress,
            )
            _pay_run_finish(run)
    except Exception as exc:
        _pay_run_failed(run_id, exc)
        raise
    finally:
        cache.delete(_progress_key(run_id))
    return run


def pay_run_compute_shard(*, run_id: int, shard: int) -> PayRun:
    """One shard of a pay run, in its own transaction; the shard that completes the set
    makes the run a draft. Running a shard again does nothing."""
    from payouts.payruns.computation import compute_statements

    run = PayRun.objects.select_related("period").get(pk=run_id)
    shards = run.totals.get("shards", [])
    if run.status != PayRunStatus.COMPUTING or shard >= len(shards) or shards[shard]["done"]:
        return run
    try:
        # Its own transaction, never part of another: a shard commits on its own.
        with transaction.atomic(durable=True):
            shard_totals = compute_statements(
                run_id=run.pk,
                start=run.period.starts_on,
                end=run.period.ends_on,
                read_at=run.work_read_at,
                contributors=(shards[shard]["first"], shards[shard]["last"]),
            )
            # Taken only now, so that shards compute side by side and meet here one at a time.
            run = PayRun.objects.select_for_update().select_related("period").get(pk=run_id)
            shards = run.totals.get("shards", [])
            if run.status != PayRunStatus.COMPUTING or shards[shard]["done"]:
                transaction.set_rollback(True)
                return run
            shards[shard] = {**shards[shard], "done": True, "statements": shard_totals["statements"]}
            done = sum(1 for entry in shards if entry["done"])
            if done == len(shards):
                _pay_run_finish(run, actor_note=f"{len(shards)} shards")
            else:
                run.totals = {"shards": shards}
                run.progress = round(100 * done / len(shards))
                run.step = f"{done} of {len(shards)} parts computed"
                run.save(update_fields=["totals", "progress", "step"])
    except IntegrityError:
        # The same shard delivered twice at once: the other delivery wrote these statements.
        return PayRun.objects.get(pk=run_id)
    except Exception as exc:
        _pay_run_failed(run_id, exc, contributors=(shards[shard]["first"], shards[shard]["last"]))
        raise
    return run


def pay_run_approve(*, actor: User, run: PayRun) -> PayRun:
    """Four eyes: whoever prepared a run cannot approve it."""
    require_ops_finance(actor, to="approves pay runs")
    with transaction.atomic():
        run = PayRun.objects.select_for_update().select_related("period").get(pk=run.pk)
        if run.prepared_by_id == actor.pk:
            raise NotPermitted("The person who prepared a pay run cannot approve it.", code="four_eyes")
        if run.status != PayRunStatus.DRAFT:
            raise ApplicationError(
                f"This pay run is {run.get_status_display().lower()}, not a draft.", code="illegal_transition"
            )
        run.status = PayRunStatus.APPROVED
        run.approved_by = actor
        run.approved_at = timezone.now()
        run.save(update_fields=["status", "approved_by", "approved_at"])
        period = run.period
        period.status = PayPeriodStatus.APPROVED
        period.save(update_fields=["status"])
        PayRecompute.objects.filter(claimed_by_run=run).update(applied_in_run=run)
        from payouts.payruns.accrual import post_pay_run_accrual

        entry_id, ledger_totals = post_pay_run_accrual(run=run)
        audit_record(
            actor=actor,
            action="payouts.pay_run.approved",
            target=run,
            after={**run.totals, "journal_entry": entry_id, "ledger": ledger_totals},
        )
    return run


# --- tasks (registered under payouts.tasks for the worker and the queue routes) ----------


@shared_task(name="payouts.tasks.pay_run_compute_task", acks_late=True)
def pay_run_compute_task(run_id: int) -> dict:
    return pay_run_compute(run_id=run_id).totals


@shared_task(name="payouts.tasks.pay_run_compute_shard_task", acks_late=True)
def pay_run_compute_shard_task(run_id: int, shard: int) -> str:
    return pay_run_compute_shard(run_id=run_id, shard=shard).status
