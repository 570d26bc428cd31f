"""Verifying an expert's identity with Stripe Identity: a document and a matching selfie.

The expert is sent to Stripe's hosted page; Stripe's webhooks tell us the outcome, which
we re-read from Stripe (the payload is only a hint) and keep: the status, the verified
name and date of birth, and the document's fingerprint. The images stay with Stripe.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind, User
from accounts.notifications import notify_after_commit
from audit.services import audit_record
from config.errors import ApplicationError, Conflict, NotPermitted
from contributors.models import Contributor
from identity.fingerprints import document_fingerprint
from identity.models import IdentityVerification, VerificationStatus
from identity.names import name_score, names_match
from identity.services.cases import account_case_open_name_review
from identity.services.duplicates import duplicate_check_document
from payouts.gateway import stripe_api as gateway
from screening.models import SubjectKind
from screening.services import screening_subject_update

# Stripe's ``last_error.code`` in words an expert can act on.
ERROR_WORDS = {
    "abandoned": "You left the verification before it was finished. Start again when you are ready.",
    "consent_declined": "You declined to be verified. Start again and accept to continue.",
    "device_not_supported": "Your device could not take the photos. Try again on a phone with a camera.",
    "document_expired": "Your identity document has expired. Try again with a document that is still valid.",
    "document_type_not_supported": "That kind of document is not accepted. Use a passport, ID card or driving licence.",
    "document_unverified_other": "Your document could not be verified. Try again with clear photos in good light.",
    "selfie_document_missing_photo": "The document has no photo of a face. Use a document with your photo on it.",
    "selfie_face_mismatch": "Your selfie did not match the photo on your document. Try again, facing the camera.",
    "selfie_manipulated": "The selfie could not be accepted. Take it live, without filters.",
    "selfie_unverified_other": "Your selfie could not be verified. Try again in good light.",
}


def error_in_words(code: str, reason: str = "") -> str:
    if not code:
        return ""
    return ERROR_WORDS.get(code) or reason or "The verification did not succeed. Try again."


def identity_verification_start(*, actor: User, contributor: Contributor, return_url: str) -> IdentityVerification:
    """The expert's verification session (a new one, or the unfinished one) with its hosted URL in ``.url``.

    Refused once verified. An attempt whose Stripe call failed is resumed with the same
    idempotency key, so one click too many never creates two sessions.
    """
    if contributor.user_id != actor.pk:
        raise NotPermitted("Only the expert verifies their own identity.")
    with transaction.atomic():
        # The profile's row serialises two clicks at once.
        contributor = Contributor.objects.select_for_update(of=("self",)).get(pk=contributor.pk)
        latest = IdentityVerification.objects.filter(contributor=contributor).first()
        if latest is not None and latest.status in (VerificationStatus.VERIFIED, VerificationStatus.NAME_REVIEW):
            raise Conflict(
                "Your identity is already verified."
                if latest.status == VerificationStatus.VERIFIED
                else "Your identity document is verified and its name is being compared with your profile.",
                code="identity_already_verified",
            )
        if latest is not None and latest.status == VerificationStatus.PROCESSING:
            raise Conflict(
                "Stripe is still checking your documents; you will hear from us soon.", code="identity_processing"
            )
        if latest is None or latest.status not in (VerificationStatus.CREATED, VerificationStatus.REQUIRES_INPUT):
            latest = IdentityVerification.objects.create(contributor=contributor)
            audit_record(actor=actor, action="identity.verification.started", target=latest)
    if latest.stripe_session_id:
        session = gateway.identity_session_retrieve(latest.stripe_session_id)
        if session.status != "requires_input":
            # Settled at Stripe meanwhile: its webhook brings the outcome; start again then.
            raise Conflict("Stripe is checking your documents; try again in a minute.", code="identity_processing")
    else:
        session = gateway.identity_session_create(
            verification_id=latest.pk,
            contributor_id=contributor.pk,
            return_url=return_url,
            idempotency_key=f"identity-verification:{latest.pk}",
        )
        with transaction.atomic():
            latest = IdentityVerification.objects.select_for_update().get(pk=latest.pk)
            if not latest.stripe_session_id:
                latest.stripe_session_id = session.id
                latest.save(update_fields=["stripe_session_id", "updated_at"])
    latest.url = session.url
    return latest


def _verification_for_session(session_id: str) -> int | None:
    found = IdentityVerification.objects.filter(stripe_session_id=session_id).values_list("pk", flat=True).first()
    if found is not None:
        return found
    # The webhook can arrive before the session id is saved: the session names our row.
    remote = gateway.identity_session_retrieve(session_id)
    verification_id = remote.metadata.get("verification_id", "")
    if not verification_id.isdigit():
        return None
    return (
        IdentityVerification.objects.filter(pk=int(verification_id), stripe_session_id__in=("", session_id))
        .values_list("pk", flat=True)
        .first()
    )


_SETTLED = (VerificationStatus.VERIFIED, VerificationStatus.NAME_REVIEW, VerificationStatus.NAME_MISMATCH)


def identity_verification_sync(*, session_id: str) -> IdentityVerification | None:
    """Bring a verification up to date with its Stripe session (the Identity webhooks).

    Re-read from Stripe while the row is locked; a verified outcome is final here (a
    repeated or late event changes nothing). Returns None for a session that is not ours.
    """
    verification_id = _verification_for_session(session_id)
    if verification_id is None:
        return None
    with transaction.atomic():
        verification = (
            IdentityVerification.objects.select_for_update().select_related("contributor__user").get(pk=verification_id)
        )
        if verification.status in _SETTLED:
            return verification
        remote = gateway.identity_session_retrieve(session_id)
        if remote.client_reference_id and remote.client_reference_id != f"contributor-{verification.contributor_id}":
            raise ApplicationError(f"Session {session_id} belongs to another expert.", code="identity_session_mismatch")
        before = {"status": verification.status, "last_error_code": verification.last_error_code}
        verification.stripe_session_id = session_id
        contributor = verification.contributor
        if remote.status == "verified":
            _apply_verified(verification, remote, legal_name=contributor.legal_name)
        elif remote.status == "processing":
            verification.status = VerificationStatus.PROCESSING
        elif remote.status == "canceled":
            verification.status = VerificationStatus.CANCELED
        elif remote.status == "requires_input":
            verification.status = (
                VerificationStatus.REQUIRES_INPUT if remote.last_error_code else VerificationStatus.CREATED
            )
            verification.last_error_code = remote.last_error_code[:60]
            verification.last_error = error_in_words(remote.last_error_code, remote.last_error_reason)[:500]
        after = {"status": verification.status, "last_error_code": verification.last_error_code}
        if after == before and verification.status not in _SETTLED:
            return verification
        verification.save()
        audit_record(
            actor=None,
            action="identity.verification.updated",
            target=verification,
            before=before,
            after={**after, "verified_at": verification.verified_at.isoformat() if verification.verified_at else None},
        )
        if verification.status == VerificationStatus.NAME_REVIEW:
            account_case_open_name_review(verification=verification, legal_name=contributor.legal_name)
        if verification.status in _SETTLED:
            duplicate_check_document(verification=verification)
            # The document's date of birth and name are what sanctions screening needs to
            # tell a namesake from a listed person; a changed subject is screened again now.
            screening_subject_update(
                actor=None,
                kind=SubjectKind.EXPERT,
                ref_id=contributor.pk,
                name=contributor.legal_name,
                country=contributor.country,
                other_names=[verification.verified_name] if verification.verified_name else None,
                date_of_birth=verification.verified_dob,
            )
        _tell_expert(verification)
    return verification


def _apply_verified(verification: IdentityVerification, remote: gateway.IdentitySession, *, legal_name: str) -> None:
    verified_name = " ".join(part for part in (remote.first_name, remote.last_name) if part)[:200]
    verification.verified_name = verified_name
    verification.verified_dob = remote.dob
    verification.document_country = remote.document_country[:2].upper()
    verification.document_type = remote.document_type[:30]
    # Only the fingerprint is kept; the number itself is dropped here.
    verification.document_fingerprint = document_fingerprint(
        issuing_country=remote.document_country, document_type=remote.document_type, number=remote.document_number
    )
    verification.name_score = name_score(legal_name, verified_name)
    verification.verified_at = timezone.now()
    verification.last_error_code = ""
    verification.last_error = ""
    verification.status = (
        VerificationStatus.VERIFIED if names_match(legal_name, verified_name) else VerificationStatus.NAME_REVIEW
    )


def _tell_expert(verification: IdentityVerification) -> None:
    user = verification.contributor.user
    if verification.status == VerificationStatus.VERIFIED:
        notify_after_commit(
            kind=NoticeKind.IDENTITY,
            link=reverse("expert-identity"),
            recipients=[user],
            subject="Your identity is verified",
            body="Stripe has verified your identity document and selfie. Nothing more is needed from you for this.",
        )
    elif verification.status == VerificationStatus.REQUIRES_INPUT:
        notify_after_commit(
            kind=NoticeKind.IDENTITY,
            link=reverse("expert-identity"),
            recipients=[user],
            subject="Your identity verification needs another try",
            body=f"{verification.last_error}\nStart again from your identity page (/me/identity/).",
        )
