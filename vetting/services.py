"""Vetting actions: credentials and their review, tiers, assessments, deactivation cases.

Every function runs in one transaction, locks the row it changes, checks the state
machine, and writes its audit event in that same transaction. Emails go out after commit.
"""

from __future__ import annotations

import hashlib
import math
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.notifications import notify_after_commit, ops_reviewers
from accounts.permissions import require_ops_reviewer
from audit.services import audit_record
from config.errors import ApplicationError, Conflict, NotPermitted
from contributors.models import Contributor, ContributorStatus, Domain, Tier
from contributors.reference import is_country
from contributors.services import contributor_status_set, contributor_summaries_refresh

from .models import (
    Assessment,
    AssessmentAttempt,
    AttemptStatus,
    CaseStatus,
    Credential,
    CredentialDocument,
    CredentialQuestion,
    CredentialStatus,
    DeactivationCase,
    TierDecision,
    TierDecisionStatus,
)

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


# --- helpers -------------------------------------------------------------------------


def _require_owner(actor: User, contributor: Contributor) -> None:
    if contributor.user_id != actor.pk:
        raise NotPermitted("Only the expert themself can do that.")


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


def _document_checked(document: UploadedFile | None) -> tuple[str, str]:
    """Validate an upload by its content, not its name; returns (content type, sha256)."""
    if document is None:
        raise ApplicationError(
            "Attach a document.", code="invalid_document", fields={"document": ["Attach a document."]}
        )
    limit = settings.CREDENTIAL_DOCUMENT_MAX_BYTES
    if document.size > limit:
        raise ApplicationError(
            "The document is too large.",
            code="invalid_document",
            fields={"document": [f"The file is {document.size:,} bytes; the limit is {limit:,} bytes."]},
        )
    if document.size == 0:
        raise ApplicationError(
            "The document is empty.", code="invalid_document", fields={"document": ["The file is empty."]}
        )
    document.seek(0)
    head = document.read(8192)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in DOCUMENT_TYPES:
        raise ApplicationError(
            "The document must be a PDF, PNG or JPEG file.",
            code="invalid_document",
            fields={"document": ["The file's content is not a PDF, PNG or JPEG, whatever its name says."]},
        )
    digest = hashlib.sha256()
    document.seek(0)
    for chunk in document.chunks():
        digest.update(chunk)
    document.seek(0)
    return kind.mime, digest.hexdigest()


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


# --- credentials ---------------------------------------------------------------------


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
        contributor_summaries_refresh(contributor_ids=[credential.contributor_id])
        audit_record(
            actor=actor,
            action="vetting.credential.verified",
            target=credential,
            before={"status": before},
            after={"status": credential.status},
            reason=note,
        )
        notify_after_commit(
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
                recipients=[credential.contributor.user],
                subject=f"Your credential “{credential.title}” has expired",
                body="Upload a renewed credential to keep being matched to projects that require it.",
            )
        Credential.objects.bulk_update(to_expire, ["status", "decided_at"])
        contributor_summaries_refresh(contributor_ids=sorted({c.contributor_id for c in to_expire}))
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
            notify_after_commit(
                recipients=[credential.contributor.user, *ops_reviewers()],
                subject=f"Credential “{credential.title}” expires on {credential.expires_on:%d %B %Y}",
                body="Upload the renewed credential before that date to stay eligible for projects that require it.",
            )
        Credential.objects.bulk_update(to_warn, ["expiry_warned_at"])
        warned = len(to_warn)
    return {"warned": warned, "expired": expired}


# --- tiers ---------------------------------------------------------------------------


def _apply_tier(*, actor: User, decision: TierDecision, contributor: Contributor) -> None:
    contributor.tier = decision.to_tier
    contributor.save(update_fields=["tier", "updated_at"])
    if contributor.status == ContributorStatus.APPLICANT:
        contributor_status_set(
            actor=actor, contributor=contributor, status=ContributorStatus.ACTIVE, reason="first tier decided"
        )
    notify_after_commit(
        recipients=[contributor.user],
        subject=f"Your tier is now {decision.get_to_tier_display()}",
        body=f"Reason recorded by our reviewers:\n\n{decision.reason}",
    )


