"""The retention schedule applied: what is past its period and under no legal hold is deleted or anonymised.

One function per rule of ``privacy.retention.RULES`` whose action is ``delete`` or
``anonymise``, each one or two set-based statements. A run records what it did in one audit
event (``privacy.retention.applied``, the counts per rule); a second run finds nothing
left to do. The audit trail and the ledger are never touched (the database refuses it anyway).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from celery import shared_task
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import Notice
from audit.services import audit_record
from contributors.models import Contributor
from conversations.models import Message, ThreadStatus
from identity.models import OPEN_VERIFICATION_STATUSES, IdentityVerification, VerificationStatus
from screening.models import ScreeningMatch, ScreeningRecord, ScreeningReview, SubjectKind
from vetting.models import CredentialDocument, CredentialStatus

from ..models import DataExport, ExportStatus, LegalHold
from ..retention import RULES_BY_KIND


def _held_users():
    return LegalHold.objects.filter(released_at__isnull=True).values("user_id")


def _held_contributors():
    return Contributor.objects.filter(user_id__in=_held_users()).values("pk")


def _cutoff(kind: str, now: datetime) -> datetime:
    return now - RULES_BY_KIND[kind].keep_for


def _database_today(now: datetime):
    # The database refuses to delete a screening row before its ``keep_until`` by its own
    # date; the earlier of the two days keeps a run from asking it to.
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_date")
        (database_today,) = cursor.fetchone()
    return min(now.date(), database_today)


def apply_sanctions_screening(now: datetime) -> int:
    today = _database_today(now)
    held = Q(subject__kind=SubjectKind.EXPERT, subject__ref_id__in=Subquery(_held_contributors()))
    records = ScreeningRecord.objects.filter(keep_until__lt=today).exclude(held)
    reviews = ScreeningReview.objects.filter(keep_until__lt=today).exclude(held)
    reviews_deleted, _ = reviews.delete()
    # A record goes with its matches, once no review still kept refers to it.
    removable = records.exclude(Exists(ScreeningReview.objects.filter(record=OuterRef("pk"))))
    ScreeningMatch.objects.filter(record__in=removable.values("pk")).delete()
    records_deleted, _ = removable.delete()
    return records_deleted + reviews_deleted


def apply_credential_documents_rejected(now: datetime) -> int:
    cutoff = _cutoff("credential_documents_rejected", now)
    documents = CredentialDocument.objects.filter(
        Q(credential__status=CredentialStatus.REJECTED, credential__decided_at__lt=cutoff)
        | Q(credential__status=CredentialStatus.EXPIRED, credential__updated_at__lt=cutoff)
    ).exclude(credential__contributor__in=Subquery(_held_contributors()))
    names = list(documents.values_list("file", flat=True))
    deleted, _ = documents.delete()
    storage = CredentialDocument._meta.get_field("file").storage
    transaction.on_commit(lambda: [storage.delete(name) for name in names if name])
    return deleted


def apply_identity_unfinished(now: datetime) -> int:
    cutoff = _cutoff("identity_unfinished", now)
    unfinished = [*OPEN_VERIFICATION_STATUSES, VerificationStatus.CANCELED]
    return (
        IdentityVerification.objects.filter(status__in=unfinished, updated_at__lt=cutoff)
        .exclude(contributor__in=Subquery(_held_contributors()))
        .exclude(
            verified_name="", verified_dob__isnull=True, document_country="", document_type="", document_fingerprint=""
        )
        .update(verified_name="", verified_dob=None, document_country="", document_type="", document_fingerprint="")
    )


def apply_data_export_requests(now: datetime) -> int:
    cutoff = _cutoff("data_export_requests", now)
    # A copy still waiting to be downloaded is left to the sweep that deletes its file.
    finished = [ExportStatus.DOWNLOADED, ExportStatus.EXPIRED, ExportStatus.FAILED]
    deleted, _ = (
        DataExport.objects.filter(status__in=finished, requested_at__lt=cutoff)
        .exclude(user_id__in=_held_users())
        .delete()
    )
    return deleted


RETENTION_NOTE = "(Removed under the retention schedule, 3 years after the conversation closed.)"


def apply_messages(now: datetime) -> int:
    cutoff = _cutoff("messages", now)
    messages = (
        Message.objects.filter(thread__status=ThreadStatus.CLOSED, thread__closed_at__lt=cutoff)
        .exclude(thread__contributor__in=Subquery(_held_contributors()))
        .exclude(body=RETENTION_NOTE, attachment="")
    )
    names = list(messages.exclude(attachment="").values_list("attachment", flat=True))
    cleared = messages.update(
        body=RETENTION_NOTE, attachment="", attachment_name="", attachment_type="", attachment_size=None
    )
    storage = Message._meta.get_field("attachment").storage
    transaction.on_commit(lambda: [storage.delete(name) for name in names])
    return cleared


def apply_notices(now: datetime) -> int:
    cutoff = _cutoff("notices", now)
    deleted, _ = Notice.objects.filter(read_at__lt=cutoff).exclude(recipient_id__in=_held_users()).delete()
    return deleted


def apply_sessions(now: datetime) -> int:
    deleted, _ = Session.objects.filter(expire_date__lt=now).delete()
    return deleted


APPLIERS: dict[str, Callable[[datetime], int]] = {
    "sanctions_screening": apply_sanctions_screening,
    "credential_documents_rejected": apply_credential_documents_rejected,
    "identity_unfinished": apply_identity_unfinished,
    "data_export_requests": apply_data_export_requests,
    "sessions": apply_sessions,
    "messages": apply_messages,
    "notices": apply_notices,
}


def retention_apply(*, actor=None, now: datetime | None = None) -> dict[str, int]:
    """Apply every rule that removes something, in one transaction with one audit event."""
    now = now or timezone.now()
    with transaction.atomic():
        done = {kind: apply(now) for kind, apply in APPLIERS.items()}
        audit_record(
            actor=actor,
            action="privacy.retention.applied",
            after={"at": now, "removed": done, "total": sum(done.values())},
        )
    return done


@shared_task(name="privacy.tasks.retention_apply_task")
def retention_apply_task() -> dict[str, int]:
    return retention_apply(actor=None)
