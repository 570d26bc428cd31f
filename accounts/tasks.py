import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail

from .mail import email_failure_record

MAIL_MAX_RETRIES = 5
# A refusal that sending the same message again will not change.
_PERMANENT = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused)


@shared_task(bind=True, max_retries=MAIL_MAX_RETRIES)
def send_email_task(self, to: list[str], subject: str, body: str) -> None:
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)
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
