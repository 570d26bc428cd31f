"""Credentials and their review: submitted, questioned, verified, rejected, expired."""

import hashlib
from datetime import date, timedelta

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind, User
from accounts.notifications import notify_after_commit, ops_reviewers
from accounts.permissions import require_ops_reviewer
from audit.services import audit_record
from config.errors import ApplicationError, NotPermitted
from config.sql import sql_literal
from contributors.models import Contributor, Domain
from contributors.reference import is_country
from vetting.models import (
    Credential,
    CredentialDocument,
    CredentialQuestion,
    CredentialStatus,
)
from vetting.services.common import _require_owner

S = CredentialStatus

CREDENTIAL_TRANSITIONS: dict[str, frozenset[str]] = {
    S.SUBMITTED: frozenset({S.IN_REVIEW}),
    S.IN_REVIEW: frozenset({S.NEEDS_INFO, S.VERIFIED, S.REJECTED}),
    S.NEEDS_INFO: frozenset({S.IN_REVIEW}),
    S.VERIFIED: frozenset({S.EXPIRED}),
    S.REJECTED: frozenset(),
    S.EXPIRED: frozenset(),
}

# Content types accepted for credential documents, as sniffed from the bytes.
DOCUMENT_TYPES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}


def _transition(credential: Credential, to_status: str, *, only_from: str | None = None) -> str:
    """Move along the state machine or refuse; `only_from` narrows an edge to one action."""
    from_status = credential.status
    if to_status not in CREDENTIAL_TRANSITIONS[from_status] or (only_from and from_status != only_from):
        raise ApplicationError(
            f"A credential that is {credential.get_status_display().lower()} cannot be moved to "
            f"{S(to_status).label.lower()}.",
            code="illegal_transition",
        )
    credential.status = to_status
    return from_status


def _lock_credential(credential: Credential) -> Credential:
    return Credential.objects.select_for_update().select_related("contributor__user").get(pk=credential.pk)


def document_checked(document: UploadedFile | None, *, field: str = "document") -> tuple[str, str]:
    """Validate an upload by its content, not its name; returns (content type, sha256).

    The one check of an uploaded document (a PDF, PNG or JPEG of at most
    ``CREDENTIAL_DOCUMENT_MAX_BYTES``), for credentials and for the evidence of late work;
    ``field`` names the form field its messages are about.
    """
    if document is None:
        raise ApplicationError("Attach a document.", code="invalid_document", fields={field: ["Attach a document."]})
    limit = settings.CREDENTIAL_DOCUMENT_MAX_BYTES
    if document.size > limit:
        raise ApplicationError(
            "The document is too large.",
            code="invalid_document",
            fields={field: [f"The file is {document.size:,} bytes; the limit is {limit:,} bytes."]},
        )
    if document.size == 0:
        raise ApplicationError(
            "The document is empty.", code="invalid_document", fields={field: ["The file is empty."]}
        )
    document.seek(0)
    head = document.read(8192)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in DOCUMENT_TYPES:
        raise ApplicationError(
            "The document must be a PDF, PNG or JPEG file.",
            code="invalid_document",
            fields={field: ["The file's content is not a PDF, PNG or JPEG, whatever its name says."]},
        )
    digest = hashlib.sha256()
    document.seek(0)
    for chunk in document.chunks():
        digest.update(chunk)
    document.seek(0)
    return kind.mime, digest.hexdigest()


_document_checked = document_checked


def _store_document(*, credential: Credential, document: UploadedFile, uploaded_by: User) -> CredentialDocument:
    content_type, sha256 = _document_checked(document)
    stored = CredentialDocument(
        credential=credential,
        original_name=(document.name or "document")[:255],
        content_type=content_type,
        size_bytes=document.size,
        sha256=sha256,
        uploaded_by=uploaded_by,
    )
    # Validation runs before the transaction, so a file is rarely written for a row that
    # then rolls back; if it is, it stays private and unreferenced.
    stored.file.save("upload", document, save=False)
    stored.save()
    return stored