def tier_decision_propose(*, actor: User, contributor: Contributor, tier: str, reason: str) -> TierDecision:
    """Set an expert's tier. Moving into the expert tier waits for a second approver."""
    require_ops_reviewer(actor, to="can do that")
    reason = (reason or "").strip()
    errors = {}
    if tier not in Tier.values:
        errors["tier"] = [f"'{tier}' is not a tier."]
    if not reason:
        errors["reason"] = ["Record why this tier is right for this expert."]
    if errors:
        raise ApplicationError("The tier decision has errors.", code="invalid", fields=errors)
    with transaction.atomic():
        contributor = Contributor.objects.select_for_update().select_related("user").get(pk=contributor.pk)
        if contributor.user_id == actor.pk:
            raise NotPermitted("You cannot decide your own tier.", code="own_tier")
        if contributor.status == ContributorStatus.DEACTIVATED:
            raise ApplicationError("This expert is deactivated.", code="contributor_deactivated")
        if contributor.tier == tier:
            raise ApplicationError(f"This expert is already in the {Tier(tier).label} tier.", code="tier_unchanged")
        needs_second = tier == Tier.EXPERT
        try:
            with transaction.atomic():
                decision = TierDecision.objects.create(
                    contributor=contributor,
                    from_tier=contributor.tier,
                    to_tier=tier,
                    reason=reason,
                    proposed_by=actor,
                    status=TierDecisionStatus.PENDING_APPROVAL if needs_second else TierDecisionStatus.APPLIED,
                    decided_at=None if needs_second else timezone.now(),
                )
        except IntegrityError:
            raise Conflict(
                "A tier decision for this expert is already waiting for a second approver.",
                code="tier_decision_pending",
            ) from None
        audit_record(
            actor=actor,
            action="vetting.tier.proposed" if needs_second else "vetting.tier.changed",
            target=contributor,
            before={"tier": contributor.tier},
            after={"tier": tier, "decision": decision.pk, "status": decision.status},
            reason=reason,
        )
        if needs_second:
            notify_after_commit(
                recipients=[u for u in ops_reviewers() if u.pk != actor.pk],
                subject=f"Second approval needed: {contributor.display_name} to the expert tier",
                body=f"Proposed by {actor.email}. Reason:\n\n{reason}",
            )
        else:
            _apply_tier(actor=actor, decision=decision, contributor=contributor)
    return decision


def _lock_pending_decision(decision: TierDecision) -> TierDecision:
    decision = TierDecision.objects.select_for_update().select_related("contributor__user").get(pk=decision.pk)
    if decision.status != TierDecisionStatus.PENDING_APPROVAL:
        raise ApplicationError("This tier decision is not waiting for approval.", code="illegal_transition")
    return decision


def tier_decision_approve(*, actor: User, decision: TierDecision) -> TierDecision:
    require_ops_reviewer(actor, to="can do that")
    with transaction.atomic():
        decision = _lock_pending_decision(decision)
        if decision.proposed_by_id == actor.pk:
            raise NotPermitted("The person who proposed a tier change cannot also approve it.", code="four_eyes")
        contributor = Contributor.objects.select_for_update().select_related("user").get(pk=decision.contributor_id)
        if contributor.user_id == actor.pk:
            raise NotPermitted("You cannot approve your own tier.", code="own_tier")
        decision.status = TierDecisionStatus.APPLIED
        decision.second_approver = actor
        decision.decided_at = timezone.now()
        decision.from_tier = contributor.tier
        decision.save(update_fields=["status", "second_approver", "decided_at", "from_tier"])
        audit_record(
            actor=actor,
            action="vetting.tier.changed",
            target=contributor,
            before={"tier": contributor.tier},
            after={"tier": decision.to_tier, "decision": decision.pk, "proposed_by": decision.proposed_by.email},
            reason=decision.reason,
        )
        _apply_tier(actor=actor, decision=decision, contributor=contributor)
    return decision


