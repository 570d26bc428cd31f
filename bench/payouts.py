"""Payout batch at scale: 10,000 payouts through the real pipeline, against the local Stripe server.

The experts, their statements and the approved pay run are written in bulk (as the fault
tests do, ``tests/helpers/payouts.py``), and every expert gets a verified Express account on
the local Stripe server, which runs in this process. Then, as in production: the batch is
prepared and approved through the services; approval queues the dispatch task; an
embedded Celery worker (a thread pool on the ``payouts`` queue, in-memory broker) sends
each payout with its own task. Prints the throughput next to Stripe's live-mode limit of
100 operations per second, as a ratio.

The rate limit is off unless ``--rate-limit`` is given, so the figure is what the pipeline
itself can do; in production PAYOUT_RATE_LIMIT_PER_SECOND keeps it under Stripe's limit.

    make bench                                          # or:
    .venv/bin/python bench/payouts.py --payouts 10000 --workers 4
"""

import argparse
import logging
import time
import uuid
from datetime import date

import _django

STRIPE_LIVE_LIMIT_PER_SECOND = 100
BENCH_WEEK = date(1999, 1, 4)
BENCH_PREFIX = "payoutbench"


def clear(cursor) -> None:
    """Remove an earlier run's rows: payouts first, then the bench's run, experts and ledger entries."""
    cursor.execute("SET session_replication_role = replica")  # the bench's own rows, past append-only triggers
    for table in ("payouts_payout", "payouts_payoutbatch", "payouts_payouthold", "payouts_payoutaccount"):
        cursor.execute(f"DELETE FROM {table}")
    cursor.execute(
        """DELETE FROM payouts_posting WHERE entry_id IN (SELECT id FROM payouts_journalentry
           WHERE reference LIKE 'payout:%%' OR reference LIKE 'reversal:payout:%%'
              OR reference IN (SELECT 'accrual:pay-run:' || r.id FROM payouts_payrun r
                               JOIN payouts_payperiod p ON p.id = r.period_id WHERE p.starts_on = %s))""",
        [BENCH_WEEK],
    )
    cursor.execute(
        """DELETE FROM payouts_journalentry WHERE reference LIKE 'payout:%%' OR reference LIKE 'reversal:payout:%%'
              OR reference IN (SELECT 'accrual:pay-run:' || r.id FROM payouts_payrun r
                               JOIN payouts_payperiod p ON p.id = r.period_id WHERE p.starts_on = %s)""",
        [BENCH_WEEK],
    )
    cursor.execute(
        """DELETE FROM payouts_paystatement WHERE run_id IN (SELECT r.id FROM payouts_payrun r
           JOIN payouts_payperiod p ON p.id = r.period_id WHERE p.starts_on = %s)""",
        [BENCH_WEEK],
    )
    cursor.execute(
        "DELETE FROM payouts_payrun WHERE period_id IN (SELECT id FROM payouts_payperiod WHERE starts_on = %s)",
        [BENCH_WEEK],
    )
    cursor.execute("DELETE FROM payouts_payperiod WHERE starts_on = %s", [BENCH_WEEK])
    cursor.execute(
        """DELETE FROM payouts_ledgeraccount WHERE contributor_id IN (SELECT c.id FROM contributors_contributor c
           JOIN accounts_user u ON u.id = c.user_id WHERE u.email LIKE %s)""",
        [f"{BENCH_PREFIX}-%"],
    )
    cursor.execute(
        "DELETE FROM contributors_contributor WHERE user_id IN (SELECT id FROM accounts_user WHERE email LIKE %s)",
        [f"{BENCH_PREFIX}-%"],
    )
    cursor.execute("DELETE FROM accounts_user WHERE email LIKE %s", [f"{BENCH_PREFIX}-%"])
    cursor.execute("SET session_replication_role = origin")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payouts", type=int, default=_django.size(10_000, 20))
    parser.add_argument("--workers", type=int, default=_django.size(4, 2), help="threads of the embedded Celery worker")
    parser.add_argument("--rate-limit", type=float, default=0, help="PAYOUT_RATE_LIMIT_PER_SECOND (0: off)")
    args = parser.parse_args()

    _django.setup()
    from celery.contrib.testing.worker import start_worker
    from django.conf import settings
    from django.db import connection

    from accounts.models import Role
    from config.celery import app
    from payouts.models import Payout, PayoutStatus
    from payouts.transfers.batches import payout_batch_approve, payout_batch_create
    from stripe_local.server import LocalStripeServer

    from tests.helpers.factories import make_ops
    from tests.helpers.payouts import approved_pay_run_in_bulk, onboarded_accounts_in_bulk

    def finance_user(what: str):
        return make_ops(Role.OPS_FINANCE, email=f"{BENCH_PREFIX}.{what}.{uuid.uuid4().hex[:12]}@bench.example")[0]

    server = LocalStripeServer().start()
    settings.STRIPE_API_BASE = server.url
    settings.STRIPE_SECRET_KEY = "sk_test_local"
    settings.PAYOUT_RATE_LIMIT_PER_SECOND = args.rate_limit
    # Everything in this process: nothing reaches a Redis broker another worker might read.
    app.conf.update(
        broker_url="memory://",
        broker_transport_options={"polling_interval": 0.005},  # the memory broker polls; Redis would push
        result_backend="cache+memory://",
        task_always_eager=False,
    )
    for noisy in ("celery", "stripe"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    with connection.cursor() as cursor:
        clear(cursor)
    started = time.perf_counter()
    run = approved_pay_run_in_bulk(experts=args.payouts, period_start=BENCH_WEEK, prefix=BENCH_PREFIX)
    contributors = [statement.contributor for statement in run.statements.select_related("contributor")]
    onboarded_accounts_in_bulk(server, contributors)
    print(
        f"{args.payouts:,} experts with approved statements and verified Express accounts in {time.perf_counter() - started:.0f} s"
    )

    started = time.perf_counter()
    batch = payout_batch_create(actor=finance_user("preparer"), run=run)
    print(f"batch prepared ({batch.payouts.count():,} payouts) in {time.perf_counter() - started:.1f} s")

    with start_worker(
        app, pool="threads", concurrency=args.workers, perform_ping_check=False, queues=["payouts"], loglevel="WARNING"
    ):
        started = time.perf_counter()
        payout_batch_approve(actor=finance_user("approver"), batch=batch)
        paid = 0
        while paid < args.payouts:
            time.sleep(0.5)
            paid = Payout.objects.filter(batch=batch, status=PayoutStatus.PAID).count()
            left = Payout.objects.filter(batch=batch, status__in=[PayoutStatus.PENDING, PayoutStatus.SUBMITTED])
            if not left.exists():
                # Counted again: a payout may have been paid between the two reads above.
                unpaid = Payout.objects.filter(batch=batch).exclude(status=PayoutStatus.PAID)
                if unpaid.exists():
                    statuses = set(unpaid.values_list("status", flat=True))
                    raise SystemExit(
                        f"only {args.payouts - unpaid.count()} of {args.payouts} paid; the rest: {statuses}"
                    )
                paid = args.payouts
        elapsed = time.perf_counter() - started
    server.stop()

    per_second = args.payouts / elapsed
    print(
        f"sent {args.payouts:,} payouts (one transfer each) in {elapsed:.1f} s with {args.workers} worker threads: "
        f"{per_second:.0f} payouts/s"
    )
    print(
        f"Stripe's live-mode limit is {STRIPE_LIVE_LIMIT_PER_SECOND} operations/s: "
        f"ratio {per_second / STRIPE_LIVE_LIMIT_PER_SECOND:.2f}"
        + (f" (rate limit {args.rate_limit:g}/s)" if args.rate_limit else " (rate limit off)")
    )


if __name__ == "__main__":
    main()
