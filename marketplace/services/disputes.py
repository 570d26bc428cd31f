"""A lab disputes that logged time was worked at all; the expert answers; operations decide.

Distinct from rejecting work's quality, which never costs the expert the minimum-wage floor
on their minutes (domain rule: low-quality work is still paid; pay is withheld only for
fraud or a policy breach, decided by a person). A dispute withholds the floor on the
disputed minutes until operations decide with written reasons: upheld, those minutes owe
no floor and the entry is rejected for good; overturned, the entry goes back to where its
review stood and the floor withheld is paid (by the next pay run when its week was paid).
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind, User
from accounts.notifications import notify_after_commit, ops_reviewers
from accounts.permissions import require_ops_reviewer
from audit.services import audit_record
from config.errors import ApplicationError, NotPermitted
from payouts.models import PayPeriodStatus
from payouts.weeks import hold_pay_weeks, pay_weeks_changed, week_of

from ..models import (
    DISPUTABLE_STATUSES,
    DISPUTE_TEXT_MAX,
    DisputeStatus,
    ReviewStatus,
    TimeDispute,
    TimeEntry,
)
from ..permissions import LAB_REVIEWERS
from .reviews import _lock, _require_lab_reviewer

__all__ = ["DISPUTE_OUTCOMES", "time_dispute_decide", "time_dispute_open", "time_dispute_respond"]

DISPUTE_OUTCOMES = {"uphold": DisputeStatus.UPHELD, "overturn": DisputeStatus.OVERTURNED}


def _text(value: str, *, field: str, missing: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ApplicationError(missing, code="reason_required", fields={field: [missing]})
    if len(value) > DISPUTE_TEXT_MAX:
        message = f"Keep it to {DISPUTE_TEXT_MAX:,} characters."
        raise ApplicationError(message, code="too_long", fields={field: [message]})
    return value


def _lock_dispute(dispute: TimeDispute) -> TimeDispute:
    return (
        TimeDispute.objects.select_for_update()
        .select_related("time_entry", "project__lab", "contributor__user", "raised_by")
        .get(pk=dispute.pk)
    )


def time_dispute_open(*, actor: User, entry: TimeEntry, reason: str) -> TimeDispute:
    """The lab says this time was not worked at all. Only before the week's pay run: once a
    week is locked, its floor has been reckoned with the minutes in it."""
    reason = _text(reason, field="reason", missing="Say why you believe this time was not worked.")
    with transaction.atomic():
        entry = _lock(entry)
        _require_lab_reviewer(actor, entry)
        if TimeDispute.objects.filter(time_entry=entry).exists():
            raise ApplicationError("This entry has already been disputed.", code="illegal_transition")
        if entry.status not in DISPUTABLE_STATUSES:
            raise ApplicationError(
                f"This entry is {entry.get_status_display().lower()}; only time waiting for review or rejected "
                "can be disputed.",
                code="illegal_transition",
            )
        # Held like a review, so a pay run reads the week either before the dispute or not at all.
        [(_, week_status)] = hold_pay_weeks([entry.work_date]).values()
        if week_status != PayPeriodStatus.OPEN:
            raise ApplicationError(
                "The pay week of this entry is locked: its pay run has counted these minutes. "
                "Raise the matter with operations instead.",
                code="week_locked",
            )
        now = timezone.now()
        dispute = TimeDispute.objects.create(
            time_entry=entry,
            contributor_id=entry.contributor_id,
            project_id=entry.project_id,
            work_date=entry.work_date,
            minutes=entry.minutes,
            entry_status_before=entry.status,
            reason=reason,
            raised_by=actor,
            raised_at=now,
        )
        before = entry.status
        entry.status = ReviewStatus.DISPUTED
        entry.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="marketplace.time_dispute.opened",
            target=dispute,
            before={"entry_status": before},
            after={"entry": entry.pk, "entry_status": entry.status, "minutes": entry.minutes, "floor": "withheld"},
            reason=reason,
        )
        notify_after_commit(
            kind=NoticeKind.DISPUTES,
            link=reverse("expert-disputes"),
            recipients=[entry.contributor.user],
            subject=f"The lab disputes time you logged on “{entry.project.title}”",
            body=(
                f"The lab says the {entry.minutes} minutes you logged on {entry.work_date:%d %B %Y} were not worked:"
                f"\n\n{reason}\n\nYou can answer on your disputes page. Operations decide, with written reasons. "
                "Until then the minimum-wage floor on these minutes is withheld, not lost: if the dispute is "
                "overturned, it is paid with the next pay run."
            ),
        )
        notify_after_commit(
            kind=NoticeKind.DISPUTES,
            link=reverse("ops-dispute", args=[dispute.pk]),
            recipients=ops_reviewers(),
            subject=f"Time dispute to decide on “{entry.project.title}”",
            body=f"{entry.project.lab.name} disputes {entry.minutes} minutes logged by "
            f"{entry.contributor.display_name} on {entry.work_date:%d %B %Y}:\n\n{reason}",
        )
    return dispute


def time_dispute_respond(*, actor: User, dispute: TimeDispute, response: str) -> TimeDispute:
    """The expert's answer, which operations read before deciding; it can be rewritten until then."""
    response = _text(response, field="response", missing="Write your answer.")
    with transaction.atomic():
        dispute = _lock_dispute(dispute)
        if dispute.contributor.user_id != actor.pk:
            raise NotPermitted("Only the expert whose time is disputed can answer.")
        if dispute.status != DisputeStatus.OPEN:
            raise ApplicationError("Operations have already decided this dispute.", code="illegal_transition")
        before = dispute.response
        dispute.response = response
        dispute.responded_at = timezone.now()
        dispute.save(update_fields=["response", "responded_at"])
        audit_record(
            actor=actor,
            action="marketplace.time_dispute.answered",
            target=dispute,
            before={"response": before} if before else {},
            after={"response": response},
        )
        notify_after_commit(
            kind=NoticeKind.DISPUTES,
            link=reverse("ops-dispute", args=[dispute.pk]),
            recipients=ops_reviewers(),
            subject=f"The expert answered a time dispute on “{dispute.project.title}”",
            body=f"{dispute.contributor.display_name} answered:\n\n{response}",
        )
    return dispute


