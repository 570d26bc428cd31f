"""Per-task work: one submission per task, with the time it took."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import require_ops_reviewer
from audit.services import audit_record
from config.errors import ApplicationError, Conflict

from ..instruction_selectors import instruction_in_force_for_work
from ..models import Engagement, PayModel, ReviewStatus, TaskSubmission
from .checks import TASK_CANDIDATE, _local_date, _refuse
from .time_entries import _check_work, _own_active_engagement

__all__ = ["task_hold_lift", "task_routing_clear", "task_submit"]


def _hold_reason(*, minutes: int, estimate: int) -> str:
    if minutes * 2 < estimate:
        return f"Done in {minutes} of an estimated {estimate} minutes (under half): a person reviews it."
    return ""


def _routed_to_review(engagement: Engagement, confidence: Decimal | None) -> bool:
    """Low judge confidence (the project's lowest share so far) or the random sample."""
    project = engagement.project
    if random.random() < float(project.random_review_share):
        return True
    if confidence is None:
        return False
    below = TaskSubmission.objects.filter(project=project, judge_confidence__lt=confidence).count()
    scored = TaskSubmission.objects.filter(project=project, judge_confidence__isnull=False).count()
    # With nothing to compare against yet, every judged submission counts as "lowest".
    return scored == 0 or Decimal(below) / Decimal(scored) < project.judge_review_share


def task_submit(
    *,
    actor: User,
    engagement: Engagement,
    task_reference: str,
    minutes: int,
    answer: dict | None = None,
    judge_confidence: Decimal | None = None,
    work_date: date | None = None,
) -> TaskSubmission:
    """Submit one task with the time it took; very fast work is held for a person, never rejected."""
    task_reference = (task_reference or "").strip()
    if not task_reference:
        _refuse("Say which task this is.", task_reference="This field is required.")
    if judge_confidence is not None and not (0 <= judge_confidence <= 1):
        _refuse("A judge's confidence is between 0 and 1.", judge_confidence="Use a value from 0 to 1.")
    with transaction.atomic():
        engagement = _own_active_engagement(actor, engagement)
        if engagement.pay_model != PayModel.PER_TASK:
            raise ApplicationError("This engagement is paid by the hour; log time instead.", code="not_per_task")
        Engagement.objects.select_for_update().filter(contributor=engagement.contributor).exists()
        work_date = work_date or _local_date(timezone.now(), engagement.contributor.timezone)
        if not isinstance(minutes, int) or minutes <= 0:
            _refuse("The time taken must be more than zero.", minutes="Must be more than zero minutes.")
        _check_work(
            engagement=engagement,
            work_date=work_date,
            minutes=minutes,
            started_at=None,
            ended_at=None,
            activity=TASK_CANDIDATE,
        )
        hold = _hold_reason(minutes=minutes, estimate=engagement.task_estimate_minutes)
        try:
            with transaction.atomic():
                submission = TaskSubmission.objects.create(
                    engagement=engagement,
                    contributor=engagement.contributor,
                    project=engagement.project,
                    task_reference=task_reference,
                    work_date=work_date,
                    minutes=minutes,
                    estimate_minutes=engagement.task_estimate_minutes,
                    answer=answer or {},
                    judge_confidence=judge_confidence,
                    needs_expert_review=_routed_to_review(engagement, judge_confidence),
                    status=ReviewStatus.HELD if hold else ReviewStatus.SUBMITTED,
                    hold_reason=hold,
                    instruction_version=instruction_in_force_for_work(
                        engagement=engagement, work_date=work_date, started_at=None
                    ),
                )
        except IntegrityError:
            _refuse("This task was already submitted.", task_reference="Already submitted.")
        audit_record(
            actor=actor,
            action="marketplace.task.submitted",
            target=submission,
            after={
                "task_reference": task_reference,
                "minutes": minutes,
                "estimate_minutes": submission.estimate_minutes,
                "status": submission.status,
                "judge_confidence": judge_confidence,
                "needs_expert_review": submission.needs_expert_review,
            },
        )
    return submission


def task_hold_lift(*, actor: User, submission: TaskSubmission, reason: str) -> TaskSubmission:
    """Operations lift a fast-submission hold: the task waits for the lab's review like any other.

    Only the hold is undone; the lab still approves or rejects the task, and its review
    window runs from when it was submitted, as before.
    """
    require_ops_reviewer(actor, to="can lift a hold on a task")
    reason = (reason or "").strip()
    if not reason:
        _refuse("Say why the hold is lifted.", reason="This field is required.")
    with transaction.atomic():
        submission = TaskSubmission.objects.select_for_update().get(pk=submission.pk)
        if submission.status != ReviewStatus.HELD:
            raise Conflict("This task is not held any more.", code="not_held")
        before = {"status": submission.status, "hold_reason": submission.hold_reason}
        submission.status = ReviewStatus.SUBMITTED
        submission.hold_reason = ""
        submission.save(update_fields=["status", "hold_reason"])
        audit_record(
            actor=actor,
            action="marketplace.task.hold_lifted",
            target=submission,
            before=before,
            after={"status": submission.status},
            reason=reason,
        )
    return submission


def task_routing_clear(*, actor: User, submission: TaskSubmission, reason: str) -> TaskSubmission:
    """Operations take a task out of "put first for a person" routing after reviewing it.

    The task stops being put first in the lab's review queue and marked for a person; it
    waits, or stays decided, like any other. Its review status is not touched: the lab's
    reviewers still approve or reject it.
    """
    require_ops_reviewer(actor, to="can change how a task is routed")
    reason = (reason or "").strip()
    if not reason:
        _refuse("Say why the routing is changed.", reason="This field is required.")
    with transaction.atomic():
        submission = TaskSubmission.objects.select_for_update().get(pk=submission.pk)
        if not submission.needs_expert_review:
            raise Conflict("This task is not routed for a person any more.", code="not_routed")
        submission.needs_expert_review = False
        submission.save(update_fields=["needs_expert_review"])
        audit_record(
            actor=actor,
            action="marketplace.task.routing_cleared",
            target=submission,
            before={"needs_expert_review": True},
            after={"needs_expert_review": False},
            reason=reason,
        )
    return submission