def credential_submit(
    *,
    actor: User,
    contributor: Contributor,
    kind: str,
    field: Domain,
    title: str,
    issuer: str,
    identifier: str,
    country: str,
    issued_on: date,
    expires_on: date | None,
    document: UploadedFile | None,
) -> Credential:
    _require_owner(actor, contributor)
    errors: dict[str, list[str]] = {}
    today = timezone.now().date()
    if issued_on > today:
        errors["issued_on"] = ["The issue date cannot be in the future."]
    if expires_on is not None and expires_on <= issued_on:
        errors["expires_on"] = ["The expiry date must be after the issue date."]
    elif expires_on is not None and expires_on <= today:
        errors["expires_on"] = ["This credential has already expired."]
    if not is_country(country):
        errors["country"] = [f"'{country}' is not an ISO 3166 country code."]
    if errors:
        raise ApplicationError("The credential has errors.", code="invalid_credential", fields=errors)
    _document_checked(document)

    with transaction.atomic():
        credential = Credential.objects.create(
            contributor=contributor,
            kind=kind,
            field=field,
            title=title,
            issuer=issuer,
            identifier=identifier,
            country=country,
            issued_on=issued_on,
            expires_on=expires_on,
        )
        stored = _store_document(credential=credential, document=document, uploaded_by=actor)
        audit_record(
            actor=actor,
            action="vetting.credential.submitted",
            target=credential,
            after={
                "kind": kind,
                "field": field.slug,
                "title": title,
                "issuer": issuer,
                "identifier": identifier,
                "country": country,
                "issued_on": issued_on,
                "expires_on": expires_on,
                "document_sha256": stored.sha256,
                "status": credential.status,
            },
        )
    return credential


def credential_review_start(*, actor: User, credential: Credential) -> Credential:
    require_ops_reviewer(actor, to="can do that")
    with transaction.atomic():
        credential = _lock_credential(credential)
        if credential.contributor.user_id == actor.pk:
            raise NotPermitted("You cannot review your own credential.", code="own_credential")
        # Leaving "needs information" is the expert's answer, not a reviewer's restart.
        before = _transition(credential, S.IN_REVIEW, only_from=S.SUBMITTED)
        credential.reviewer = actor
        credential.save(update_fields=["status", "reviewer", "updated_at"])
        audit_record(
            actor=actor,
            action="vetting.credential.review_started",
            target=credential,
            before={"status": before},
            after={"status": credential.status, "reviewer": actor.email},
        )
    return credential


def _require_reviewer_of(actor: User, credential: Credential) -> None:
    require_ops_reviewer(actor, to="can do that")
    if credential.contributor.user_id == actor.pk:
        raise NotPermitted("You cannot review your own credential.", code="own_credential")


def credential_request_info(*, actor: User, credential: Credential, question: str) -> CredentialQuestion:
    question = (question or "").strip()
    if not question:
        raise ApplicationError(
            "Write the question for the expert.", code="invalid", fields={"question": ["This field is required."]}
        )
    with transaction.atomic():
        credential = _lock_credential(credential)
        _require_reviewer_of(actor, credential)
        before = _transition(credential, S.NEEDS_INFO)
        credential.reviewer = actor
        credential.save(update_fields=["status", "reviewer", "updated_at"])
        asked = CredentialQuestion.objects.create(credential=credential, asked_by=actor, question=question)
        audit_record(
            actor=actor,
            action="vetting.credential.info_requested",
            target=credential,
            before={"status": before},
            after={"status": credential.status, "question": question},
        )
        notify_after_commit(
            kind=NoticeKind.CREDENTIALS,
            link=reverse("expert-credential", args=[credential.pk]),
            recipients=[credential.contributor.user],
            subject=f"We need more information about your credential “{credential.title}”",
            body=f"A reviewer asked:\n\n{question}\n\nAnswer it from your credentials page.",
        )
    return asked


