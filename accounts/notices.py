"""A person's notices: reading them, marking them read, their mail preferences, the daily digest.

Notices are written by ``accounts.notifications.notify_after_commit``; this module holds
what happens to them afterwards.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from celery import shared_task
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from audit.services import audit_record
from config.errors import ApplicationError

from .models import (
    NOTICE_KINDS_ALWAYS_MAILED,
    NOTICE_KINDS_SHOWN_BY_THEIR_PAGE,
    Notice,
    NoticeKind,
    NoticeMail,
    NoticePreference,
    User,
)
from .notifications import absolute_link, mail_queue, mail_subject

# Kinds a person may turn off for mail, in the order the settings page lists them.
NOTICE_KINDS_SWITCHABLE = [kind for kind in NoticeKind if kind not in NOTICE_KINDS_ALWAYS_MAILED]


# Selectors


def _listed(user: User) -> QuerySet[Notice]:
    """The person's notices the inbox lists: not those whose thing waits there itself (a conversation)."""
    return Notice.objects.filter(recipient=user).exclude(kind__in=NOTICE_KINDS_SHOWN_BY_THEIR_PAGE)


def notices_for(*, user: User) -> QuerySet[Notice]:
    """The person's notices, newest first."""
    return _listed(user).order_by("-created_at", "-pk")


def notice_unread_count(*, user: User) -> int:
    """How many of the person's listed notices are unread: one count over a partial index."""
    if not user.is_authenticated:
        return 0
    return _listed(user).filter(read_at__isnull=True).count()


def notice_preferences_for(*, user: User) -> dict:
    """What the person chose: kinds mailed, kinds turned off, the digest (defaults if never set)."""
    preference = NoticePreference.objects.filter(user=user).first()
    muted = set(preference.muted_kinds) if preference else set()
    return {
        "kinds": [
            {
                "kind": kind.value,
                "label": kind.label,
                "email": kind.value not in muted or kind in NOTICE_KINDS_ALWAYS_MAILED,
                "always": kind in NOTICE_KINDS_ALWAYS_MAILED,
            }
            for kind in NoticeKind
        ],
        "daily_digest": bool(preference and preference.daily_digest),
    }


# Services


def notice_mark_read(*, actor: User, notice_id: int) -> Notice | None:
    """Mark one of the actor's own notices read; None if they have no such notice (another
    person's notice does not exist for them)."""
    with transaction.atomic():
        notice = Notice.objects.select_for_update().filter(recipient=actor, pk=notice_id).first()
        if notice is None:
            return None
        if notice.read_at is None:
            notice.read_at = timezone.now()
            notice.save(update_fields=["read_at"])
        return notice


def notice_mark_all_read(*, actor: User) -> int:
    """Mark every unread notice the actor's inbox lists read; returns how many were.

    A message's notice stays until its conversation is read: the conversation still waits.
    """
    with transaction.atomic():
        return _listed(actor).filter(read_at__isnull=True).update(read_at=timezone.now())


def notices_mark_read_about(*, actor: User, link: str) -> int:
    """The actor read the page ``link`` is the path of: their unread notices about it are read.

    Called inside the caller's transaction (reading a conversation marks its messages'
    notices read with it); returns how many were.
    """
    return Notice.objects.filter(recipient=actor, link=link, read_at__isnull=True).update(read_at=timezone.now())


def notice_preferences_set(*, actor: User, email_off: list[str], daily_digest: bool) -> NoticePreference:
    """Set which kinds the actor is mailed about and whether mail comes in one daily digest.

    Security notices cannot be turned off: asking to is refused, so nobody believes they did.
    """
    unknown = sorted(set(email_off) - set(NoticeKind.values))
    if unknown:
        raise ApplicationError(
            "There is no such kind of notice.", code="unknown_kind", fields={"email_off": [", ".join(unknown)]}
        )
    always = sorted(set(email_off) & {kind.value for kind in NOTICE_KINDS_ALWAYS_MAILED})
    if always:
        raise ApplicationError(
            "Security notices are always mailed: they tell you about your account's safety.",
            code="always_mailed",
            fields={"email_off": ["Security notices cannot be turned off."]},
        )
    muted = sorted(set(email_off))
    with transaction.atomic():
        preference = NoticePreference.objects.select_for_update().filter(user=actor).first()
        before = {"email_off": preference.muted_kinds, "daily_digest": preference.daily_digest} if preference else {}
        if preference is None:
            preference = NoticePreference(user=actor)
        preference.muted_kinds = muted
        preference.daily_digest = daily_digest
        preference.updated_at = timezone.now()
        preference.save()
        audit_record(
            actor=actor,
            action="accounts.notice_preferences.changed",
            target=actor,
            before=before,
            after={"email_off": muted, "daily_digest": daily_digest},
        )
    return preference


def notice_digests_send(*, now: datetime | None = None) -> int:
    """Mail each person who chose the digest one message with their notices not yet mailed.

    Idempotent: the notices gathered are marked mailed in the same transaction that queues
    the mail (after commit), under row locks taken with SKIP LOCKED, so a second run at
    once, or again later, finds nothing to send twice. Returns how many digests were sent.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Notice.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(mail=NoticeMail.DIGEST, emailed_at__isnull=True, created_at__lte=now)
            .select_related("recipient")
            .order_by("recipient_id", "created_at", "pk")
        )
        if not due:
            return 0
        by_person: dict[int, list[Notice]] = defaultdict(list)
        for notice in due:
            by_person[notice.recipient_id].append(notice)
        Notice.objects.filter(pk__in=[notice.pk for notice in due]).update(emailed_at=now)
        for notices in by_person.values():
            recipient = notices[0].recipient
            count = len(notices)
            subject = mail_subject(f"Your daily digest: {count} notice{'s' if count != 1 else ''}")
            context = {
                "subject": subject,
                "notices": [{"notice": n, "link": absolute_link(n.link)} for n in notices],
                "inbox_link": absolute_link("/inbox/"),
            }
            text = render_to_string("accounts/mail/digest.txt", context)
            html = render_to_string("accounts/mail/digest.html", context)
            transaction.on_commit(
                lambda address=recipient.email, subject=subject, text=text, html=html: mail_queue(
                    address=address, subject=subject, text=text, html=html
                )
            )
        audit_record(
            actor=None,
            action="accounts.notice_digests.sent",
            after={"people": len(by_person), "notices": len(due)},
        )
    return len(by_person)


@shared_task(name="accounts.tasks.notice_digests_task")
def notice_digests_task() -> int:
    """Once a day: each person who chose the digest gets their notices not yet mailed in one mail."""
    return notice_digests_send()
