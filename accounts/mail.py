"""What happens when notification mail cannot be sent: operations are told through the audit trail."""

from __future__ import annotations

import logging

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
