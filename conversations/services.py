"""Writing in threads: opening one for a subject, posting, reading, closing; operations' audited reading."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind, User
from accounts.notices import notices_mark_read_about
from accounts.notifications import notify_after_commit
from accounts.permissions import is_ops, is_ops_reviewer
from audit.services import audit_record
from config.errors import ApplicationError, Conflict, NotPermitted
from vetting.services.credentials import document_checked

from . import selectors
from .models import CLOSE_REASON_MAX_LENGTH, MESSAGE_MAX_LENGTH, Message, Thread, ThreadRead, ThreadStatus
from .subjects import Subject, lab_recipients, ops_recipients, subject_for


def _text(value: str, *, field: str, limit: int, missing: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ApplicationError(missing, code="invalid", fields={field: [missing]})
    if len(text) > limit:
        message = f"At most {limit:,} characters; this is {len(text):,}."
        raise ApplicationError(message, code="invalid", fields={field: [message]})
    return text


def _subject_or_refuse(actor: User, thread: Thread) -> Subject:
    subject = subject_for(user=actor, kind=thread.subject_kind, pk=thread.subject_id)
    if subject is None:
        raise NotPermitted("Only the people this conversation is about can write in it.")
    return subject


def thread_open(*, actor: User, kind: str, subject_id: int) -> tuple[Thread, bool]:
    """The thread about a subject ``actor`` may read, created on first use; (thread, created).

    One thread per subject: two people opening it at once get the same one.
    """
    subject = subject_for(user=actor, kind=kind, pk=subject_id)
    if subject is None:
        raise NotPermitted("You cannot discuss something you cannot see.", code="not_found")
    existing = selectors.thread_of_subject(subject=subject)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            thread = Thread.objects.create(
                subject_kind=subject.kind,
                subject_id=subject.pk,
                contributor=subject.contributor,
                lab=subject.lab,
                subject_label=subject.label,
                created_at=timezone.now(),
                created_by=actor,
            )
            audit_record(
                actor=actor,
                action="conversations.thread.opened",
                target=thread,
                after={
                    "subject": subject.kind,
                    "subject_id": subject.pk,
                    "lab": subject.lab.pk if subject.lab else None,
                },
            )
    except IntegrityError:
        # Someone else opened it a moment earlier (the unique subject constraint).
        return selectors.thread_of_subject(subject=subject), False
    return thread, True


def _rate_limit(actor: User, now) -> None:
    """At most ``CONVERSATION_MESSAGES_PER_WINDOW`` messages per person per window, counted in the database."""
    limit = settings.CONVERSATION_MESSAGES_PER_WINDOW
    window = timedelta(seconds=settings.CONVERSATION_RATE_WINDOW_SECONDS)
    # The author's row is the lock, so two posts at once are counted one after the other.
    User.objects.select_for_update().filter(pk=actor.pk).first()
    sent = Message.objects.filter(author=actor, created_at__gt=now - window).count()
    if sent >= limit:
        minutes = max(1, round(window.total_seconds() / 60))
        raise ApplicationError(
            f"You have sent {limit} messages in the last {minutes} minutes; wait a little before sending more.",
            code="rate_limited",
        )


def _thread_link(thread: Thread) -> str:
    return reverse("conversation", args=[thread.pk])


def _read(*, actor: User, thread: Thread, at) -> None:
    """``actor`` has read the thread up to ``at``: the inbox's item for it and its notices are done."""
    ThreadRead.objects.update_or_create(thread=thread, user=actor, defaults={"last_read_at": at})
    notices_mark_read_about(actor=actor, link=_thread_link(thread))


def _notify(*, actor: User, thread: Thread, message: Message) -> None:
    if actor.pk == thread.contributor.user_id:
        recipients = lab_recipients(thread.lab) if thread.lab_id else ops_recipients(thread.subject_kind)
        sender = thread.contributor.display_name
    else:
        recipients = [thread.contributor.user]
        sender = thread.lab.name if thread.lab_id else "Operations"
    recipients = [user for user in recipients if user.pk != actor.pk]
    excerpt = message.body if len(message.body) <= 500 else f"{message.body[:499]}…"
    notify_after_commit(
        recipients=recipients,
        subject=f"{sender} wrote about “{thread.subject_label}”",
        body=(
            f"{sender} wrote about {thread.get_subject_kind_display().lower()} “{thread.subject_label}”:\n\n"
            f"{excerpt}\n\nRead and answer it under Conversations."
            + ("\n\nThe message has an attachment." if message.attachment else "")
        ),
        kind=NoticeKind.MESSAGES,
        link=_thread_link(thread),
    )


