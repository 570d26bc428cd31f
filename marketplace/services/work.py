"""Work logging and its review: time entries, task submissions, approvals, rejections, appeals.

Every minute an expert logs is paid work, whatever its kind; rejected work still counts
as hours worked for the minimum-wage floor. Nothing is changed silently: editing a
submitted entry writes a new version with a reason and keeps the old one.
"""

from __future__ import annotations

import random
import zoneinfo
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from accounts.models import User
from accounts.notifications import notify_after_commit, ops_reviewers
from audit.services import audit_record
from config.errors import ApplicationError, NotPermitted
from payouts.periods import is_locked, pay_weeks_changed

from ..models import (
    APPROVED_STATUSES,
    ActivityKind,
    Engagement,
    EngagementStatus,
    LabMembership,
    LabRole,
    PayModel,
    ReviewAlert,
    ReviewStatus,
    TaskSubmission,
    TimeEntry,
)
from ..selectors import work_exposure_minor
from .projects import _warn_if_budget_running_low

__all__ = [
    "task_submit",
    "time_entry_log",
    "time_entry_revise",
    "work_appeal",
    "work_approve",
    "work_auto_approve_sweep",
    "work_decide_appeal",
    "work_reject",
]

LAB_REVIEWERS = (LabRole.OWNER, LabRole.MANAGER, LabRole.REVIEWER)
DAY_MINUTES = 24 * 60


def _refuse(message: str, **fields: str):
    raise ApplicationError(message, code="invalid_work", fields={k: [v] for k, v in fields.items()})


def _own_active_engagement(actor: User, engagement: Engagement) -> Engagement:
    engagement = Engagement.objects.select_related("project", "contributor__user").get(pk=engagement.pk)
    if engagement.contributor.user_id != actor.pk:
        raise NotPermitted("You can only log work on your own engagements.")
    if engagement.status != EngagementStatus.ACTIVE:
        raise ApplicationError("This engagement has ended.", code="engagement_ended")
    return engagement


def _local_date(moment: datetime, tz_name: str) -> date:
    return moment.astimezone(zoneinfo.ZoneInfo(tz_name)).date()


def _check_work(
    *,
    engagement: Engagement,
    work_date: date,
    minutes: int,
    started_at: datetime | None,
    ended_at: datetime | None,
    replacing: TimeEntry | None = None,
) -> None:
    """Every rule logged work must meet; the first broken one is a field error."""
    contributor = engagement.contributor
    project = engagement.project
    now = timezone.now()
    today = _local_date(now, contributor.timezone)
    date_field = "started_at" if started_at else "work_date"
    if started_at is not None:
        if ended_at is None:
            _refuse("Give an end time.", ended_at="Give an end time, or log a duration on a day instead.")
        if ended_at <= started_at:
            _refuse("The end must be after the start.", ended_at="The end must be after the start.")
        if ended_at - started_at > timedelta(hours=24):
            _refuse("One entry cannot be longer than 24 hours.", ended_at="One entry cannot be longer than 24 hours.")
        if ended_at > now + timedelta(minutes=1):
            _refuse("Time in the future cannot be logged.", ended_at="This is in the future.")
    else:
        if minutes <= 0:
            _refuse("The duration must be more than zero.", minutes="Must be more than zero minutes.")
        if minutes > DAY_MINUTES:
            _refuse("A day has 24 hours.", minutes="A day has 24 hours (1,440 minutes).")
        if work_date > today:
            _refuse("Time in the future cannot be logged.", work_date="This day is in the future.")
    starts = max(project.starts_on, _local_date(engagement.started_at, contributor.timezone))
    if work_date < starts or work_date > project.ends_on:
        _refuse(
            "This is outside the engagement's dates.",
            **{date_field: f"The engagement runs from {starts:%d %b %Y} to {project.ends_on:%d %b %Y}."},
        )
    if is_locked(work_date):
        _refuse(
            "That pay week is locked; ask for an adjustment instead.",
            **{date_field: "The pay week of this day is locked."},
        )

    current = TimeEntry.objects.filter(contributor=contributor, is_current=True)
    if replacing is not None:
        current = current.exclude(pk=replacing.pk)
    if started_at is not None:
        clash = current.filter(started_at__lt=ended_at, ended_at__gt=started_at).first()
        if clash is not None:
            _overlap(clash, contributor.timezone)
    day_total = current.filter(work_date=work_date).aggregate(total=Sum("minutes"))["total"] or 0
    day_total += (
        TaskSubmission.objects.filter(contributor=contributor, work_date=work_date).aggregate(total=Sum("minutes"))[
            "total"
        ]
        or 0
    )
    if day_total + minutes > DAY_MINUTES:
        _refuse(
            "That would make more than 24 hours on one day.",
            **{date_field: f"{day_total} minutes are already logged on {work_date:%d %b %Y}; a day has 1,440."},
        )
    if project.weekly_cap_hours:
        from payouts.periods import week_of

        start, end = week_of(work_date)
        week_total = (
            current.filter(engagement=engagement, work_date__range=(start, end)).aggregate(total=Sum("minutes"))[
                "total"
            ]
            or 0
        )
        if week_total + minutes > project.weekly_cap_hours * 60:
            _refuse(
                "That is more than the lab's weekly cap for this project.",
                **{
                    "ended_at"
                    if started_at
                    else "minutes": f"The cap is {project.weekly_cap_hours} hours a week; {week_total} minutes are logged this week."
                },
            )
    exposure = work_exposure_minor(project=project)
    if exposure >= project.funded_minor:
        raise ApplicationError(
            "This project's budget is used up; the lab has been told. Work logged now could not be paid from it, "
            "so it is refused until the lab adds funds.",
            code="budget_exhausted",
        )


