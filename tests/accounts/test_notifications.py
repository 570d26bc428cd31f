"""Notification mail: a subject built from what people typed stays one line, and a mail that
cannot be sent is recorded where operations staff read it."""

import smtplib

import pytest
from django.core import mail
from django.db import transaction

from accounts.notifications import notify_after_commit
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)


def _notify(subject: str, body: str = "Body") -> None:
    with transaction.atomic():
        notify_after_commit(recipients=["ana@example.com"], subject=subject, body=body)


def test_line_breaks_in_a_subject_built_from_a_project_title_become_spaces_and_the_mail_goes_out():
    _notify("Invitation to Cardiology\r\nBcc: someone@example.net review")

    assert [message.subject for message in mail.outbox] == ["Invitation to Cardiology Bcc: someone@example.net review"]
    assert mail.outbox[0].to == ["ana@example.com"]


def test_a_mail_the_server_refuses_is_recorded_for_operations(monkeypatch):
    def refuse(self, messages):
        raise smtplib.SMTPRecipientsRefused({"ana@example.com": (550, b"No such user")})

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)

    _notify("Your credential was verified")

    failure = AuditEvent.objects.get(action="accounts.email.failed")
    assert failure.after["to"] == ["ana@example.com"]
    assert failure.after["subject"] == "Your credential was verified"
    assert "No such user" in failure.after["error"]


def test_a_failed_mail_is_listed_in_the_audit_trail_operations_read(monkeypatch, reviewer_client):
    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        lambda self, messages: (_ for _ in ()).throw(ConnectionRefusedError("mail server down")),
    )

    _notify("Your pay statement is ready")

    listed = reviewer_client.get("/api/ops/audit/?action=accounts.email").json()["results"]
    assert [event["action"] for event in listed] == ["accounts.email.failed"]
