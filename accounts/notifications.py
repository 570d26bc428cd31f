"""Telling people what happened, after the change that they are told about has committed.

Every notice goes through ``notify_after_commit``: a person with an account gets a
``Notice`` in their inbox, written in the caller's transaction (so it exists exactly when
the change it describes does), and a mail after commit as their preferences say
(``accounts.notices``): at once, in the daily digest, or not at all for the kinds they
turned off. Security notices are always mailed. Mail is multipart, plain text and HTML.
"""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .mail import send_email_task
from .models import (
    NOTICE_BODY_MAX_LENGTH,
    NOTICE_KINDS_ALWAYS_MAILED,
    Notice,
    NoticeKind,
    NoticeMail,
    NoticePreference,
    Role,
    User,
)

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


def notice_link_checked(link: str) -> str:
    """A path inside the product, or nothing: a notice never sends anyone to another site."""
    if not link:
        return ""
    if not link.startswith("/") or link.startswith("//") or "\\" in link or len(link) > 500:
        raise ValueError(f"a notice links to a page of the product by its path, not {link!r}")
    return link


def absolute_link(link: str) -> str:
    return f"{settings.SITE_URL}{link}" if link else ""


def notice_mail_plan(*, kind: str, preference: NoticePreference | None) -> str:
    """How a notice of this kind reaches this person's mailbox (``NoticeMail``)."""
    if kind in NOTICE_KINDS_ALWAYS_MAILED:
        return NoticeMail.NOW
    if preference is None:
        return NoticeMail.NOW
    if kind in preference.muted_kinds:
        return NoticeMail.NONE
    return NoticeMail.DIGEST if preference.daily_digest else NoticeMail.NOW


def notice_mail_render(*, subject: str, body: str, link: str) -> tuple[str, str]:
    """The plain-text and HTML parts of one notice's mail."""
    context = {"subject": subject, "body": body, "link": absolute_link(link), "site_url": settings.SITE_URL}
    return (
        render_to_string("accounts/mail/notice.txt", context),
        render_to_string("accounts/mail/notice.html", context),
    )


def mail_queue(*, address: str, subject: str, text: str, html: str) -> None:
    """Hand one message to the mail queue (called after commit)."""
    try:
        send_email_task.delay([address], subject, text, html)
    except Exception as exc:
        # The mail queue (Redis) unreachable: the action has committed and must not
        # answer 500 for it; the message goes out from this process instead (one try,
        # recorded as failed if that fails too), and the outage is logged loudly.
        logger.error("mail queue unreachable (%s): sending to %s in this process", exc, address)
        send_email_task.apply(args=[[address], subject, text, html])


def notify_after_commit(
    *,
    recipients: Iterable[User] | Iterable[str],
    subject: str,
    body: str,
    kind: str = NoticeKind.GENERAL,
    link: str = "",
) -> None:
    """Tell each recipient: a notice in their inbox now, mail once the caller's transaction commits.

    ``kind`` (``NoticeKind``) decides whether the person's preferences let it be mailed,
    and ``link`` is the path of the page it is about. A recipient given as a bare address
    (someone without an account, or an account not yet confirmed) is only mailed. Every
    subject is made safe here. A message that cannot be sent is recorded in the audit
    trail (``accounts.email.failed``) by the task that sends it.
    """
    kind = NoticeKind(kind)
    subject = mail_subject(subject)
    link = notice_link_checked(link)
    users: dict[int, User] = {}
    addresses: set[str] = set()
    for recipient in recipients:
        if isinstance(recipient, User):
            users[recipient.pk] = recipient
        else:
            addresses.add(recipient)
    now = timezone.now()
    preferences = {p.user_id: p for p in NoticePreference.objects.filter(user_id__in=users)} if users else {}
    notices = []
    for user in users.values():
        plan = notice_mail_plan(kind=kind, preference=preferences.get(user.pk))
        notices.append(
            Notice(
                recipient=user,
                kind=kind,
                title=subject,
                body=body[:NOTICE_BODY_MAX_LENGTH],
                link=link,
                mail=plan,
                created_at=now,
                emailed_at=now if plan == NoticeMail.NOW else None,
            )
        )
        if plan == NoticeMail.NOW:
            addresses.add(user.email)
    if notices:
        Notice.objects.bulk_create(notices)
    if not addresses:
        return
    text, html = notice_mail_render(subject=subject, body=body, link=link)
    ordered = sorted(addresses)

    # One message per person: recipients must not learn each other's addresses.
    def send():
        for address in ordered:
            mail_queue(address=address, subject=subject, text=text, html=html)

    transaction.on_commit(send)


def ops_reviewers() -> list[User]:
    return list(User.objects.filter(role=Role.OPS_REVIEWER, is_active=True))