def _overlap(clash: TimeEntry, tz_name: str) -> None:
    tz = zoneinfo.ZoneInfo(tz_name)
    _refuse(
        "This overlaps time you already logged.",
        started_at=(
            f"Overlaps your entry of {clash.started_at.astimezone(tz):%d %b %Y %H:%M}"
            f"-{clash.ended_at.astimezone(tz):%H:%M} ({clash.get_activity_display().lower()})."
        ),
    )


def _normalise_time(
    *, engagement: Engagement, started_at, ended_at, work_date, minutes
) -> tuple[date, int, datetime | None, datetime | None]:
    if started_at is not None or ended_at is not None:
        if started_at is None:
            _refuse("Give a start time.", started_at="Give a start time.")
        if timezone.is_naive(started_at) or (ended_at is not None and timezone.is_naive(ended_at)):
            _refuse("Times need a timezone.", started_at="Send times with their UTC offset.")
        if ended_at is None or ended_at <= started_at:
            return _local_date(started_at, engagement.contributor.timezone), 0, started_at, ended_at
        seconds = (ended_at - started_at).total_seconds()
        return (
            _local_date(started_at, engagement.contributor.timezone),
            max(1, round(seconds / 60)),
            started_at,
            ended_at,
        )
    if work_date is None:
        _refuse("Give a start and an end, or a duration on a day.", work_date="Give the day of the work.")
    return work_date, int(minutes or 0), None, None


def time_entry_log(
    *,
    actor: User,
    engagement: Engagement,
    activity: str,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    work_date: date | None = None,
    minutes: int | None = None,
    note: str = "",
    task_reference: str = "",
) -> TimeEntry:
    """Log time on an engagement: a start and an end, or a duration on a day."""
    if activity not in ActivityKind.values:
        _refuse("Choose what kind of work this was.", activity="Unknown kind of work.")
    with transaction.atomic():
        engagement = _own_active_engagement(actor, engagement)
        # One person's entries are checked and written one request at a time; the
        # exclusion constraint is the last word if anything slips past.
        Engagement.objects.select_for_update().filter(contributor=engagement.contributor).exists()
        work_date, minutes, started_at, ended_at = _normalise_time(
            engagement=engagement, started_at=started_at, ended_at=ended_at, work_date=work_date, minutes=minutes
        )
        _check_work(
            engagement=engagement, work_date=work_date, minutes=minutes, started_at=started_at, ended_at=ended_at
        )
        try:
            with transaction.atomic():
                entry = TimeEntry.objects.create(
                    engagement=engagement,
                    contributor=engagement.contributor,
                    project=engagement.project,
                    activity=activity,
                    started_at=started_at,
                    ended_at=ended_at,
                    work_date=work_date,
                    minutes=minutes,
                    note=note,
                    task_reference=task_reference,
                    created_by=actor,
                )
        except IntegrityError:
            clash = (
                TimeEntry.objects.filter(contributor=engagement.contributor, is_current=True)
                .filter(started_at__lt=ended_at, ended_at__gt=started_at)
                .first()
            )
            if clash is not None:
                _overlap(clash, engagement.contributor.timezone)
            raise
        audit_record(
            actor=actor,
            action="marketplace.time_entry.logged",
            target=entry,
            after={
                "engagement": engagement.pk,
                "activity": activity,
                "work_date": work_date,
                "minutes": minutes,
                "started_at": started_at,
                "ended_at": ended_at,
            },
        )
    return entry