def time_dispute_decide(*, actor: User, dispute: TimeDispute, outcome: str, reason: str) -> TimeDispute:
    """Operations decide, with written reasons: ``uphold`` (the time was not worked) or
    ``overturn`` (it was)."""
    require_ops_reviewer(actor, to="decide time disputes")
    if outcome not in DISPUTE_OUTCOMES:
        raise ApplicationError(
            "Choose to uphold or overturn the dispute.", code="invalid_outcome", fields={"outcome": ["Choose one."]}
        )
    reason = _text(reason, field="reason", missing="Write the reasons for the decision; both sides read them.")
    status = DISPUTE_OUTCOMES[outcome]
    with transaction.atomic():
        dispute = _lock_dispute(dispute)
        if dispute.status != DisputeStatus.OPEN:
            raise ApplicationError("This dispute has already been decided.", code="illegal_transition")
        entry = TimeEntry.objects.select_for_update().get(pk=dispute.time_entry_id)
        if status == DisputeStatus.OVERTURNED:
            # The floor withheld is now owed: a week already paid is marked for the next run.
            pay_weeks_changed(
                contributor_days=[(dispute.contributor_id, dispute.work_date)],
                reason="time dispute overturned after the week was locked",
            )
            entry.status = dispute.entry_status_before
            entry.save(update_fields=["status"])
        else:
            hold_pay_weeks([dispute.work_date])
            entry.status = ReviewStatus.REJECTED
            entry.reviewed_at = timezone.now()
            entry.rejection_reason = f"Operations found this time was not worked: {reason}"
            entry.save(update_fields=["status", "reviewed_at", "rejection_reason"])
        dispute.status = status
        dispute.decided_by = actor
        dispute.decided_at = timezone.now()
        dispute.decision_reason = reason
        dispute.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit_record(
            actor=actor,
            action=f"marketplace.time_dispute.{status}",
            target=dispute,
            before={"status": DisputeStatus.OPEN},
            after={
                "status": status,
                "entry_status": entry.status,
                "floor": "not owed" if status == DisputeStatus.UPHELD else "owed, paid by the next pay run",
                "minutes": dispute.minutes,
            },
            reason=reason,
        )
        week = week_of(dispute.work_date)[0]
        if status == DisputeStatus.UPHELD:
            expert_body = (
                f"Operations upheld the lab's dispute of the {dispute.minutes} minutes you logged on "
                f"{dispute.work_date:%d %B %Y}:\n\n{reason}\n\nNo minimum-wage floor is owed on these minutes."
            )
        else:
            expert_body = (
                f"Operations overturned the lab's dispute of the {dispute.minutes} minutes you logged on "
                f"{dispute.work_date:%d %B %Y}:\n\n{reason}\n\nThe minimum-wage floor on them is paid with the "
                f"pay run of the week of {week:%d %B %Y}, or the next one if that week has been paid."
            )
        notify_after_commit(
            kind=NoticeKind.DISPUTES,
            link=reverse("expert-disputes"),
            recipients=[dispute.contributor.user],
            subject=f"Time dispute {status} on “{dispute.project.title}”",
            body=expert_body,
        )
        notify_after_commit(
            kind=NoticeKind.DISPUTES,
            link=reverse("lab-disputes", args=[dispute.project_id]),
            recipients=[
                m.user for m in dispute.project.lab.memberships.filter(role__in=LAB_REVIEWERS).select_related("user")
            ],
            subject=f"Time dispute {status} on “{dispute.project.title}”",
            body=f"Operations' reasons:\n\n{reason}",
        )
    return dispute
