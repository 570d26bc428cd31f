"""Reads of threads: whose they are, what is unread, and the thread a case lets operations read."""

from __future__ import annotations

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet

from accounts.models import User
from accounts.permissions import can_read_credential_documents, is_expert, is_lab_member, is_ops
from marketplace import dispute_selectors
from marketplace import selectors as marketplace_selectors

from .models import Message, SubjectKind, Thread, ThreadRead
from .subjects import KINDS, LAB_KINDS, OPS_KINDS, Subject, subject_for, thread_for_dispute_subject


def _ops_kinds_of(user: User) -> list[str]:
    """The expert and operations subjects this member of operations may read (as their pages do)."""
    return [kind for kind in OPS_KINDS if KINDS[kind].ops_read(user)]


def threads_for(*, user: User) -> QuerySet[Thread]:
    """Every thread ``user`` is a party to, the most recently written first, each with ``unread``.

    Experts: threads about them. Lab members: their labs' threads with experts. Operations:
    the expert and operations threads of the subjects their pages serve (never a lab's thread:
    those they read only through a case, ``thread_for_dispute``).
    """
    threads = Thread.objects.select_related("contributor", "lab")
    if is_expert(user):
        threads = threads.filter(contributor__user=user)
    elif is_lab_member(user):
        threads = threads.filter(lab__in=marketplace_selectors.labs_of(user=user), subject_kind__in=LAB_KINDS)
    elif is_ops(user):
        threads = threads.filter(lab__isnull=True, subject_kind__in=_ops_kinds_of(user))
    else:
        threads = Thread.objects.none()
    return threads.annotate(unread=_unread(user)).order_by(
        F("last_message_at").desc(nulls_last=True), "-created_at", "-pk"
    )


def _unread(user: User) -> ExpressionWrapper:
    """Something someone else did in the thread that ``user`` has not read (their read mark is older):
    a message, or closing it."""
    read_since = ThreadRead.objects.filter(
        thread=OuterRef("thread"), user=user, last_read_at__gte=OuterRef("created_at")
    )
    messages = Message.objects.filter(thread=OuterRef("pk")).exclude(author=user).exclude(Exists(read_since))
    closure_read = ThreadRead.objects.filter(thread=OuterRef("pk"), user=user, last_read_at__gte=OuterRef("closed_at"))
    closed_by_another = Q(closed_at__isnull=False) & ~Q(closed_by=user) & ~Exists(closure_read)
    return ExpressionWrapper(Q(Exists(messages)) | closed_by_another, output_field=BooleanField())


def unread_count(*, user: User) -> int:
    """How many of ``user``'s threads have a message from someone else, or a closing, they have not read."""
    return threads_for(user=user).filter(unread=True).count()


def thread_visible_to(*, user: User, pk: int) -> Thread | None:
    """A thread ``user`` may read as a party: whoever may read its subject. None (404) for anyone else."""
    thread = Thread.objects.select_related("contributor__user", "lab").filter(pk=pk).first()
    if thread is None or subject_for(user=user, kind=thread.subject_kind, pk=thread.subject_id) is None:
        return None
    return thread


def thread_of_subject(*, subject: Subject) -> Thread | None:
    return Thread.objects.filter(subject_kind=subject.kind, subject_id=subject.pk).first()


def messages_of(*, thread: Thread) -> QuerySet[Message]:
    return thread.messages.select_related("author", "thread__contributor", "thread__lab").order_by("created_at", "pk")


def message_with_attachment_visible_to(*, user: User, pk: int) -> Message | None:
    """A message whose attachment ``user`` may download: a party to its thread."""
    message = Message.objects.select_related("thread").filter(pk=pk).exclude(attachment="").first()
    if message is None or thread_visible_to(user=user, pk=message.thread_id) is None:
        return None
    # A document sent about a credential is read by those who read credential documents.
    if message.thread.subject_kind == SubjectKind.CREDENTIAL and not can_read_credential_documents(user):
        return None
    return message


def dispute_for_ops(*, user: User, pk: int):
    """The time dispute (an operations case) through which operations read the lab and expert's thread."""
    return dispute_selectors.time_dispute_for_ops(pk=pk) if is_ops(user) else None


def thread_for_dispute(*, dispute) -> Thread | None:
    kind, subject_id = thread_for_dispute_subject(dispute=dispute)
    return (
        Thread.objects.select_related("contributor__user", "lab")
        .filter(subject_kind=kind, subject_id=subject_id)
        .first()
    )


def disputes_naming(*, thread: Thread) -> list:
    """The cases (time disputes) that name this thread's subject, through which operations read it."""
    if thread.subject_kind != "time_entry":
        return []
    return list(dispute_selectors.time_disputes_for_ops(status="").filter(time_entry_id=thread.subject_id))
