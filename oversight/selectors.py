"""Reads: the automated decisions about a person, their review requests, operations' queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from contributors.selectors import contributor_for_user
from marketplace.models import Lab, QualityScore, ReviewAlert, ReviewStatus, TaskSubmission, TimeEntry
from vetting.models import AssessmentAttempt, AttemptStatus, Credential, CredentialStatus

from .decisions import Decision, decision_find
from .models import RequestStatus, ReviewRequest
from .systems import REMIND_DAYS

# The most recent decisions of each kind shown on a person's page; older ones are on the
# pages where they happen.
RECENT = 50


def review_requests_of(*, user: User) -> QuerySet[ReviewRequest]:
    return ReviewRequest.objects.filter(requester=user).order_by("-opened_at", "-id")


def review_request_of(*, user: User, pk: int) -> ReviewRequest | None:
    return ReviewRequest.objects.filter(requester=user, pk=pk).select_related("decided_by").first()


def review_queue(*, include_decided: bool = False) -> QuerySet[ReviewRequest]:
    """Oldest first: the order operations answer in."""
    rows = ReviewRequest.objects.select_related("requester", "configured_by", "decided_by")
    if not include_decided:
        rows = rows.filter(status=RequestStatus.OPEN)
    return rows.order_by("opened_at", "id")


def review_queue_overdue() -> QuerySet[ReviewRequest]:
    """Open requests past the day their answer was promised, most overdue first."""
    return (
        ReviewRequest.objects.select_related("requester", "configured_by", "decided_by")
        .filter(status=RequestStatus.OPEN, due_at__lt=timezone.now())
        .order_by("due_at", "id")
    )


def review_request_get(*, pk: int) -> ReviewRequest | None:
    return ReviewRequest.objects.select_related("requester", "configured_by", "decided_by").filter(pk=pk).first()


@dataclass(frozen=True)
class QueueRow:
    request: ReviewRequest
    age: timedelta
    overdue: bool
    # Open and due within ``REMIND_DAYS`` days, not yet overdue.
    due_soon: bool = False
    # How long past its answer date an overdue request is.
    overdue_by: timedelta | None = None


def queue_rows(requests) -> list[QueueRow]:
    now = timezone.now()
    rows = []
    for r in requests:
        overdue = r.is_open and now > r.due_at
        rows.append(
            QueueRow(
                request=r,
                age=now - r.opened_at,
                overdue=overdue,
                due_soon=r.is_open and not overdue and r.due_at - now <= timedelta(days=REMIND_DAYS),
                overdue_by=now - r.due_at if overdue else None,
            )
        )
    return rows


def decisions_about(*, user: User) -> list[tuple[Decision, ReviewRequest | None]]:
    """Every automated decision about ``user`` in force, each with their latest request about it."""
    candidates: list[tuple[str, int]] = []
    contributor = contributor_for_user(user=user)
    if contributor is not None:
        tasks = TaskSubmission.objects.filter(contributor=contributor).order_by("-submitted_at")
        candidates += [
            ("fast_submission_hold", pk)
            for pk in tasks.filter(status=ReviewStatus.HELD).values_list("pk", flat=True)[:RECENT]
        ]
        candidates += [
            ("judge_routing", pk) for pk in tasks.filter(needs_expert_review=True).values_list("pk", flat=True)[:RECENT]
        ]
        candidates += [
            ("auto_approval", pk)
            for pk in tasks.filter(status=ReviewStatus.AUTO_APPROVED).values_list("pk", flat=True)[:RECENT]
        ]
        entries = TimeEntry.objects.filter(
            contributor=contributor, is_current=True, status=ReviewStatus.AUTO_APPROVED
        ).order_by("-submitted_at")
        candidates += [("time_auto_approval", pk) for pk in entries.values_list("pk", flat=True)[:RECENT]]
        candidates += [
            ("quality_scores", pk)
            for pk in QualityScore.objects.filter(contributor=contributor).values_list("pk", flat=True)
        ]
        candidates.append(("payout_holds", contributor.pk))
        attempts = AssessmentAttempt.objects.filter(contributor=contributor, status=AttemptStatus.SUBMITTED)
        candidates += [
            ("assessment_scoring", pk)
            for pk in attempts.order_by("-submitted_at").values_list("pk", flat=True)[:RECENT]
        ]
        expired = Credential.objects.filter(contributor=contributor, status=CredentialStatus.EXPIRED)
        candidates += [("credential_expiry", pk) for pk in expired.values_list("pk", flat=True)[:RECENT]]
    candidates += [
        ("sanctions_screening", pk)
        for pk in Lab.objects.filter(memberships__user=user).values_list("pk", flat=True)[:RECENT]
    ]
    candidates += [
        ("rejection_rate_alerts", pk)
        for pk in ReviewAlert.objects.filter(reviewer=user).order_by("-raised_at").values_list("pk", flat=True)[:RECENT]
    ]
    latest = {}
    for request in ReviewRequest.objects.filter(requester=user).order_by("opened_at", "id"):
        latest[(request.system, request.subject_id)] = request
    found = []
    for system, subject_id in candidates:
        try:
            decision = decision_find(user=user, system_key=system, subject_id=subject_id)
        except Http404:
            continue
        found.append((decision, latest.get((system, subject_id))))
    return found
