"""The scheduled sweeps and the mail they send, run by a real Celery worker over Redis."""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.utils import timezone

from config.celery import app
from vetting.models import Credential, CredentialStatus
from vetting.services import credential_review_start, credential_verify
from vetting.tasks import credentials_expiry_sweep_task

from tests.helpers.factories import make_credential, make_expert, make_ops


@pytest.fixture
def celery_worker():
    app.conf.task_always_eager = False
    try:
        # The sweeps' queue and the mail's, as their workers consume them in production.
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=["celery", "mail"]
        ) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = True


@pytest.mark.django_db(transaction=True)
def test_expiry_sweep_on_a_real_worker_flags_credentials_and_mails_the_expert(celery_worker):
    reviewer, _ = make_ops()
    contributor = make_expert()
    credential = make_credential(contributor, expires_on=timezone.now().date() + timedelta(days=10))
    credential_review_start(actor=reviewer, credential=credential)
    credential_verify(actor=reviewer, credential=credential)

    result = credentials_expiry_sweep_task.delay()
    assert result.get(timeout=30) == {"warned": 1, "expired": 0}

    def expiry_mail():
        return sorted(m.to[0] for m in mail.outbox if "expires on" in m.subject)

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(expiry_mail()) < 2:
        time.sleep(0.1)
    # The expert and the reviewer each get their own message.
    assert expiry_mail() == sorted([contributor.user.email, reviewer.email])
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.VERIFIED and credential.expiry_warned_at is not None
    assert Credential.objects.filter(expiry_warned_at__isnull=False).count() == 1
