import logging
import random

from celery import shared_task
from django.conf import settings

from . import payout_services, services
from .stripe_gateway import PaymentProviderUnavailable

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def pay_run_compute_task(run_id: int) -> dict:
    return services.pay_run_compute(run_id=run_id).totals


@shared_task(acks_late=True)
def pay_run_compute_shard_task(run_id: int, shard: int) -> str:
    return services.pay_run_compute_shard(run_id=run_id, shard=shard).status


@shared_task(acks_late=True)
def payout_batch_dispatch_task(batch_id: int) -> int:
    return payout_services.payout_batch_dispatch(batch_id=batch_id)


def _backoff_seconds(retries: int) -> float:
    base = settings.PAYOUT_RETRY_BACKOFF_SECONDS * 2**retries
    # Jitter, so that payouts throttled together do not come back together.
    return min(settings.PAYOUT_RETRY_BACKOFF_MAX_SECONDS, base) * random.uniform(0.5, 1.0)


@shared_task(acks_late=True)
def payout_send_task(payout_id: int, retries: int = 0) -> str:
    """Send one payout; on a transient failure, queue it again after a backoff (same payout, same key).

    The task is only the messenger: the payout row says what is left to do, so a task run
    twice does nothing the second time, and a task lost (or out of retries) is made up
    for by the sweep. The next try is a new message rather than a Celery retry, so that
    this one always ends cleanly, whoever called it.
    """
    try:
        return payout_services.payout_send(payout_id=payout_id).status
    except PaymentProviderUnavailable:
        if retries >= settings.PAYOUT_SEND_MAX_RETRIES:
            logger.warning("Payout #%s still unsettled after %d retries; the sweep takes it on", payout_id, retries)
            return "submitted"
        payout_send_task.apply_async(args=[payout_id, retries + 1], countdown=_backoff_seconds(retries))
        return "retrying"


@shared_task
def payouts_sweep_task() -> int:
    return payout_services.payouts_sweep()


@shared_task
def payouts_reconcile_task() -> int:
    """Yesterday and today against Stripe; operations finance are mailed any difference."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import Role, User
    from accounts.notifications import notify_after_commit

    from .reconciliation import payouts_reconciliation

    today = timezone.now().date()
    report = payouts_reconciliation(since=today - timedelta(days=1), until=today)
    if report.differences:
        logger.error("Payout reconciliation found %d difference(s)", len(report.differences))
        notify_after_commit(
            recipients=User.objects.filter(role=Role.OPS_FINANCE, is_active=True),
            subject=f"Payout reconciliation: {len(report.differences)} difference(s) with Stripe",
            body="\n".join(report.differences),
        )
    return len(report.differences)