def message_post(*, actor: User, thread: Thread, body: str, attachment: UploadedFile | None = None) -> Message:
    """Write in a thread: plain text, at most MESSAGE_MAX_LENGTH characters, optionally one safe document.

    Only the subject's parties write; a closed thread refuses; so does a person over the rate limit.
    """
    body = _text(body, field="body", limit=MESSAGE_MAX_LENGTH, missing="Write a message.")
    checked = document_checked(attachment, field="attachment") if attachment is not None else None
    with transaction.atomic():
        thread = (
            Thread.objects.select_for_update(of=("self",)).select_related("contributor__user", "lab").get(pk=thread.pk)
        )
        _subject_or_refuse(actor, thread)
        if not thread.is_open:
            raise Conflict(
                f"This conversation was closed on {thread.closed_at:%d %b %Y}: {thread.close_reason} "
                "It can be read but no longer answered.",
                code="thread_closed",
            )
        now = timezone.now()
        _rate_limit(actor, now)
        message = Message(thread=thread, author=actor, body=body, created_at=now)
        if checked is not None:
            content_type, sha256 = checked
            message.attachment_name = (attachment.name or "attachment")[:255]
            message.attachment_type = content_type
            message.attachment_size = attachment.size
            message.attachment_sha256 = sha256
            message.attachment.save("upload", attachment, save=False)
        message.save()
        thread.last_message_at = now
        thread.save(update_fields=["last_message_at"])
        # Writing is reading: the author has seen everything up to their own message.
        _read(actor=actor, thread=thread, at=now)
        audit_record(
            actor=actor,
            action="conversations.message.posted",
            target=thread,
            # The words stay in the thread; the trail records that something was said.
            after={"message": message.pk, "length": len(body), "attachment_sha256": message.attachment_sha256},
        )
        _notify(actor=actor, thread=thread, message=message)
    return message


def thread_mark_read(*, actor: User, thread: Thread) -> None:
    """Everything in the thread up to now is read by ``actor``, and so are their notices of it."""
    with transaction.atomic():
        _read(actor=actor, thread=thread, at=timezone.now())


def _may_close_through_case(actor: User, thread: Thread) -> bool:
    if not (thread.lab_id and is_ops_reviewer(actor)):
        return False
    return bool(selectors.disputes_naming(thread=thread))


def thread_close(*, actor: User, thread: Thread, reason: str) -> Thread:
    """Close a thread with a reason both sides read: by either party, or by operations.

    Operations close a lab's thread only through a case that names its subject. A thread is never deleted.
    """
    reason = _text(reason, field="reason", limit=CLOSE_REASON_MAX_LENGTH, missing="Say why you close it.")
    with transaction.atomic():
        thread = (
            Thread.objects.select_for_update(of=("self",)).select_related("contributor__user", "lab").get(pk=thread.pk)
        )
        if subject_for(user=actor, kind=thread.subject_kind, pk=thread.subject_id) is None and not (
            is_ops(actor) and _may_close_through_case(actor, thread)
        ):
            raise NotPermitted("Only the people this conversation is about, or operations, can close it.")
        if not thread.is_open:
            raise Conflict("This conversation is already closed.", code="thread_closed")
        thread.status = ThreadStatus.CLOSED
        thread.closed_at = timezone.now()
        thread.closed_by = actor
        thread.close_reason = reason
        thread.save(update_fields=["status", "closed_at", "closed_by", "close_reason"])
        audit_record(
            actor=actor,
            action="conversations.thread.closed",
            target=thread,
            before={"status": ThreadStatus.OPEN},
            after={"status": ThreadStatus.CLOSED},
            reason=reason,
        )
        parties = [thread.contributor.user, *(lab_recipients(thread.lab) if thread.lab_id else [])]
        notify_after_commit(
            recipients=[user for user in parties if user.pk != actor.pk],
            subject=f"Conversation closed: “{thread.subject_label}”",
            body=f"The conversation about “{thread.subject_label}” was closed:\n\n{reason}",
            kind=NoticeKind.MESSAGES,
            link=_thread_link(thread),
        )
    return thread


def thread_read_through_case(*, actor: User, dispute) -> Thread | None:
    """Operations read the lab and expert's thread about a disputed entry; each reading is audited.

    None when the lab and the expert never wrote about it.
    """
    if not is_ops(actor):
        raise NotPermitted("Only operations read a conversation through a case.")
    thread = selectors.thread_for_dispute(dispute=dispute)
    if thread is None:
        return None
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="conversations.thread.read_by_operations",
            target=thread,
            after={"case": "marketplace.time_dispute", "case_id": dispute.pk},
        )
    return thread
