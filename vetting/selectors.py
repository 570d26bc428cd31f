from django.db.models import Count, Q, QuerySet

from accounts.models import User
from accounts.permissions import can_read_credential_documents, is_expert, is_ops
from contributors.models import Contributor

from .models import (
    OPEN_CASE_STATUSES,
    Assessment,
    AssessmentAttempt,
    AttemptStatus,
    Credential,
    CredentialQuestion,
    CredentialStatus,
    DeactivationCase,
    TierDecision,
    TierDecisionStatus,
)

REVIEW_QUEUE_STATUSES = (CredentialStatus.SUBMITTED, CredentialStatus.IN_REVIEW, CredentialStatus.NEEDS_INFO)


def credentials_of(*, contributor: Contributor) -> QuerySet[Credential]:
    return (
        Credential.objects.filter(contributor=contributor)
        .select_related("field__parent")
        .prefetch_related("questions", "documents")
        .order_by("-submitted_at")
    )


def credential_review_queue(*, status: str = "", reviewer: User | None = None) -> QuerySet[Credential]:
    """Oldest first, so nobody waits longest for being unlucky."""
    credentials = Credential.objects.select_related("contributor__user", "field__parent", "reviewer")
    credentials = credentials.filter(status=status) if status else credentials.filter(status__in=REVIEW_QUEUE_STATUSES)
    if reviewer is not None:
        credentials = credentials.filter(reviewer=reviewer)
    return credentials.order_by("submitted_at")


def credential_visible_to(*, user: User, pk: int) -> Credential | None:
    """A credential its owner or an operations member may see; None for anyone else."""
    credentials = Credential.objects.select_related("contributor__user", "field__parent", "reviewer").prefetch_related(
        "questions", "documents"
    )
    if is_ops(user):
        return credentials.filter(pk=pk).first()
    if is_expert(user):
        return credentials.filter(pk=pk, contributor__user=user).first()
    return None


def credential_with_document_visible_to(*, user: User, pk: int) -> Credential | None:
    """A credential whose documents ``user`` may open: its owner or an operations reviewer; None for anyone else."""
    if not can_read_credential_documents(user):
        return None
    return credential_visible_to(user=user, pk=pk)


def tier_decisions_pending() -> QuerySet[TierDecision]:
    return TierDecision.objects.filter(status=TierDecisionStatus.PENDING_APPROVAL).select_related(
        "contributor", "proposed_by"
    )


def tier_history(*, contributor: Contributor) -> QuerySet[TierDecision]:
    return contributor.tier_decisions.select_related("proposed_by", "second_approver").order_by("-proposed_at")


def assessments_open() -> QuerySet[Assessment]:
    return Assessment.objects.filter(is_active=True).select_related("domain__parent").order_by("title")


def attempts_of(*, contributor: Contributor) -> QuerySet[AssessmentAttempt]:
    return contributor.assessment_attempts.select_related("assessment").order_by("-started_at")


def attempts_submitted_of(*, contributor: Contributor) -> QuerySet[AssessmentAttempt]:
    """Submitted attempts, newest first, each with its result as it stands (re-scored on review or not)."""
    return attempts_of(contributor=contributor).filter(status=AttemptStatus.SUBMITTED)


def assessment_retake_from(*, contributor: Contributor, assessment: Assessment):
    """When ``contributor`` may next start ``assessment``: the wait after their latest submitted attempt.

    None when they have never submitted one; a moment in the past once the wait is over.
    """
    latest = (
        AssessmentAttempt.objects.filter(contributor=contributor, assessment=assessment, status=AttemptStatus.SUBMITTED)
        .select_related("assessment")
        .order_by("-submitted_at")
        .first()
    )
    return latest.retake_from if latest is not None else None


def cases_of(*, contributor: Contributor) -> QuerySet[DeactivationCase]:
    return contributor.deactivation_cases.order_by("-opened_at")


def cases_open() -> QuerySet[DeactivationCase]:
    return (
        DeactivationCase.objects.filter(status__in=OPEN_CASE_STATUSES)
        .select_related("contributor")
        .order_by("opened_at")
    )


def vetting_counts() -> dict[str, int]:
    return Credential.objects.aggregate(
        submitted=Count("id", filter=Q(status=CredentialStatus.SUBMITTED)),
        in_review=Count("id", filter=Q(status=CredentialStatus.IN_REVIEW)),
        needs_info=Count("id", filter=Q(status=CredentialStatus.NEEDS_INFO)),
    )


# --- reads for the pages -------------------------------------------------------------


def credential_summary(*, contributor: Contributor) -> dict[str, int]:
    """How many of an expert's credentials are in each status (every status present, zero or not)."""
    counts = dict(
        Credential.objects.filter(contributor=contributor).values_list("status").annotate(n=Count("id")).order_by()
    )
    return {status: counts.get(status, 0) for status in CredentialStatus.values}


def open_questions_of(*, contributor: Contributor) -> QuerySet[CredentialQuestion]:
    """Reviewers' questions the expert still has to answer."""
    return (
        CredentialQuestion.objects.filter(
            credential__contributor=contributor,
            credential__status=CredentialStatus.NEEDS_INFO,
            answered_at__isnull=True,
        )
        .select_related("credential")
        .order_by("asked_at")
    )


def assessment_open(*, pk: int) -> Assessment | None:
    return assessments_open().filter(pk=pk).first()


def attempt_of_expert(*, user: User, pk: int) -> AssessmentAttempt | None:
    return AssessmentAttempt.objects.select_related("assessment").filter(pk=pk, contributor__user=user).first()


def case_of_expert(*, user: User, pk: int) -> DeactivationCase | None:
    return DeactivationCase.objects.filter(pk=pk, contributor__user=user).first()


def cases_open_of(*, contributor: Contributor) -> QuerySet[DeactivationCase]:
    return cases_of(contributor=contributor).filter(status__in=OPEN_CASE_STATUSES)


def case_for_ops(*, pk: int) -> DeactivationCase | None:
    return (
        DeactivationCase.objects.select_related("contributor__user", "opened_by", "decided_by", "appeal_decided_by")
        .filter(pk=pk)
        .first()
    )


def case_list(*, status: str = "") -> QuerySet[DeactivationCase]:
    """Open cases (oldest first) by default; "all" or one status otherwise (newest first)."""
    if not status:
        return cases_open()
    cases = DeactivationCase.objects.select_related("contributor").order_by("-opened_at")
    return cases if status == "all" else cases.filter(status=status)


def tier_decision_pending(*, pk: int) -> TierDecision | None:
    return tier_decisions_pending().filter(pk=pk).first()
