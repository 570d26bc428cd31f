"""What happens when notification mail cannot be sent: operations are told through the audit trail."""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from audit.services import audit_record

logger = logging.getLogger(__name__)


def email_failure_record(*, to: list[str], subject: str, error: BaseException) -> None:
    """Record a notification that was given up on, as ``accounts.email.failed``.

    Operations read it in the audit trail (``/ops/audit/``, ``GET /api/ops/audit/?action=
    accounts.email``) with the addresses, the subject and the mail server's answer, and can
    tell the person another way.
    """
    logger.error("Mail to %s could not be sent (%s): %s", ", ".join(to), subject, error)
    with transaction.atomic():
        audit_record(
            actor=None,
            action="accounts.email.failed",
            after={"to": list(to), "subject": subject, "error": f"{type(error).__name__}: {error}"[:1000]},
        )


MAIL_MAX_RETRIES = 5
# A refusal that sending the same message again will not change.
_PERMANENT = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused)


# Named as it was when it lived in accounts.tasks: queued messages and the queue routes use the name.
@shared_task(bind=True, max_retries=MAIL_MAX_RETRIES, name="accounts.tasks.send_email_task")
def send_email_task(self, to: list[str], subject: str, body: str, html_body: str | None = None) -> None:
    # Plain text, and HTML beside it when given (one multipart/alternative message).
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to, html_message=html_body)
    except OSError as exc:
        # The mail server unreachable or busy: try again later, doubling the wait. Run in
        # the caller's process (eagerly) nothing would wait between tries, so it is recorded at once.
        retry = not isinstance(exc, _PERMANENT) and not self.request.is_eager
        if retry and self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
        email_failure_record(to=to, subject=subject, error=exc)
    except ValueError as exc:
        # A header Django refuses to send (BadHeaderError) or an address it cannot encode.
        email_failure_record(to=to, subject=subject, error=exc)
