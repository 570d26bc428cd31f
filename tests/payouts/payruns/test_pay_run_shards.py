"""A pay run split by expert into shards, computed by two real Celery worker processes,
writes exactly the statements one transaction writes."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import Role
from config.celery import app
from config.db import database_url
from marketplace.services import (
    invitation_send,
    staffing_request_accept,
    task_submit,
    time_entry_log,
    work_approve,
    work_reject,
)
from payouts.models import PayLine, PayRun, PayRunStatus, PayStatement
from payouts.payruns.services import pay_run_compute_shard, pay_run_start
from payouts.weeks import week_of

from tests.helpers.factories import make_lab, make_open_project, make_ops, make_vetted_expert
from tests.helpers.payruns import after_close

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[3]
PLACES = [("US", "US-CA"), ("US", "US-NY"), ("GB", ""), ("DE", ""), ("IN", ""), ("US", ""), ("PH", ""), ("KE", "")]


def _week_of_work() -> None:
    """Eight experts in eight places on an hourly and a per-task project, some of their
    work approved, some rejected, some waiting."""
    monday = week_of(timezone.now().date())[0] - timedelta(days=7)
    lab, owner = make_lab()
    projects = [
        make_open_project(
            lab,
            owner,
            title="Contracts",
            min_tier="bulk",
            required_credential_kinds=[],
            rate_minor=4500,
            headcount=10,
        ),
        make_open_project(
            lab,
            owner,
            title="Triage",
            min_tier="bulk",
            required_credential_kinds=[],
            pay_model="per_task",
            rate_minor=350,
            task_estimate_minutes=10,
            headcount=10,
        ),
    ]
    for project in projects:
        type(project).objects.filter(pk=project.pk).update(
            starts_on=timezone.now().date() - timedelta(days=21), allowed_countries=sorted({c for c, _ in PLACES})
        )
        project.refresh_from_db()
    for number, (country, subdivision) in enumerate(PLACES):
        expert = make_vetted_expert(country=country, subdivision=subdivision, timezone="UTC")
        project = projects[number % 2]
        engagement = staffing_request_accept(
            actor=expert.user, request=invitation_send(actor=owner, project=project, contributor=expert)
        )
        type(engagement).objects.filter(pk=engagement.pk).update(started_at=timezone.now() - timedelta(days=21))
        engagement.refresh_from_db()
        for day in range(3):
            work_date = monday + timedelta(days=day)
            if project.pay_model == "per_task":
                item = task_submit(
                    actor=expert.user,
                    engagement=engagement,
                    task_reference=f"T{day}",
                    minutes=12 + number + day,
                    work_date=work_date,
                )
            else:
                item = time_entry_log(
                    actor=expert.user,
                    engagement=engagement,
                    activity="task_work",
                    work_date=work_date,
                    minutes=30 + 7 * number + day,
                )
            if day == 0:
                work_approve(actor=owner, item=item)
            elif day == 1 and number % 3 == 0:
                work_reject(actor=owner, item=item, reason="Off-task")
    return monday


def _statements(run: PayRun) -> tuple[list, list]:
    statements = sorted(
        PayStatement.objects.filter(run=run).values_list(
            "contributor_id",
            "currency",
            "country",
            "minutes_worked",
            "pay_minor",
            "floor_due_minor",
            "topup_minor",
            "adjustment_minor",
            "total_minor",
            "effective_hourly_minor",
        )
    )
    lines = sorted(
        (contributor, kind, engagement or 0, minutes, quantity, rate or 0, amount, repr(source))
        for contributor, kind, engagement, minutes, quantity, rate, amount, source in PayLine.objects.filter(
            statement__run=run
        ).values_list(
            "statement__contributor_id",
            "kind",
            "engagement_id",
            "minutes",
            "quantity",
            "rate_minor",
            "amount_minor",
            "source",
        )
    )
    return statements, lines


@pytest.fixture
def two_worker_processes(settings, tmp_path):
    """Two `celery worker` processes of the application, on the test database."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.CELERY_BROKER_URL,
    }
    logs = [tmp_path / f"worker{n}.log" for n in (1, 2)]
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--loglevel=info",
                f"--hostname=payrun{n}@%h",
                "--queues=payruns",
                "--without-gossip",
                "--without-mingle",
                "--prefetch-multiplier=1",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        for n, log in zip((1, 2), logs, strict=True)
    ]
    app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 60
        while len(app.control.ping(timeout=0.5) or []) < 2:
            assert time.monotonic() < deadline, "the two workers did not start: " + " / ".join(
                log.read_text()[-500:] for log in logs
            )
            assert all(worker.poll() is None for worker in workers), [log.read_text()[-2000:] for log in logs]
        yield logs
    finally:
        app.conf.task_always_eager = True
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)


def test_a_run_in_four_shards_on_two_worker_processes_writes_what_one_transaction_writes(
    stripe_server, settings, django_capture_on_commit_callbacks, two_worker_processes
):
    # The week and its run in one transaction are made here; only the shards go to the workers.
    app.conf.task_always_eager = True
    monday = _week_of_work()
    preparer, _ = make_ops(Role.OPS_FINANCE)
    after_close(monday)
    with django_capture_on_commit_callbacks(execute=True):
        whole = pay_run_start(actor=preparer, period_start=monday)
    app.conf.task_always_eager = False
    whole.refresh_from_db()
    assert whole.status == PayRunStatus.DRAFT, whole.error
    expected = _statements(whole)
    assert len(expected[0]) == len(PLACES) and any(row[6] > 0 for row in expected[0])

    settings.PAY_RUN_SHARDS = 4
    with django_capture_on_commit_callbacks(execute=True):
        sharded = pay_run_start(actor=preparer, period_start=monday)
    deadline = time.monotonic() + 90
    while PayRun.objects.get(pk=sharded.pk).status == PayRunStatus.COMPUTING:
        assert time.monotonic() < deadline, [log.read_text()[-2000:] for log in two_worker_processes]
        time.sleep(0.2)
    sharded.refresh_from_db()
    assert sharded.status == PayRunStatus.DRAFT, sharded.error
    assert _statements(sharded) == expected
    assert sharded.totals["statements"] == whole.totals["statements"] == len(PLACES)
    assert sharded.totals["pay_minor"] == whole.totals["pay_minor"]
    # Both processes took part.
    done = [log.read_text().count("pay_run_compute_shard_task") for log in two_worker_processes]
    assert all(count > 0 for count in done), done

    # A shard delivered again after the run is complete changes nothing.
    assert pay_run_compute_shard(run_id=sharded.pk, shard=0).status == PayRunStatus.DRAFT
    assert _statements(sharded) == expected
