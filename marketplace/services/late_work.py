"""Late work: an adjustment request for time dated in a pay week that has closed.

A week closes for logging once it is over everywhere and its grace period has passed, or
when a pay run locks it (``payouts.weeks.is_locked``). Work done in it and logged later is
not lost: the expert files it as an adjustment request, with the reason it is late and
optional evidence. It is a time entry like any other (every rule of ``checks`` applies but
the lock), reviewed by the lab through the same approval, rejection and appeal; once
approved, ``payouts.weeks.pay_weeks_changed`` marks its week for recompute and the next pay
run pays it as an adjustment of that week.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse

from accounts.models import NoticeKind, User
from accounts.notifications import notify_after_commit
from audit.services import audit_record
from config.errors import ApplicationError
from payouts.weeks import is_locked, pay_weeks_changed, week_of
from vetting.services import document_checked

from ..instruction_selectors import instruction_in_force_for_work
from ..models import LATE_REASON_MAX, ActivityKind, Engagement, LabMembership, TimeEntry
from ..permissions import LAB_REVIEWERS
from .checks import _normalise_time, _refuse
from .time_entries import _check_work, _entry_saved, _own_active_engagement

__all__ = ["LATE_REQUEST_RECOMPUTE_REASON", "time_entry_adjustment_request"]

# What the pay week's recompute says when an adjustment request is approved.
LATE_REQUEST_RECOMPUTE_REASON = "late work filed as an adjustment request, approved after the week was locked"
# And when one is filed: its minutes count for the minimum wage while it waits for review,
# as any work waiting for review does.
LATE_REQUEST_FILED_REASON = "late work filed as an adjustment request: counted for the minimum wage"


def _reason_checked(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        _refuse("Say why this work is logged late.", late_reason="Say why this work is logged late.")
    if len(reason) > LATE_REASON_MAX:
        _refuse(
            "The reason is too long.",
            late_reason=f"At most {LATE_REASON_MAX:,} characters; this has {len(reason):,}.",
        )
    return reason


def time_entry_adjustment_request(
    *,
    actor: User,
    engagement: Engagement,
    activity: str,
    late_reason: str,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    work_date: date | None = None,
    minutes: int | None = None,
    note: str = "",
    evidence: UploadedFile | None = None,
) -> TimeEntry:
    """File work dated in a locked pay week for the lab's review, as an adjustment of that week.

    Only for a locked week: work in an open week is logged normally. Every other rule of
    logged work applies (overlaps, the day and week ceilings, the lab's weekly cap, the
    budget). The lab's reviewers are told once it is filed.
    """
    if activity not in ActivityKind.values:
        _refuse("Choose what kind of work this was.", activity="Unknown kind of work.")
    reason = _reason_checked(late_reason)
    evidence_type, evidence_sha256 = document_checked(evidence, field="evidence") if evidence is not None else ("", "")
    with transaction.atomic():
        engagement = _own_active_engagement(actor, engagement)
        work_date, minutes, started_at, ended_at = _normalise_time(
            engagement=engagement, started_at=started_at, ended_at=ended_at, work_date=work_date, minutes=minutes
        )
        if not is_locked(work_date):
            raise ApplicationError(
                "That pay week is still open: log this time normally on the timesheet.",
                code="week_open",
                fields={"started_at" if started_at else "work_date": ["This day's pay week still takes time."]},
            )
        _check_work(
            engagement=engagement,
            work_date=work_date,
            minutes=minutes,
            started_at=started_at,
            ended_at=ended_at,
            activity=activity,
            late=True,
        )
        week_start = week_of(work_date)[0]
        entry = TimeEntry(
            engagement=engagement,
            contributor=engagement.contributor,
            project=engagement.project,
            activity=activity,
            started_at=started_at,
            ended_at=ended_at,
            work_date=work_date,
            minutes=minutes,
            note=note,
            created_by=actor,
            late_request=True,
            late_reason=reason,
            late_week_start=week_start,
            late_evidence_type=evidence_type,
            late_evidence_sha256=evidence_sha256,
            instruction_version=instruction_in_force_for_work(
                engagement=engagement, work_date=work_date, started_at=started_at
            ),
        )
        if evidence is not None:
            # Checked before the transaction; a file written for a row that then rolls back
            # stays private and unreferenced.
            entry.late_evidence.save("evidence", evidence, save=False)
        _entry_saved(entry)
        # A week already run owes the floor on these new minutes, whatever their review.
        pay_weeks_changed(contributor_days=[(engagement.contributor_id, work_date)], reason=LATE_REQUEST_FILED_REASON)
        audit_record(
            actor=actor,
            action="marketplace.time_entry.adjustment_requested",
            target=entry,
            after={
                "engagement": engagement.pk,
                "activity": activity,
                "work_date": work_date,
                "minutes": minutes,
                "started_at": started_at,
                "ended_at": ended_at,
                "week_start": week_start,
                "evidence": evidence_type or None,
            },
            reason=reason,
        )
        reviewers = [
            membership.user
            for membership in LabMembership.objects.filter(
                lab_id=engagement.project.lab_id, role__in=LAB_REVIEWERS
            ).select_related("user")
        ]
        notify_after_commit(
            kind=NoticeKind.REVIEWS,
            link=reverse("lab-review", args=[engagement.project_id]),
            recipients=reviewers,
            subject=f"Late work to review on “{engagement.project.title}”",
            body=(
                f"{engagement.contributor.display_name} filed {minutes} minutes of work on {work_date:%d %B %Y}, "
                f"in the pay week of {week_start:%d %B %Y}, which has closed. Their reason:\n\n{reason}\n\n"
                "Review it with the rest of the work; once approved it is paid as an adjustment in the next pay run."
            ),
        )
    return entry