def time_entry_revise(
    *,
    actor: User,
    entry: TimeEntry,
    reason: str,
    activity: str | None = None,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    work_date: date | None = None,
    minutes: int | None = None,
    note: str | None = None,
) -> TimeEntry:
    """Correct or contest an entry: a new version, with a reason, goes back to review."""
    reason = (reason or "").strip()
    if not reason:
        _refuse("Say why the entry changes.", reason="Say why the entry changes.")
    with transaction.atomic():
        old = TimeEntry.objects.select_for_update().select_related("engagement").get(pk=entry.pk)
        engagement = _own_active_engagement(actor, old.engagement)
        if not old.is_current:
            raise ApplicationError("A newer version of this entry exists; change that one.", code="illegal_transition")
        if old.status == ReviewStatus.APPEALED:
            raise ApplicationError("This entry is under appeal; wait for the decision.", code="illegal_transition")
        ranged = started_at is not None or (work_date is None and minutes is None and old.started_at is not None)
        work_date, minutes, started_at, ended_at = _normalise_time(
            engagement=engagement,
            started_at=(started_at or old.started_at) if ranged else None,
            ended_at=(ended_at or old.ended_at) if ranged else None,
            work_date=work_date or old.work_date,
            minutes=minutes if minutes is not None else old.minutes,
        )
        if is_locked(old.work_date):
            _refuse("That pay week is locked; ask for an adjustment instead.", reason="The pay week is locked.")
        _check_work(
            engagement=engagement,
            work_date=work_date,
            minutes=minutes,
            started_at=started_at,
            ended_at=ended_at,
            replacing=old,
        )
        TimeEntry.objects.filter(pk=old.pk).update(is_current=False)
        new = TimeEntry.objects.create(
            engagement=engagement,
            contributor=engagement.contributor,
            project=engagement.project,
            activity=activity or old.activity,
            started_at=started_at,
            ended_at=ended_at,
            work_date=work_date,
            minutes=minutes,
            note=old.note if note is None else note,
            task_reference=old.task_reference,
            version=old.version + 1,
            previous=old,
            change_reason=reason,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="marketplace.time_entry.revised",
            target=new,
            before={"entry": old.pk, "status": old.status, "minutes": old.minutes, "work_date": old.work_date},
            after={"entry": new.pk, "minutes": minutes, "work_date": work_date, "version": new.version},
            reason=reason,
        )
    return new


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
        _check_work(engagement=engagement, work_date=work_date, minutes=minutes, started_at=None, ended_at=None)
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


# --- review ----------------------------------------------------------------------


def _lock(item: TimeEntry | TaskSubmission) -> TimeEntry | TaskSubmission:
    model = type(item)
    locked = model.objects.select_for_update().select_related("project__lab", "contributor__user").get(pk=item.pk)
    if isinstance(locked, TimeEntry) and not locked.is_current:
        raise ApplicationError("A newer version of this entry exists; review that one.", code="illegal_transition")
    return locked


def _require_lab_reviewer(actor: User, item) -> None:
    allowed = LabMembership.objects.filter(lab=item.project.lab, user=actor, role__in=LAB_REVIEWERS).exists()
    if not allowed:
        raise NotPermitted("Only the lab's owners, managers and reviewers review work.")
    if item.contributor.user_id == actor.pk:
        raise NotPermitted("Nobody reviews their own work.")