def credential_answer(
    *, actor: User, credential: Credential, answer: str, document: UploadedFile | None = None
) -> Credential:
    """The expert answers the open question (optionally with a new document); review resumes."""
    answer = (answer or "").strip()
    if not answer:
        raise ApplicationError("Write your answer.", code="invalid", fields={"answer": ["This field is required."]})
    if document is not None:
        _document_checked(document)
    with transaction.atomic():
        credential = _lock_credential(credential)
        _require_owner(actor, credential.contributor)
        before = _transition(credential, S.IN_REVIEW, only_from=S.NEEDS_INFO)
        question = credential.questions.filter(answered_at__isnull=True).order_by("-asked_at").first()
        if question is not None:
            question.answer = answer
            question.answered_at = timezone.now()
            question.save(update_fields=["answer", "answered_at"])
        after = {"status": credential.status, "answer": answer}
        if document is not None:
            after["document_sha256"] = _store_document(
                credential=credential, document=document, uploaded_by=actor
            ).sha256
        credential.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="vetting.credential.info_provided",
            target=credential,
            before={"status": before},
            after=after,
        )
        if credential.reviewer is not None:
            notify_after_commit(
                kind=NoticeKind.CREDENTIALS,
                link=reverse("ops-credential", args=[credential.pk]),
                recipients=[credential.reviewer],
                subject=f"An expert answered your question about “{credential.title}”",
                body=f"{credential.contributor.display_name} answered:\n\n{answer}",
            )
    return credential


def credential_verify(*, actor: User, credential: Credential, note: str = "") -> Credential:
    with transaction.atomic():
        credential = _lock_credential(credential)
        _require_reviewer_of(actor, credential)
        if credential.expires_on is not None and credential.expires_on <= timezone.now().date():
            raise ApplicationError(
                "This credential has already expired and cannot be verified.", code="credential_expired"
            )
        before = _transition(credential, S.VERIFIED)
        credential.reviewer = actor
        credential.decided_at = timezone.now()
        credential.save(update_fields=["status", "reviewer", "decided_at", "updated_at"])
        credential_summaries_refresh(contributor_ids=[credential.contributor_id])
        audit_record(
            actor=actor,
            action="vetting.credential.verified",
            target=credential,
            before={"status": before},
            after={"status": credential.status},
            reason=note,
        )
        notify_after_commit(
            kind=NoticeKind.CREDENTIALS,
            link=reverse("expert-credential", args=[credential.pk]),
            recipients=[credential.contributor.user],
            subject=f"Your credential “{credential.title}” is verified",
            body="It now counts towards matching you with projects.",
        )
    return credential


def credential_reject(*, actor: User, credential: Credential, reason: str) -> Credential:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "A rejection needs a reason the expert can read.",
            code="reason_required",
            fields={"reason": ["This field is required."]},
        )
    with transaction.atomic():
        credential = _lock_credential(credential)
        _require_reviewer_of(actor, credential)
        before = _transition(credential, S.REJECTED)
        credential.reviewer = actor
        credential.decided_at = timezone.now()
        credential.rejection_reason = reason
        credential.save(update_fields=["status", "reviewer", "decided_at", "rejection_reason", "updated_at"])
        audit_record(
            actor=actor,
            action="vetting.credential.rejected",
            target=credential,
            before={"status": before},
            after={"status": credential.status},
            reason=reason,
        )
        notify_after_commit(
            kind=NoticeKind.CREDENTIALS,
            link=reverse("expert-credential", args=[credential.pk]),
            recipients=[credential.contributor.user],
            subject=f"Your credential “{credential.title}” was not verified",
            body=f"The reviewer's reason:\n\n{reason}\n\nYou can submit a corrected credential at any time.",
        )
    return credential


