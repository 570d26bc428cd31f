"""Appeals against a rejection: the expert appeals once, a different reviewer decides."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind, User
from accounts.notifications import notify_after_commit
from audit.services import audit_record
from config.errors import ApplicationError, NotPermitted
from payouts.weeks import pay_weeks_changed

from ..models import DisputeStatus, ReviewStatus, TaskSubmission, TimeDispute, TimeEntry
from .checks import check_approval_within_budget
from .reviews import LAB_REVIEWERS, _kind, _lock, _recompute_reason, _require_lab_reviewer

__all__ = ["work_appeal", "work_decide_appeal"]


def work_appeal(*, actor: User, item: TimeEntry | TaskSubmission, reason: str) -> TimeEntry | TaskSubmission:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "Say why the rejection is wrong.", code="reason_required", fields={"reason": ["This field is required."]}
        )
    with transaction.atomic():
        item = _lock(item)
        if item.contributor.user_id != actor.pk:
            raise NotPermitted("Only the expert who did the work can appeal.")
        if item.status != ReviewStatus.REJECTED or item.appeal_decided_at is not None:
            raise ApplicationError("Only a rejection can be appealed, once.", code="illegal_transition")
        if (
            isinstance(item, TimeEntry)
            and TimeDispute.objects.filter(time_entry=item, status=DisputeStatus.UPHELD).exists()
        ):
            raise ApplicationError(
                "Operations decided this time was not worked; that decision is not appealed to the lab.",
                code="illegal_transition",
            )
        if timezone.now() > item.reviewed_at + timedelta(days=item.project.appeal_window_days):
            raise ApplicationError("The appeal window has closed.", code="window_closed")
        item.status = ReviewStatus.APPEALED
        item.appeal_reason = reason
        item.appealed_at = timezone.now()
        item.save(update_fields=["status", "appeal_reason", "appealed_at"])
        audit_record(
            actor=actor,
            action=f"marketplace.{_kind(item)}.appealed",
            target=item,
            before={"status": ReviewStatus.REJECTED},
            after={"status": item.status},
            reason=reason,
        )
        reviewers = [
            m.user
            for m in item.project.lab.memberships.filter(role__in=LAB_REVIEWERS).select_related("user")
            if m.user_id != item.reviewed_by_id
        ]
        notify_after_commit(
            kind=NoticeKind.APPEALS,
            link=reverse("lab-review", args=[item.project_id]),
            recipients=reviewers,
            subject=f"Appeal to decide on “{item.project.title}”",
            body=f"{item.contributor.display_name} appealed a rejection:\n\n{reason}",
        )
    return item


def work_decide_appeal(
    *, actor: User, item: TimeEntry | TaskSubmission, approve: bool, reason: str
) -> TimeEntry | TaskSubmission:
    """A reviewer other than the one who rejected decides; their decision is final."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "Give the reason for the decision.", code="reason_required", fields={"reason": ["This field is required."]}
        )
    with transaction.atomic():
        item = _lock(item)
        _require_lab_reviewer(actor, item)
        if item.status != ReviewStatus.APPEALED:
            raise ApplicationError("This work is not under appeal.", code="illegal_transition")
        if item.reviewed_by_id == actor.pk:
            raise NotPermitted("The reviewer who rejected the work cannot decide its appeal.", code="four_eyes")
        if approve:
            check_approval_within_budget(item)
            # The pay week is held before the approval is stamped: see payouts.payrun.
            pay_weeks_changed(
                contributor_days=[(item.contributor_id, item.work_date)],
                reason=_recompute_reason(item, "appeal upheld after the week was locked"),
            )
        item.status = ReviewStatus.APPROVED if approve else ReviewStatus.REJECTED
        item.appeal_decided_by = actor
        item.appeal_decision_reason = reason
        item.appeal_decided_at = timezone.now()
        item.save(update_fields=["status", "appeal_decided_by", "appeal_decision_reason", "appeal_decided_at"])
        audit_record(
            actor=actor,
            action=f"marketplace.{_kind(item)}.appeal_{'upheld' if approve else 'refused'}",
            target=item,
            before={"status": ReviewStatus.APPEALED},
            after={"status": item.status},
            reason=reason,
        )
        notify_after_commit(
            kind=NoticeKind.APPEALS,
            link=reverse(
                "expert-tasks" if isinstance(item, TaskSubmission) else "expert-time-history", args=[item.engagement_id]
            ),
            recipients=[item.contributor.user],
            subject="Your appeal was upheld: the work is approved" if approve else "Your appeal was refused",
            body=f"The reason:\n\n{reason}",
        )
    return item