def _kind(item) -> str:
    return "time_entry" if isinstance(item, TimeEntry) else "task"


def work_approve(*, actor: User, item: TimeEntry | TaskSubmission) -> TimeEntry | TaskSubmission:
    with transaction.atomic():
        item = _lock(item)
        _require_lab_reviewer(actor, item)
        if item.status not in (ReviewStatus.SUBMITTED, ReviewStatus.HELD):
            raise ApplicationError(
                f"This work is already {item.get_status_display().lower()}.", code="illegal_transition"
            )
        before = item.status
        item.status = ReviewStatus.APPROVED
        item.reviewed_by = actor
        item.reviewed_at = timezone.now()
        item.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        pay_weeks_changed(
            contributor_days=[(item.contributor_id, item.work_date)], reason="approved after the week was locked"
        )
        audit_record(
            actor=actor,
            action=f"marketplace.{_kind(item)}.approved",
            target=item,
            before={"status": before},
            after={"status": item.status},
        )
        _warn_if_budget_running_low(item.project)
    return item


def work_reject(*, actor: User, item: TimeEntry | TaskSubmission, reason: str) -> TimeEntry | TaskSubmission:
    """Reject with a reason the expert can read and appeal. The minutes still count as worked."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "A rejection needs a reason the expert can read.",
            code="reason_required",
            fields={"reason": ["This field is required."]},
        )
    with transaction.atomic():
        item = _lock(item)
        _require_lab_reviewer(actor, item)
        if item.status not in (ReviewStatus.SUBMITTED, ReviewStatus.HELD):
            raise ApplicationError(
                f"This work is already {item.get_status_display().lower()}.", code="illegal_transition"
            )
        before = item.status
        item.status = ReviewStatus.REJECTED
        item.reviewed_by = actor
        item.reviewed_at = timezone.now()
        item.rejection_reason = reason
        item.save(update_fields=["status", "reviewed_by", "reviewed_at", "rejection_reason"])
        audit_record(
            actor=actor,
            action=f"marketplace.{_kind(item)}.rejected",
            target=item,
            before={"status": before},
            after={"status": item.status, "minutes_still_counted_as_worked": item.minutes},
            reason=reason,
        )
        appeal_until = item.reviewed_at + timedelta(days=item.project.appeal_window_days)
        notify_after_commit(
            recipients=[item.contributor.user],
            subject=f"Work rejected on “{item.project.title}”",
            body=f"The reviewer's reason:\n\n{reason}\n\nYou can appeal until {appeal_until:%d %B %Y}; "
            "a different reviewer decides. Your time still counts as hours worked for the minimum-wage floor.",
        )
        _alert_on_unusual_rejections(item=item, reviewer=actor)
    return item


def _alert_on_unusual_rejections(*, item, reviewer: User) -> None:
    since = timezone.now() - timedelta(days=settings.REVIEW_ALERT_DAYS)
    reviewed_states = (*APPROVED_STATUSES, ReviewStatus.REJECTED, ReviewStatus.APPEALED)

    def tally(**scope) -> tuple[int, int]:
        totals = {"reviewed": 0, "rejected": 0}
        for model in (TimeEntry, TaskSubmission):
            rows = model.objects.filter(reviewed_at__gte=since, status__in=reviewed_states, **scope)
            if model is TimeEntry:
                rows = rows.filter(is_current=True)
            counted = rows.aggregate(
                reviewed=Count("id"),
                rejected=Count("id", filter=Q(status__in=(ReviewStatus.REJECTED, ReviewStatus.APPEALED))),
            )
            totals["reviewed"] += counted["reviewed"]
            totals["rejected"] += counted["rejected"]
        return totals["reviewed"], totals["rejected"]

    for scope, filters, who in (
        ("reviewer", {"reviewed_by": reviewer, "project": item.project}, reviewer),
        ("project", {"project": item.project}, None),
    ):
        reviewed, rejected = tally(**filters)
        unusual = reviewed >= settings.REVIEW_ALERT_MIN_REVIEWS and rejected / reviewed > settings.REVIEW_ALERT_SHARE
        recent = ReviewAlert.objects.filter(scope=scope, project=item.project, reviewer=who, raised_at__gte=since)
        if unusual and not recent.exists():
            alert = ReviewAlert.objects.create(
                scope=scope, project=item.project, reviewer=who, reviewed=reviewed, rejected=rejected
            )
            audit_record(
                actor=None,
                action="marketplace.review.alert_raised",
                target=alert,
                after={
                    "scope": scope,
                    "reviewed": reviewed,
                    "rejected": rejected,
                    "reviewer": who.email if who else "",
                },
            )
            notify_after_commit(
                recipients=ops_reviewers(),
                subject=f"Unusual rejection rate on “{item.project.title}”",
                body=f"{rejected} of {reviewed} reviews in {settings.REVIEW_ALERT_DAYS} days were rejections"
                + (f" by {who.email}." if who else " across the project."),
            )


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
        item.status = ReviewStatus.APPROVED if approve else ReviewStatus.REJECTED
        item.appeal_decided_by = actor
        item.appeal_decision_reason = reason
        item.appeal_decided_at = timezone.now()
        item.save(update_fields=["status", "appeal_decided_by", "appeal_decision_reason", "appeal_decided_at"])
        if approve:
            pay_weeks_changed(
                contributor_days=[(item.contributor_id, item.work_date)],
                reason="appeal upheld after the week was locked",
            )
        audit_record(
            actor=actor,
            action=f"marketplace.{_kind(item)}.appeal_{'upheld' if approve else 'refused'}",
            target=item,
            before={"status": ReviewStatus.APPEALED},
            after={"status": item.status},
            reason=reason,
        )
        notify_after_commit(
            recipients=[item.contributor.user],
            subject="Your appeal was upheld: the work is approved" if approve else "Your appeal was refused",
            body=f"The reason:\n\n{reason}",
        )
    return item


def work_auto_approve_sweep(*, now: datetime | None = None) -> int:
    """Approve whatever waited longer than its project's review window, and tell each expert which.

    Set-based: one UPDATE per kind of work; safe to run any number of times.
    """
    from django.db import connection

    now = now or timezone.now()
    approved: dict[int, list[str]] = {}
    total = 0
    with transaction.atomic():
        for table, label, current in (
            ("marketplace_timeentry", "Time entry", "AND w.is_current"),
            ("marketplace_tasksubmission", "Task", ""),
        ):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    UPDATE {table} w SET status = 'auto_approved', auto_approved_at = %(now)s
                    FROM marketplace_project p
                    WHERE p.id = w.project_id {current}
                      AND w.status IN ('submitted', 'held', 'appealed')
                      AND COALESCE(w.appealed_at, w.submitted_at) < %(now)s - make_interval(days => p.review_window_days)
                    RETURNING w.id, w.project_id, w.contributor_id, w.work_date, w.minutes
                    """,
                    {"now": now},
                )
                rows = cursor.fetchall()
            total += len(rows)
            pay_weeks_changed(
                contributor_days=[(row[2], row[3]) for row in rows],
                reason="approved automatically after the week was locked",
            )
            by_project: dict[int, list[int]] = {}
            for item_id, project_id, contributor_id, work_date, minutes in rows:
                by_project.setdefault(project_id, []).append(item_id)
                approved.setdefault(contributor_id, []).append(
                    f"{label} #{item_id}: {work_date:%d %b %Y}, {minutes} min"
                )
            for project_id, ids in by_project.items():
                from ..models import Project

                project = Project.objects.select_related("lab").get(pk=project_id)
                _warn_if_budget_running_low(project)
                audit_record(
                    actor=None,
                    action="marketplace.work.auto_approved",
                    target=project,
                    after={"kind": label, "ids": ids},
                    reason="not reviewed within the project's review window",
                )
        if approved:
            from contributors.models import Contributor

            for contributor in Contributor.objects.filter(pk__in=approved).select_related("user"):
                notify_after_commit(
                    recipients=[contributor.user],
                    subject="Work approved automatically",
                    body="These were not reviewed in time, so they are approved:\n\n"
                    + "\n".join(approved[contributor.pk]),
                )
    return total
