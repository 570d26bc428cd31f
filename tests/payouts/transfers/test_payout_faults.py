"""Payouts under the failures the issue names; each ends with Stripe, our payouts and the ledger agreeing.

Transfers at Stripe = payouts marked paid = ledger postings: none twice, none lost.
Faults come from the local Stripe server's fault injection and webhook controls; nothing
of ours is patched.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from accounts.models import Role
from config.celery import app
from config.db import database_url
from config.errors import ApplicationError
from payouts.ledger.selectors import account_balances
from payouts.models import JournalEntry, Payout, PayoutBatch, PayoutStatus, StripeEvent
from payouts.tasks import payout_send_task, payouts_sweep_task
from payouts.transfers.batches import payout_batch_approve, payout_batch_create, payout_batch_dispatch, payouts_sweep
from payouts.transfers.sending import payout_send
from payouts.transfers.throttle import stripe_request_slot
from stripe_local.server import faults, reset, webhook_deliveries

from tests.helpers.factories import make_ops
from tests.helpers.payouts import approved_pay_run_in_bulk, onboarded_accounts_in_bulk, stripe_client
from tests.helpers.races import at_once

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_stripe_and_quick_retries(stripe_server, settings):
    # A clean Stripe for each test (before the webhook fixtures register their endpoints),
    # webhooks sent at once, and retries without waiting.
    reset()
    webhook_deliveries.set(delay_seconds=0)
    settings.PAYOUT_RATE_LIMIT_PER_SECOND = 0
    settings.PAYOUT_RETRY_BACKOFF_SECONDS = 0
    settings.PAYOUT_SEND_MAX_RETRIES = 3
    yield
    faults.clear()
    reset()


_weeks = iter(range(1, 10_000))


def batch_of(stripe_server, experts: int, *, approve: bool = True, capture=None):
    """An approved pay run of ``experts`` onboarded experts and its payout batch, prepared (and approved)."""
    run = approved_pay_run_in_bulk(
        experts=experts, period_start=date(2023, 1, 2) + timedelta(weeks=next(_weeks)), prefix=f"w{next(_weeks)}"
    )
    onboarded_accounts_in_bulk(stripe_server, [s.contributor for s in run.statements.select_related("contributor")])
    batch = payout_batch_create(actor=make_ops(Role.OPS_FINANCE)[0], run=run)
    if approve:
        with capture(execute=False):
            payout_batch_approve(actor=make_ops(Role.OPS_FINANCE)[0], batch=batch)
    return batch


def assert_paid_exactly_once(batch) -> None:
    """Transfers at Stripe = payouts marked paid = ledger postings; every statement paid; payables back to zero."""
    run = batch.run
    transfers = list(
        stripe_client()
        .v1.transfers.list(params={"transfer_group": f"payrun:{run.pk}", "limit": 100})
        .auto_paging_iter()
    )
    per_payout = Counter(transfer.metadata["payout_id"] for transfer in transfers)
    assert [payout for payout, n in per_payout.items() if n > 1] == [], "a payout was transferred twice"
    payouts = list(Payout.objects.filter(statement__run=run))
    assert {p.status for p in payouts} == {PayoutStatus.PAID}, Counter(p.status for p in payouts)
    assert {p.stripe_transfer_id for p in payouts} == {t.id for t in transfers}
    assert {str(p.pk) for p in payouts} == set(per_payout)
    assert sorted((p.amount_minor, p.destination) for p in payouts) == sorted(
        (t.amount, t.destination) for t in transfers
    )
    entries = JournalEntry.objects.filter(kind="payout", reference__in=[f"payout:{p.pk}" for p in payouts])
    assert entries.count() == len(payouts)
    # Every statement of the run has exactly one payout, and each expert's payable is back to zero.
    assert sorted(p.statement_id for p in payouts) == sorted(run.statements.values_list("id", flat=True))
    contributors = {p.contributor_id for p in payouts}
    balances = [
        row["balance"] for row in account_balances(kind="expert_payable") if row["contributor_id"] in contributors
    ]
    assert balances == [0] * len(contributors)


def sweep_until_settled(rounds: int = 5) -> None:
    for _ in range(rounds):
        if not payouts_sweep(quiet_for_seconds=0):
            return
    raise AssertionError("payouts still in flight after the sweeps")


# --- 1. the worker dies between Stripe's answer and our commit -----------------------


@pytest.mark.parametrize("fault", ["timeout", "500_after"])
def test_an_answer_lost_after_stripe_made_the_transfer_is_recovered_by_the_sweep_with_the_same_key(
    stripe_server, settings, django_capture_on_commit_callbacks, fault
):
    settings.STRIPE_TIMEOUT_SECONDS = 0.3
    settings.PAYOUT_SEND_MAX_RETRIES = 0  # the task gives up at once: only the sweep is left
    batch = batch_of(stripe_server, 3, capture=django_capture_on_commit_callbacks)
    first = batch.payouts.order_by("id").first()
    faults.set(path_prefix="/v1/transfers", error_rate=1.0, kinds=(fault,), timeout_delay_seconds=0.8, limit=1)

    payout_send_task.delay(first.pk)
    first.refresh_from_db()
    # Stripe made the transfer; we never heard: the payout stays submitted, unbooked.
    assert first.status == PayoutStatus.SUBMITTED and first.last_error
    assert len(stripe_client().v1.transfers.list(params={"transfer_group": first.transfer_group}).data) == 1
    assert not JournalEntry.objects.filter(reference=f"payout:{first.pk}").exists()

    payout_batch_dispatch(batch_id=batch.pk)
    sweep_until_settled()
    first.refresh_from_db()
    assert first.attempts == 2  # the second attempt replayed the first answer
    assert [f.kind for f in faults.injected] == [fault if fault != "500" else "500_after"]
    assert_paid_exactly_once(batch)


def test_a_payout_whose_key_stripe_may_have_forgotten_is_found_by_its_group_before_anything_is_created(
    stripe_server, settings, django_capture_on_commit_callbacks
):
    settings.PAYOUT_SEND_MAX_RETRIES = 0
    batch = batch_of(stripe_server, 1, capture=django_capture_on_commit_callbacks)
    payout = batch.payouts.get()
    faults.set(path_prefix="/v1/transfers", error_rate=1.0, kinds=("500_after",), limit=1)
    payout_send_task.delay(payout.pk)
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.SUBMITTED
    # A day later: every new transfer would now fail, so only a lookup can settle it.
    Payout.objects.filter(pk=payout.pk).update(submitted_at=payout.submitted_at - timedelta(hours=24))
    faults.set(path_prefix="/v1/transfers", error_rate=1.0, kinds=("500_before",), methods=("POST",))
    assert payout_send(payout_id=payout.pk).status == PayoutStatus.PAID
    assert [f.kind for f in faults.injected] == []
    faults.clear()
    assert_paid_exactly_once(batch)


def _worker_env(stripe_server, settings) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "STRIPE_API_BASE": stripe_server.url,
        "STRIPE_TIMEOUT_SECONDS": "60",
        "PAYOUT_RATE_LIMIT_PER_SECOND": "0",
        "PAYOUT_SWEEP_AFTER_SECONDS": "0",
    }


def _start_worker(env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "payouts", "--pool=solo"),
            *("--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel=info"),
        ],
        cwd=Path(__file__).resolve().parents[3],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"waited {timeout} s for {what}")


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_killed_while_stripe_answers_then_restarted_pays_once(stripe_server, settings, tmp_path):
    batch = batch_of(stripe_server, 1, approve=False)
    payout = batch.payouts.get()
    # Stripe makes the transfer, then takes 8 s to answer: the worker is killed meanwhile.
    faults.set(path_prefix="/v1/transfers", error_rate=1.0, kinds=("timeout",), timeout_delay_seconds=8, limit=1)
    env = _worker_env(stripe_server, settings)
    log = tmp_path / "workers.log"
    app.conf.task_always_eager = False
    workers = []
    try:
        payout_batch_approve(actor=make_ops(Role.OPS_FINANCE)[0], batch=batch)  # queues the batch on Redis
        workers.append(_start_worker(env, log))
        group = {"transfer_group": payout.transfer_group}
        _wait_for(lambda: stripe_client().v1.transfers.list(params=group).data, timeout=60, what="the transfer")
        payout.refresh_from_db()
        assert payout.status == PayoutStatus.SUBMITTED
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(timeout=10)
        assert not JournalEntry.objects.filter(reference=f"payout:{payout.pk}").exists()

        workers.append(_start_worker(env, log))
        payouts_sweep_task.delay()
        _wait_for(
            lambda: Payout.objects.get(pk=payout.pk).status == PayoutStatus.PAID,
            timeout=60,
            what=f"the restarted worker to settle the payout (log: {log.read_text()[-3000:]})",
        )
    finally:
        app.conf.task_always_eager = True
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=20)
    assert Payout.objects.get(pk=payout.pk).attempts == 2
    assert_paid_exactly_once(batch)


# --- 2. Stripe fails a share of a big batch -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_batch_of_a_thousand_rides_through_500s_timeouts_and_429s(stripe_server, settings):
    with connection.cursor() as cursor:
        # Each payout commits twice; waiting for the test machine's disk on every commit
        # would measure the disk, not the payouts. Durability is not under test here.
        cursor.execute("SET synchronous_commit TO off")
    settings.STRIPE_TIMEOUT_SECONDS = 0.15
    batch = batch_of(stripe_server, 1000, approve=False)
    faults.set(
        path_prefix="/v1/transfers",
        error_rate=0.12,
        kinds=("500", "429", "timeout"),
        seed=20260601,
        timeout_delay_seconds=0.3,
    )
    started = time.monotonic()
    payout_batch_approve(actor=make_ops(Role.OPS_FINANCE)[0], batch=batch)  # sends after commit
    sweep_until_settled()
    elapsed = time.monotonic() - started
    kinds = Counter(f.kind for f in faults.injected)
    assert set(kinds) == {"500_before", "500_after", "429", "timeout"}, kinds
    assert sum(kinds.values()) > 100
    assert_paid_exactly_once(batch)
    assert elapsed < 120


# --- 3. webhooks: three times, late, out of order, forged ----------------------------


def test_webhooks_repeated_late_out_of_order_and_forged_settle_each_payout_once(
    stripe_server, settings, webhook_inbox, django_capture_on_commit_callbacks
):
    settings.PAYOUT_SEND_MAX_RETRIES = 0
    batch = batch_of(stripe_server, 3, capture=django_capture_on_commit_callbacks)
    lost, kept, reversed_later = batch.payouts.order_by("id")
    webhook_deliveries.set(hold=True)
    # The answer for the first one is lost after the transfer was made, and the task gives up.
    faults.set(path_prefix="/v1/transfers", error_rate=1.0, kinds=("500_after",), limit=1)
    for payout in (lost, kept, reversed_later):
        payout_send_task.delay(payout.pk)
    lost.refresh_from_db()
    assert lost.status == PayoutStatus.SUBMITTED
    reversed_later.refresh_from_db()
    stripe_client().v1.transfers.reversals.create(reversed_later.stripe_transfer_id)
    assert len(webhook_deliveries.held) == 4  # three transfer.created, one transfer.reversed

    webhook_deliveries.release(order="reversed")  # late, and the reversal before its creation
    # Only the payouts' events: a payment an earlier test made is announced a second after
    # it, and may reach this test's inbox.
    arrived = [delivery for delivery in webhook_inbox.deliveries if delivery[0]["type"].startswith("transfer.")]
    assert arrived[0][0]["type"] == "transfer.reversed"
    stripe = Client()
    for _, body, signature in arrived:
        for _ in range(3):
            response = stripe.post(
                "/stripe/webhooks/platform/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
            )
            assert response.status_code == 200, response.json()
    forged = arrived[0][1].replace(b'"amount_reversed"', b'"amount_reversed_"')
    response = stripe.post(
        "/stripe/webhooks/platform/", forged, content_type="application/json", HTTP_STRIPE_SIGNATURE=arrived[0][2]
    )
    assert (response.status_code, response.json()["code"]) == (400, "invalid_signature")
    unsigned = stripe.post("/stripe/webhooks/platform/", arrived[1][1], content_type="application/json")
    assert unsigned.status_code == 400

    assert StripeEvent.objects.count() == 4
    assert set(StripeEvent.objects.values_list("status", flat=True)) == {"processed"}
    lost.refresh_from_db()
    reversed_later.refresh_from_db()
    assert lost.status == PayoutStatus.PAID and lost.attempts == 1  # confirmed by its webhook
    assert (reversed_later.status, reversed_later.amount_reversed_minor) == ("reversed", reversed_later.amount_minor)
    assert JournalEntry.objects.filter(kind="payout").count() == 3
    assert JournalEntry.objects.filter(kind="payout_reversal").count() == 1
    balances = {
        row["contributor_id"]: row["balance"]
        for row in account_balances(kind="expert_payable")
        if row["contributor_id"] in {lost.contributor_id, kept.contributor_id, reversed_later.contributor_id}
    }
    assert balances == {
        lost.contributor_id: 0,
        kept.contributor_id: 0,
        reversed_later.contributor_id: -reversed_later.amount_minor,
    }


# --- 4. two approvals at the same moment, the batch task queued twice ----------------


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_approve_once_and_a_batch_dispatched_twice_pays_once(stripe_server):
    batch = batch_of(stripe_server, 20, approve=False)
    first, second = make_ops(Role.OPS_FINANCE)[0], make_ops(Role.OPS_FINANCE)[0]
    # The approval's dispatch goes to the broker, where no worker listens here: the two
    # dispatches below stand for that task delivered twice, at the same moment.
    app.conf.task_always_eager = False
    try:
        outcomes = at_once(
            lambda: payout_batch_approve(actor=first, batch=batch),
            lambda: payout_batch_approve(actor=second, batch=batch),
        )
    finally:
        app.conf.task_always_eager = True
    refused = [o for o in outcomes if isinstance(o, ApplicationError)]
    assert len(refused) == 1 and refused[0].code == "illegal_transition"
    batch.refresh_from_db()
    assert batch.status == "approved" and batch.approved_by_id in (first.pk, second.pk)
    from audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="payouts.batch.approved").count() == 1
    assert batch.payouts.filter(status=PayoutStatus.PENDING).count() == 20
    sent = at_once(lambda: payout_batch_dispatch(batch_id=batch.pk), lambda: payout_batch_dispatch(batch_id=batch.pk))
    assert sum(sent) == 20  # each payout queued by one of them
    assert_paid_exactly_once(PayoutBatch.objects.get(pk=batch.pk))


# --- 5. Redis goes away in the middle of a batch -------------------------------------


def test_tasks_lost_with_redis_mid_batch_are_recovered_by_the_sweep(
    stripe_server, settings, django_capture_on_commit_callbacks
):
    batch = batch_of(stripe_server, 30, capture=django_capture_on_commit_callbacks)
    # The approval committed, but its dispatch never ran (the broker was down); half the
    # payouts were sent by tasks that did get through before Redis went away.
    ids = list(batch.payouts.order_by("id").values_list("id", flat=True))
    for payout_id in ids[:15]:
        payout_send_task.delay(payout_id)
    assert Payout.objects.filter(batch=batch, status=PayoutStatus.PAID).count() == 15
    # While Redis restarts, the rate limit falls back to this process alone and nothing stops.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.PAYOUT_RATE_LIMIT_PER_SECOND = 200
    assert payouts_sweep(quiet_for_seconds=3600) == 0  # nothing counts as lost too early
    assert payouts_sweep(quiet_for_seconds=0) == 15
    assert_paid_exactly_once(batch)


def test_the_rate_limit_spaces_requests_across_callers():
    from django.test import override_settings

    with override_settings(PAYOUT_RATE_LIMIT_PER_SECOND=40):
        started = time.monotonic()
        waits = at_once(*(lambda: [stripe_request_slot() for _ in range(10)] for _ in range(2)))
        elapsed = time.monotonic() - started
    # 20 requests at 40 a second: the last one goes out about half a second after the first.
    assert 0.4 <= elapsed < 2, elapsed
    assert sum(1 for per_thread in waits for wait in per_thread if wait == 0) <= 2


def test_a_batch_is_queued_only_as_far_ahead_as_the_rate_limit_sends_and_the_sweep_tops_it_up(
    stripe_server, settings, django_capture_on_commit_callbacks
):
    settings.PAYOUT_RATE_LIMIT_PER_SECOND = 50
    settings.PAYOUT_QUEUE_AHEAD_SECONDS = 0.2  # room for 10 queued sends
    batch = batch_of(stripe_server, 25, capture=django_capture_on_commit_callbacks)
    started = time.monotonic()
    assert payout_batch_dispatch(batch_id=batch.pk) == 10
    assert [payouts_sweep(), payouts_sweep(), payouts_sweep()] == [10, 5, 0]
    assert time.monotonic() - started >= 24 / 50
    assert_paid_exactly_once(batch)
