"""Telling people what happened, after the change that they are told about has committed."""

from collections.abc import Iterable

from django.db import transaction

from .models import Role, User


def notify_after_commit(*, recipients: Iterable[User] | Iterable[str], subject: str, body: str) -> None:
    addresses = sorted({r.email if isinstance(r, User) else r for r in recipients})
    if not addresses:
        return
    from .tasks import send_email_task

    # One message per person: recipients must not learn each other's addresses.
    def send():
        for address in addresses:
            send_email_task.delay([address], subject, body)

    transaction.on_commit(send)


def ops_reviewers() -> list[User]:
    return list(User.objects.filter(role=Role.OPS_REVIEWER, is_active=True))