def tier_decision_decline(*, actor: User, decision: TierDecision, reason: str) -> TierDecision:
    require_ops_reviewer(actor, to="can do that")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "Say why you decline.", code="reason_required", fields={"reason": ["This field is required."]}
        )
    with transaction.atomic():
        decision = _lock_pending_decision(decision)
        if decision.proposed_by_id == actor.pk:
            raise NotPermitted("The person who proposed a tier change cannot also decide on it.", code="four_eyes")
        decision.status = TierDecisionStatus.DECLINED
        decision.second_approver = actor
        decision.decided_at = timezone.now()
        decision.decline_reason = reason
        decision.save(update_fields=["status", "second_approver", "decided_at", "decline_reason"])
        audit_record(
            actor=actor,
            action="vetting.tier.declined",
            target=decision.contributor,
            after={"decision": decision.pk, "to_tier": decision.to_tier},
            reason=reason,
        )
    return decision


# --- assessments ---------------------------------------------------------------------


def _questions_errors(questions) -> list[str]:
    if not isinstance(questions, list) or not questions:
        return ["Give at least one question."]
    problems = []
    for number, item in enumerate(questions, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("prompt"), str) or not item["prompt"].strip():
            problems.append(f"Question {number} needs a prompt.")
            continue
        choices = item.get("choices")
        if not isinstance(choices, list) or len(choices) < 2 or not all(isinstance(c, str) for c in choices):
            problems.append(f"Question {number} needs at least two text choices.")
            continue
        answer = item.get("answer")
        if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer < len(choices):
            problems.append(f"Question {number} needs the index of its correct choice.")
    return problems


def assessment_create(
    *,
    actor: User,
    title: str,
    domain: Domain,
    description: str,
    questions: list,
    pass_mark_percent: int,
    time_limit_minutes: int,
) -> Assessment:
    require_ops_reviewer(actor, to="can do that")
    errors = {}
    if problems := _questions_errors(questions):
        errors["questions"] = problems
    if not 1 <= pass_mark_percent <= 100:
        errors["pass_mark_percent"] = ["Use a pass mark from 1 to 100."]
    if not 1 <= time_limit_minutes <= 480:
        errors["time_limit_minutes"] = ["Use a time limit from 1 to 480 minutes."]
    if errors:
        raise ApplicationError("The assessment has errors.", code="invalid", fields=errors)
    with transaction.atomic():
        assessment = Assessment.objects.create(
            title=title,
            domain=domain,
            description=description,
            questions=questions,
            pass_mark_percent=pass_mark_percent,
            time_limit_minutes=time_limit_minutes,
        )
        audit_record(
            actor=actor,
            action="vetting.assessment.created",
            target=assessment,
            after={
                "title": title,
                "domain": domain.slug,
                "questions": len(questions),
                "time_limit_minutes": time_limit_minutes,
            },
        )
    return assessment


def assessment_attempt_start(*, actor: User, contributor: Contributor, assessment: Assessment) -> AssessmentAttempt:
    _require_owner(actor, contributor)
    if not assessment.is_active:
        raise ApplicationError("This assessment is closed.", code="assessment_closed")
    if contributor.status in (ContributorStatus.SUSPENDED, ContributorStatus.DEACTIVATED):
        raise ApplicationError("Your account cannot take assessments right now.", code="contributor_inactive")
    with transaction.atomic():
        try:
            with transaction.atomic():
                attempt = AssessmentAttempt.objects.create(
                    contributor=contributor, assessment=assessment, started_at=timezone.now()
                )
        except IntegrityError:
            raise Conflict(
                "You already have an attempt at this assessment in progress.", code="attempt_in_progress"
            ) from None
        audit_record(
            actor=actor,
            action="vetting.assessment.attempt_started",
            target=attempt,
            after={"assessment": assessment.pk},
        )
    return attempt


