"""Telling people what happened, after the change that they are told about has committed."""

import logging
from collections.abc import Iterable

from django.db import transaction

from .models import Role, User

logger = logging.getLogger(__name__)

# Mail clients show about this much of a subject; the rest belongs in the body.
SUBJECT_MAX_LENGTH = 200


def mail_subject(text: str) -> str:
    """One line of at most SUBJECT_MAX_LENGTH characters.

    Subjects carry what people typed (a project's title, a lab's name). A line break in a
    header would let it add headers of its own, so Django refuses to send the message at
    all; every run of whitespace, line breaks and other control characters included,
    becomes one space instead.
    """
    printable = "".join(char if char.isprintable() else " " for char in text)
    line = " ".join(printable.split())
    return line if len(line) <= SUBJECT_MAX_LENGTH else f"{line[: SUBJECT_MAX_LENGTH - 1].rstrip()}…"


def notify_after_commit(*, recipients: Iterable[User] | Iterable[str], subject: str, body: str) -> None:
    """Mail each recipient once the caller's transaction commits.

    Every notification goes through here, so every subject is made safe here. A message
    that cannot be sent is recorded in the audit trail (``accounts.email.failed``) by the
    task that sends it.
    """
    subject = mail_subject(subject)
    addresses = sorted({r.email if isinstance(r, User) else r for r in recipients})
    if not addresses:
        return
    from .tasks import send_email_task

    # One message per person: recipients must not learn each other's addresses.
    def send():
        for address in addresses:
            try:
                send_email_task.delay([address], subject, body)
            except Exception as exc:
                # The mail queue (Redis) unreachable: the action has committed and must not
                # answer 500 for it; the message goes out from this process instead (one try,
                # recorded as failed if that fails too), and the outage is logged loudly.
                logger.error("mail queue unreachable (%s): sending to %s in this process", exc, address)
                send_email_task.apply(args=[[address], subject, body])

    transaction.on_commit(send)


def ops_reviewers() -> list[User]:
    return list(User.objects.filter(role=Role.OPS_REVIEWER, is_active=True))