def credentials_expiry_sweep(*, actor: User | None = None, today: date | None = None) -> dict[str, int]:
    """Warn about verified credentials expiring soon and expire those past their date.

    Safe to run any number of times: each credential is warned once and expired once.
    """
    today = today or timezone.now().date()
    horizon = today + timedelta(days=settings.CREDENTIAL_EXPIRY_WARNING_DAYS)
    warned = expired = 0
    with transaction.atomic():
        to_expire = list(
            Credential.objects.select_for_update(skip_locked=True)
            .select_related("contributor__user")
            .filter(status=S.VERIFIED, expires_on__lte=today)
        )
        for credential in to_expire:
            _transition(credential, S.EXPIRED)
            credential.decided_at = timezone.now()
            audit_record(
                actor=actor,
                action="vetting.credential.expired",
                target=credential,
                before={"status": S.VERIFIED},
                after={"status": S.EXPIRED, "expires_on": credential.expires_on},
                reason="expiry date reached",
            )
            notify_after_commit(
                kind=NoticeKind.CREDENTIALS,
                link=reverse("expert-credential", args=[credential.pk]),
                recipients=[credential.contributor.user],
                subject=f"Your credential “{credential.title}” has expired",
                body="Upload a renewed credential to keep being matched to projects that require it.",
            )
        Credential.objects.bulk_update(to_expire, ["status", "decided_at"])
        credential_summaries_refresh(contributor_ids=sorted({c.contributor_id for c in to_expire}))
        expired = len(to_expire)

        to_warn = list(
            Credential.objects.select_for_update(skip_locked=True)
            .select_related("contributor__user")
            .filter(status=S.VERIFIED, expires_on__gt=today, expires_on__lte=horizon, expiry_warned_at__isnull=True)
        )
        now = timezone.now()
        for credential in to_warn:
            credential.expiry_warned_at = now
            audit_record(
                actor=actor,
                action="vetting.credential.expiry_flagged",
                target=credential,
                after={"expires_on": credential.expires_on},
            )
            subject = f"Credential “{credential.title}” expires on {credential.expires_on:%d %B %Y}"
            body = "Upload the renewed credential before that date to stay eligible for projects that require it."
            notify_after_commit(
                recipients=[credential.contributor.user],
                subject=subject,
                body=body,
                kind=NoticeKind.CREDENTIALS,
                link=reverse("expert-credential", args=[credential.pk]),
            )
            notify_after_commit(
                recipients=ops_reviewers(),
                subject=subject,
                body=body,
                kind=NoticeKind.CREDENTIALS,
                link=reverse("ops-credential", args=[credential.pk]),
            )
        Credential.objects.bulk_update(to_warn, ["expiry_warned_at"])
        warned = len(to_warn)
    return {"warned": warned, "expired": expired}


# --- what matching reads ---------------------------------------------------------------

CREDENTIAL_SUMMARIES_SQL = f"""
UPDATE contributors_contributor c SET
    verified_credential_kinds = COALESCE((
        SELECT array_agg(DISTINCT v.kind) FROM vetting_credential v
        WHERE v.contributor_id = c.id AND v.status = {sql_literal(CredentialStatus.VERIFIED)}
    ), '{{}}'),
    verified_credential_families = COALESCE((
        SELECT array_agg(DISTINCT COALESCE(d.parent_id, d.id))
        FROM vetting_credential v JOIN contributors_domain d ON d.id = v.field_id
        WHERE v.contributor_id = c.id AND v.status = {sql_literal(CredentialStatus.VERIFIED)}
    ), '{{}}')
WHERE c.id = ANY(%s)
"""


def credential_summaries_refresh(*, contributor_ids: list[int]) -> None:
    """Recompute the verified-credential summaries on experts' profiles that matching reads.

    Derived data, not an action: run inside the transaction of the change (a credential
    verified or expired), so the summaries never lag behind.
    """
    if contributor_ids:
        with connection.cursor() as cursor:
            cursor.execute(CREDENTIAL_SUMMARIES_SQL, [list(contributor_ids)])