def assessment_attempt_submit(*, actor: User, attempt: AssessmentAttempt, answers: list) -> AssessmentAttempt:
    """Score an attempt and record the minutes it took, which are paid work."""
    with transaction.atomic():
        attempt = (
            AssessmentAttempt.objects.select_for_update().select_related("assessment", "contributor").get(pk=attempt.pk)
        )
        _require_owner(actor, attempt.contributor)
        if attempt.status != AttemptStatus.IN_PROGRESS:
            raise ApplicationError("This attempt was already submitted.", code="illegal_transition")
        questions = attempt.assessment.questions
        if (
            not isinstance(answers, list)
            or len(answers) != len(questions)
            or not all(a is None or (isinstance(a, int) and not isinstance(a, bool)) for a in answers)
        ):
            raise ApplicationError(
                "Answer every question.",
                code="invalid",
                fields={"answers": [f"Send {len(questions)} answers: the index of a choice, or null to skip."]},
            )
        correct = sum(1 for question, answer in zip(questions, answers, strict=True) if answer == question["answer"])
        now = timezone.now()
        elapsed_minutes = math.ceil((now - attempt.started_at).total_seconds() / 60)
        attempt.status = AttemptStatus.SUBMITTED
        attempt.submitted_at = now
        attempt.minutes_worked = max(1, min(elapsed_minutes, attempt.assessment.time_limit_minutes))
        attempt.answers = answers
        attempt.score_percent = (Decimal(100) * correct / len(questions)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        attempt.passed = attempt.score_percent >= attempt.assessment.pass_mark_percent
        attempt.save(update_fields=["status", "submitted_at", "minutes_worked", "answers", "score_percent", "passed"])
        audit_record(
            actor=actor,
            action="vetting.assessment.attempt_submitted",
            target=attempt,
            after={
                "minutes_worked": attempt.minutes_worked,
                "score_percent": attempt.score_percent,
                "passed": attempt.passed,
            },
        )
    return attempt


# --- deactivation cases --------------------------------------------------------------

OPEN_CASE_STATUSES = (CaseStatus.WARNED, CaseStatus.NOTICE, CaseStatus.RESPONDED, CaseStatus.APPEALED)


def _lock_case(case: DeactivationCase) -> DeactivationCase:
    return DeactivationCase.objects.select_for_update().select_related("contributor__user").get(pk=case.pk)


def _case_state(case: DeactivationCase, allowed: tuple[str, ...], doing: str) -> None:
    if case.status not in allowed:
        raise ApplicationError(
            f"You cannot {doing} a case that is '{case.get_status_display()}'.", code="illegal_transition"
        )


def _required(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ApplicationError(message, code="invalid", fields={field: ["This field is required."]})
    return value


def deactivation_case_open(*, actor: User, contributor: Contributor, concern: str) -> DeactivationCase:
    """Step one: a warning the expert can read, before any notice or decision."""
    require_ops_reviewer(actor, to="can do that")
    concern = _required(concern, "concern", "Describe the concern the expert is being warned about.")
    with transaction.atomic():
        contributor = Contributor.objects.select_for_update().select_related("user").get(pk=contributor.pk)
        if contributor.user_id == actor.pk:
            raise NotPermitted("You cannot open a case about yourself.")
        if contributor.status == ContributorStatus.DEACTIVATED:
            raise ApplicationError("This expert is already deactivated.", code="contributor_deactivated")
        try:
            with transaction.atomic():
                case = DeactivationCase.objects.create(contributor=contributor, concern=concern, opened_by=actor)
        except IntegrityError:
            raise Conflict("This expert already has an open case.", code="case_open") from None
        audit_record(
            actor=actor, action="vetting.case.warned", target=case, after={"status": case.status}, reason=concern
        )
        notify_after_commit(
            recipients=[contributor.user],
            subject="A warning about your account",
            body=f"Our team raised this concern:\n\n{concern}\n\nNothing has been decided. You can read the case "
            "from your account page.",
        )
    return case


def deactivation_case_give_notice(
    *, actor: User, case: DeactivationCase, evidence: str, response_days: int | None = None
) -> DeactivationCase:
    require_ops_reviewer(actor, to="can do that")
    evidence = _required(evidence, "evidence", "A notice must show the expert the evidence.")
    days = response_days if response_days is not None else settings.DEACTIVATION_RESPONSE_DAYS
    if not 3 <= days <= 60:
        raise ApplicationError(
            "The response window must be 3 to 60 days.", code="invalid", fields={"response_days": ["Use 3 to 60 days."]}
        )
    with transaction.atomic():
        case = _lock_case(case)
        _case_state(case, (CaseStatus.WARNED,), "give notice on")
        now = timezone.now()
        case.status = CaseStatus.NOTICE
        case.evidence = evidence
        case.notice_given_at = now
        case.response_due_at = now + timedelta(days=days)
        case.save(update_fields=["status", "evidence", "notice_given_at", "response_due_at"])
        audit_record(
            actor=actor,
            action="vetting.case.notice_given",
            target=case,
            before={"status": CaseStatus.WARNED},
            after={"status": case.status, "response_due_at": case.response_due_at},
            reason=evidence,
        )
        notify_after_commit(
            recipients=[case.contributor.user],
            subject="Notice: please respond about your account",
            body=f"Evidence:\n\n{evidence}\n\nYou have until {case.response_due_at:%d %B %Y %H:%M} UTC to respond. "
            "Any pay you have earned will be paid whatever the outcome.",
        )
    return case


def deactivation_case_respond(*, actor: User, case: DeactivationCase, response: str) -> DeactivationCase:
    response = _required(response, "response", "Write your response.")
    with transaction.atomic():
        case = _lock_case(case)
        _require_owner(actor, case.contributor)
        _case_state(case, (CaseStatus.NOTICE,), "respond to")
        if timezone.now() > case.response_due_at:
            raise ApplicationError("The response window has closed.", code="window_closed")
        case.status = CaseStatus.RESPONDED
        case.expert_response = response
        case.responded_at = timezone.now()
        case.save(update_fields=["status", "expert_response", "responded_at"])
        audit_record(
            actor=actor,
            action="vetting.case.responded",
            target=case,
            before={"status": CaseStatus.NOTICE},
            after={"status": case.status, "response": response},
        )
    return case


def deactivation_case_decide(*, actor: User, case: DeactivationCase, deactivate: bool, reason: str) -> DeactivationCase:
    """A person decides, after the expert responded or the window closed."""
    require_ops_reviewer(actor, to="can do that")
    reason = _required(reason, "reason", "A decision needs a reason the expert can read.")
    with transaction.atomic():
        case = _lock_case(case)
        # A warning may be dismissed straight away; deactivating needs notice first.
        dismissing_warning = case.status == CaseStatus.WARNED and not deactivate
        if not dismissing_warning:
            _case_state(case, (CaseStatus.NOTICE, CaseStatus.RESPONDED), "decide")
            if case.status == CaseStatus.NOTICE and timezone.now() <= case.response_due_at:
                raise ApplicationError(
                    f"The expert has until {case.response_due_at:%d %B %Y %H:%M} UTC to respond; decide after that.",
                    code="window_open",
                )
        before = case.status
        now = timezone.now()
        case.status = CaseStatus.DEACTIVATED if deactivate else CaseStatus.DISMISSED
        case.decision_reason = reason
        case.decided_by = actor
        case.decided_at = now
        if deactivate:
            case.appeal_due_at = now + timedelta(days=settings.DEACTIVATION_APPEAL_DAYS)
        case.save(update_fields=["status", "decision_reason", "decided_by", "decided_at", "appeal_due_at"])
        audit_record(
            actor=actor,
            action="vetting.case.deactivated" if deactivate else "vetting.case.dismissed",
            target=case,
            before={"status": before},
            after={"status": case.status, "appeal_due_at": case.appeal_due_at, "earned_pay": "unaffected"},
            reason=reason,
        )
        if deactivate:
            contributor_status_set(
                actor=actor,
                contributor=case.contributor,
                status=ContributorStatus.DEACTIVATED,
                reason=f"case #{case.pk}: {reason}",
            )
        notify_after_commit(
            recipients=[case.contributor.user],
            subject="Decision on your account" if deactivate else "The case about your account is closed",
            body=(
                f"Decision: your account is deactivated.\n\nReason:\n\n{reason}\n\nYou can appeal until "
                f"{case.appeal_due_at:%d %B %Y} UTC; a different reviewer will decide. Everything you have earned "
                "will still be paid."
                if deactivate
                else f"No action was taken.\n\nReason:\n\n{reason}"
            ),
        )
    return case


def deactivation_case_appeal(*, actor: User, case: DeactivationCase, statement: str) -> DeactivationCase:
    statement = _required(statement, "statement", "Write why the decision should change.")
    with transaction.atomic():
        case = _lock_case(case)
        _require_owner(actor, case.contributor)
        _case_state(case, (CaseStatus.DEACTIVATED,), "appeal")
        if timezone.now() > case.appeal_due_at:
            raise ApplicationError("The appeal window has closed.", code="window_closed")
        case.status = CaseStatus.APPEALED
        case.appeal_statement = statement
        case.appealed_at = timezone.now()
        case.save(update_fields=["status", "appeal_statement", "appealed_at"])
        audit_record(
            actor=actor,
            action="vetting.case.appealed",
            target=case,
            before={"status": CaseStatus.DEACTIVATED},
            after={"status": case.status, "statement": statement},
        )
        notify_after_commit(
            recipients=[u for u in ops_reviewers() if u.pk != case.decided_by_id],
            subject=f"Appeal to decide: case #{case.pk}",
            body=f"{case.contributor.display_name} appealed:\n\n{statement}",
        )
    return case


def deactivation_case_decide_appeal(
    *, actor: User, case: DeactivationCase, reinstate: bool, reason: str
) -> DeactivationCase:
    require_ops_reviewer(actor, to="can do that")
    reason = _required(reason, "reason", "An appeal decision needs a reason.")
    with transaction.atomic():
        case = _lock_case(case)
        _case_state(case, (CaseStatus.APPEALED,), "decide the appeal of")
        if case.decided_by_id == actor.pk:
            raise NotPermitted(
                "An appeal must be decided by someone other than the original decider.", code="four_eyes"
            )
        case.status = CaseStatus.OVERTURNED if reinstate else CaseStatus.UPHELD
        case.appeal_decided_by = actor
        case.appeal_decision_reason = reason
        case.appeal_decided_at = timezone.now()
        case.save(update_fields=["status", "appeal_decided_by", "appeal_decision_reason", "appeal_decided_at"])
        audit_record(
            actor=actor,
            action="vetting.case.appeal_upheld" if reinstate else "vetting.case.appeal_refused",
            target=case,
            before={"status": CaseStatus.APPEALED},
            after={"status": case.status},
            reason=reason,
        )
        if reinstate:
            contributor_status_set(
                actor=actor,
                contributor=case.contributor,
                status=ContributorStatus.ACTIVE,
                reason=f"case #{case.pk} appeal: {reason}",
            )
        notify_after_commit(
            recipients=[case.contributor.user],
            subject="Your appeal was upheld: your account is active again" if reinstate else "Your appeal was refused",
            body=f"Reason:\n\n{reason}",
        )
    return case


def deactivation_windows_sweep(*, actor: User | None = None) -> int:
    """Tell reviewers about cases whose response window has closed, once per case."""
    now = timezone.now()
    with transaction.atomic():
        due = list(
            DeactivationCase.objects.select_for_update(skip_locked=True)
            .select_related("contributor")
            .filter(status=CaseStatus.NOTICE, response_due_at__lt=now, ops_reminded_at__isnull=True)
        )
        for case in due:
            case.ops_reminded_at = now
            audit_record(actor=actor, action="vetting.case.window_closed", target=case, after={"status": case.status})
        DeactivationCase.objects.bulk_update(due, ["ops_reminded_at"])
        if due:
            notify_after_commit(
                recipients=ops_reviewers(),
                subject=f"{len(due)} deactivation case(s) ready for a decision",
                body="\n".join(f"Case #{case.pk}: {case.contributor.display_name}" for case in due),
            )
    return len(due)
