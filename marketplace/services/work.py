"""Work logging and its review: time entries, task submissions, approvals, rejections, appeals.

Every minute an expert logs is paid work, whatever its kind; rejected work still counts
as hours worked for the minimum-wage floor. Nothing is changed silently: editing a
submitted entry writes a new version with a reason and keeps the old one.
"""

from __future__ import annotations

import itertools
import random
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from accounts.models import User
from accounts.notifications import notify_after_commit, ops_reviewers
from audit.services import audit_record
from config.errors import ApplicationError, NotPermitted
from contributors.models import Contributor
from payouts.weeks import is_locked, pay_weeks_changed, week_of

from ..models import (
    APPROVED_STATUSES,
    ActivityKind,
    Engagement,
    EngagementStatus,
    PayModel,
    Project,
    ReviewAlert,
    ReviewStatus,
    TaskSubmission,
    TimeEntry,
)
from ..permissions import LAB_REVIEWERS, has_lab_role
from ..selectors import TIME_ENTRY_VALUE_SQL, work_exposure_minor, work_values_minor
from .projects import _warn_if_budget_running_low

__all__ = [
    "ImportRefused",
    "ImportResult",
    "task_submit",
    "time_entries_import",
    "time_entry_log",
    "time_entry_revise",
    "work_appeal",
    "work_approve",
    "work_auto_approve_sweep",
    "work_decide_appeal",
    "work_reject",
]

DAY_MINUTES = 24 * 60


def _refuse(message: str, **fields: str):
    raise _work_refusal(message, **fields)


def _work_refusal(message: str, **fields: str) -> ApplicationError:
    return ApplicationError(message, code="invalid_work", fields={k: [v] for k, v in fields.items()})


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
    date_field = "started_at" if started_at else "work_date"
    _check_time_shape(
        work_date=work_date,
        minutes=minutes,
        started_at=started_at,
        ended_at=ended_at,
        now=now,
        today=_local_date(now, contributor.timezone),
        runs=_engagement_days(engagement),
    )
    if is_locked(work_date):
        raise _locked_week_refusal(date_field)

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
        raise _full_day_refusal(date_field, day_total=day_total, work_date=work_date)
    if project.weekly_cap_hours:
        start, end = week_of(work_date)
        week_total = (
            current.filter(engagement=engagement, work_date__range=(start, end)).aggregate(total=Sum("minutes"))[
                "total"
            ]
            or 0
        )
        if week_total + minutes > project.weekly_cap_hours * 60:
            raise _weekly_cap_refusal(
                ranged=started_at is not None, cap_hours=project.weekly_cap_hours, week_total=week_total
            )
    exposure = work_exposure_minor(project=project)
    if exposure >= project.funded_minor:
        raise _budget_exhausted_refusal()


def _engagement_days(engagement: Engagement) -> tuple[date, date]:
    """The first and last day work on an engagement may be dated, in the expert's own days."""
    project = engagement.project
    return max(project.starts_on, _local_date(engagement.started_at, engagement.contributor.timezone)), project.ends_on


def _check_time_shape(
    *,
    work_date: date,
    minutes: int,
    started_at: datetime | None,
    ended_at: datetime | None,
    now: datetime,
    today: date,
    runs: tuple[date, date],
) -> None:
    """The rules an entry meets on its own, before any other logged work is looked at."""
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
    runs_from, runs_to = runs
    if work_date < runs_from or work_date > runs_to:
        _refuse(
            "This is outside the engagement's dates.",
            **{date_field: f"The engagement runs from {runs_from:%d %b %Y} to {runs_to:%d %b %Y}."},
        )


def _locked_week_refusal(date_field: str) -> ApplicationError:
    return _work_refusal(
        "That pay week is locked; ask for an adjustment instead.", **{date_field: "The pay week of this day is locked."}
    )


def _full_day_refusal(date_field: str, *, day_total: int, work_date: date) -> ApplicationError:
    return _work_refusal(
        "That would make more than 24 hours on one day.",
        **{date_field: f"{day_total} minutes are already logged on {work_date:%d %b %Y}; a day has 1,440."},
    )


def _weekly_cap_refusal(*, ranged: bool, cap_hours: int, week_total: int) -> ApplicationError:
    message = f"The cap is {cap_hours} hours a week; {week_total} minutes are logged this week."
    return _work_refusal(
        "That is more than the lab's weekly cap for this project.", **{"ended_at" if ranged else "minutes": message}
    )


def _budget_exhausted_refusal() -> ApplicationError:
    return ApplicationError(
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
    if not has_lab_role(actor, lab=item.project.lab, roles=LAB_REVIEWERS):
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
        # The pay week is held before the approval is stamped: see payouts.payruns.computation.
        pay_weeks_changed(
            contributor_days=[(item.contributor_id, item.work_date)], reason="approved after the week was locked"
        )
        item.status = ReviewStatus.APPROVED
        item.reviewed_by = actor
        item.reviewed_at = timezone.now()
        item.save(update_fields=["status", "reviewed_by", "reviewed_at"])
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
        if approve:
            # The pay week is held before the approval is stamped: see payouts.payruns.computation.
            pay_weeks_changed(
                contributor_days=[(item.contributor_id, item.work_date)],
                reason="appeal upheld after the week was locked",
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
                    SELECT w.id, w.contributor_id, w.work_date FROM {table} w
                    JOIN marketplace_project p ON p.id = w.project_id
                    WHERE w.status IN ('submitted', 'held', 'appealed') {current}
                      AND COALESCE(w.appealed_at, w.submitted_at) < %(now)s - make_interval(days => p.review_window_days)
                    FOR UPDATE OF w
                    """,
                    {"now": now},
                )
                due = cursor.fetchall()
                # The pay weeks are held before the approvals are stamped: see payouts.payruns.computation.
                pay_weeks_changed(
                    contributor_days=[(contributor_id, work_date) for _, contributor_id, work_date in due],
                    reason="approved automatically after the week was locked",
                )
                cursor.execute(
                    f"""
                    UPDATE {table} w SET status = 'auto_approved', auto_approved_at = %(stamp)s
                    WHERE w.id = ANY(%(ids)s)
                    RETURNING w.id, w.project_id, w.contributor_id, w.work_date, w.minutes
                    """,
                    {"stamp": max(now, timezone.now()), "ids": [item_id for item_id, _, _ in due]},
                )
                rows = cursor.fetchall()
            total += len(rows)
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


# --- imports of many entries ------------------------------------------------------

IMPORT_FIELDS = frozenset(
    {"engagement", "activity", "work_date", "minutes", "started_at", "ended_at", "note", "task_reference"}
)
# A refused import names this many rows at most; its counts say how many there were.
IMPORT_ROWS_SHOWN = 1000
_ACTIVITIES = frozenset(ActivityKind.values)
NOT_YOUR_ENGAGEMENT = "No engagement of yours has this id."


@dataclass(frozen=True)
class ImportResult:
    created: int
    minutes: int
    # Every entry of the import has an id in this range and the import's submitted_at.
    first_id: int | None
    last_id: int | None
    submitted_at: datetime
    # engagement id -> (entries, minutes)
    by_engagement: dict[int, tuple[int, int]]


class ImportRefused(ApplicationError):
    """Rows of an import that broke a rule, each with its error code and field messages; nothing was written."""

    def __init__(self, *, rows: list[dict], refused: int, total: int, message: str = ""):
        super().__init__(
            message or f"{refused:,} of {total:,} rows were refused; nothing was imported.", code="import_refused"
        )
        self.rows = rows
        self.refused = refused
        self.total = total


class _StagedRow(NamedTuple):
    n: int
    engagement_id: int
    contributor_id: int
    project_id: int
    activity: str
    work_date: date
    week_start: date
    week_end: date
    minutes: int
    started_at: datetime | None
    ended_at: datetime | None
    note: str
    task_reference: str


def _whole_number(value) -> int:
    if isinstance(value, bool):
        raise TypeError
    if isinstance(value, float):
        # JSON may write 90 as 90.0; 90.5 is not a whole number, and is never truncated to one.
        if not value.is_integer():
            raise ValueError
        return int(value)
    return value if isinstance(value, int) else int(value)


def _day(value) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    return date.fromisoformat(value)


def _moment(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _text(value) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value


def _import_value(raw: Mapping, name: str, parse, message: str, fields: dict):
    value = raw.get(name)
    if isinstance(value, str):
        value = value.strip()
    if value is None or value == "":
        return None
    try:
        return parse(value)
    except (TypeError, ValueError):
        fields[name] = [message]
        return None


def _read_import_row(raw: Mapping) -> tuple[dict, dict[str, list[str]]]:
    """One row's values as types, with a message for each value that cannot be read."""
    fields: dict[str, list[str]] = {str(key): ["Unknown field."] for key in raw.keys() - IMPORT_FIELDS}
    when = "Use a time with its UTC offset, like 2026-11-20T09:00:00+01:00."
    values = {
        "engagement": _import_value(raw, "engagement", _whole_number, "Give the id of an engagement.", fields),
        "activity": _import_value(raw, "activity", _text, "Give the kind of work as text.", fields),
        "work_date": _import_value(raw, "work_date", _day, "Use a date like 2026-11-20.", fields),
        "minutes": _import_value(raw, "minutes", _whole_number, "Give a whole number of minutes.", fields),
        "started_at": _import_value(raw, "started_at", _moment, when, fields),
        "ended_at": _import_value(raw, "ended_at", _moment, when, fields),
        "note": _import_value(raw, "note", _text, "Give the note as text.", fields) or "",
        "task_reference": _import_value(raw, "task_reference", _text, "Give the reference as text.", fields) or "",
    }
    if values["engagement"] is None and "engagement" not in fields:
        fields["engagement"] = ["Give the id of the engagement the time was worked on."]
    if values["activity"] not in _ACTIVITIES and "activity" not in fields:
        fields["activity"] = [f"Unknown kind of work: use one of {', '.join(ActivityKind.values)}."]
    if len(values["task_reference"]) > 200:
        fields["task_reference"] = ["At most 200 characters."]
    for name in ("note", "task_reference"):
        # PostgreSQL text cannot hold them; the single-entry API refuses them the same way.
        if "\x00" in values[name]:
            fields[name] = ["Null characters are not allowed."]
    return values, fields


def time_entries_import(*, actor: User, rows: Iterable[Mapping[str, object]]) -> ImportResult:
    """Log many time entries at once, under the rules of a single one; one refused row refuses them all.

    ``rows`` are mappings of the fields ``time_entry_log`` takes (``engagement`` as an id),
    as text (a CSV file) or as JSON values. What concerns a row alone is checked row by
    row; what depends on other work (a locked week, overlaps, hours in a day, the weekly
    cap, the budget) is checked for the whole file at once in SQL, counting the file's
    earlier rows as if they had been logged one by one before it. The rows are written
    with one INSERT ... SELECT and one audit event, in one transaction.
    """
    limit = settings.TIME_ENTRY_IMPORT_MAX_ROWS
    rows = list(itertools.islice(rows, limit + 1))
    if not rows:
        raise ApplicationError("The file has no entries.", code="invalid_file", fields={"file": ["No entries found."]})
    if len(rows) > limit:
        raise ApplicationError(
            f"One import holds at most {limit:,} entries.",
            code="too_many_rows",
            fields={"file": [f"More than {limit:,} entries; split the file."]},
        )
    now = timezone.now()
    refusals: dict[int, tuple[str, dict[str, list[str]]]] = {}
    with transaction.atomic():
        contributor = Contributor.objects.filter(user=actor).first()
        if contributor is not None:
            # The same lock as time_entry_log: one person's work is written one request at a time.
            Engagement.objects.select_for_update().filter(contributor=contributor).exists()
        readable = []
        for number, raw in enumerate(rows, start=1):
            values, fields = _read_import_row(raw)
            if fields:
                refusals[number] = ("invalid", fields)
            else:
                readable.append((number, values))
        engagements = {}
        if contributor is not None:
            wanted = {values["engagement"] for _, values in readable}
            engagements = {
                e.pk: e
                for e in Engagement.objects.filter(pk__in=wanted, contributor=contributor).select_related(
                    "project", "contributor"
                )
            }
        staged = _checked_rows(readable, engagements, now=now, refusals=refusals)
        if staged:
            _stage_import(staged)
            _refuse_conflicts(staged, contributor, refusals=refusals)
        if refusals:
            shown = [
                {"row": number, "code": code, "fields": fields}
                for number, (code, fields) in sorted(refusals.items())[:IMPORT_ROWS_SHOWN]
            ]
            raise ImportRefused(rows=shown, refused=len(refusals), total=len(rows))
        result = _write_import(actor=actor, now=now)
        audit_record(
            actor=actor,
            action="marketplace.time_entry.imported",
            target=contributor,
            after={
                "entries": result.created,
                "minutes": result.minutes,
                "first_id": result.first_id,
                "last_id": result.last_id,
                "submitted_at": now,
                "engagements": {str(pk): entries for pk, (entries, _) in sorted(result.by_engagement.items())},
                "work_dates": [min(row.work_date for row in staged), max(row.work_date for row in staged)],
            },
        )
    return result


def _checked_rows(readable, engagements: dict[int, Engagement], *, now: datetime, refusals: dict) -> list[_StagedRow]:
    """The rows that meet every rule about themselves alone (and lie in open pay weeks), ready to stage."""
    staged: list[_StagedRow] = []
    # Looked up once per engagement, day and timezone rather than once per row.
    known = {pk: (e, _engagement_days(e), e.contributor_id, e.project_id) for pk, e in engagements.items()}
    weeks: dict[date, tuple[date, date]] = {}
    today: dict[str, date] = {}
    for number, values in readable:
        engagement, runs, contributor_id, project_id = known.get(values["engagement"], (None, None, None, None))
        if engagement is None:
            # The same answer for someone else's engagement and for none at all.
            refusals[number] = ("invalid", {"engagement": [NOT_YOUR_ENGAGEMENT]})
            continue
        if engagement.status != EngagementStatus.ACTIVE:
            refusals[number] = ("engagement_ended", {"engagement": ["This engagement has ended."]})
            continue
        tz_name = engagement.contributor.timezone
        if tz_name not in today:
            today[tz_name] = _local_date(now, tz_name)
        try:
            work_date, minutes, started_at, ended_at = _normalise_time(
                engagement=engagement,
                started_at=values["started_at"],
                ended_at=values["ended_at"],
                work_date=values["work_date"],
                minutes=values["minutes"],
            )
            _check_time_shape(
                work_date=work_date,
                minutes=minutes,
                started_at=started_at,
                ended_at=ended_at,
                now=now,
                today=today[tz_name],
                runs=runs,
            )
        except ApplicationError as refused:
            refusals[number] = (refused.code, refused.fields)
            continue
        except OverflowError:
            # A time near year 1 or 9999 cannot be moved into the expert's timezone.
            refusals[number] = ("invalid", {"started_at": ["This time is out of range."]})
            continue
        week = weeks.get(work_date)
        if week is None:
            week = weeks[work_date] = week_of(work_date)
        staged.append(
            _StagedRow(
                number,
                values["engagement"],
                contributor_id,
                project_id,
                values["activity"],
                work_date,
                week[0],
                week[1],
                minutes,
                started_at,
                ended_at,
                values["note"],
                values["task_reference"],
            )
        )
    locked = {start for start in {row.week_start for row in staged} if is_locked(start)}
    for row in staged:
        if row.week_start in locked:
            refused = _locked_week_refusal("started_at" if row.started_at else "work_date")
            refusals[row.n] = (refused.code, refused.fields)
    return [row for row in staged if row.week_start not in locked]


def _stage_import(staged: list[_StagedRow]) -> None:
    """Copy the rows into a temporary table that the checks and the write read from."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS pg_temp.time_entry_import")
        cursor.execute(
            """
            CREATE TEMP TABLE time_entry_import (
                n integer NOT NULL, engagement_id bigint NOT NULL, contributor_id bigint NOT NULL,
                project_id bigint NOT NULL, activity varchar(15) NOT NULL, work_date date NOT NULL,
                week_start date NOT NULL, week_end date NOT NULL, minutes integer NOT NULL,
                started_at timestamptz, ended_at timestamptz, note text NOT NULL, task_reference varchar(200) NOT NULL
            ) ON COMMIT DROP
            """
        )
        with cursor.cursor.copy(f"COPY time_entry_import ({', '.join(_StagedRow._fields)}) FROM STDIN") as copy:
            for row in staged:
                copy.write_row(row)


# Entries of the file that overlap a current entry already logged by the same person
# (through the exclusion constraint's GiST index), the earliest such entry for each.
IMPORT_OVERLAPS_LOGGED_SQL = """
SELECT DISTINCT ON (i.n) i.n, t.started_at, t.ended_at, t.activity
FROM time_entry_import i
JOIN marketplace_timeentry t
  ON t.contributor_id = i.contributor_id AND t.is_current AND t.started_at IS NOT NULL
 AND TSTZRANGE(t.started_at, t.ended_at, '[)') && TSTZRANGE(i.started_at, i.ended_at, '[)')
WHERE i.started_at IS NOT NULL
ORDER BY i.n, t.started_at
"""

# Entries of the file that overlap an earlier-starting one of the same file: in order of
# start, an entry overlaps some earlier one exactly when it starts before the latest end
# so far, and that latest-ending entry is the one named.
IMPORT_OVERLAPS_WITHIN_SQL = """
SELECT n, latest[2]::integer
FROM (
    SELECT n, started_at,
           max(ARRAY[extract(epoch FROM ended_at), n]) OVER (
               PARTITION BY contributor_id ORDER BY started_at, n ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
           ) AS latest
    FROM time_entry_import WHERE started_at IS NOT NULL
) ordered
WHERE latest[1] > extract(epoch FROM started_at)
"""

# Hours in a day, the weekly cap and the budget for each entry of the file, counting what
# is logged already plus the file's earlier rows, as if they had been logged one by one.
# What is logged on the weeks the file covers joins the file as rows numbered 0, so that
# one running sum per day, per engagement-week and per project counts both, with no join
# whose size the planner would have to guess. Task submissions count towards the day only.
IMPORT_TOTALS_SQL = f"""
WITH calendar AS (
    SELECT * FROM unnest(%(days)s::date[], %(week_starts)s::date[]) AS c(day, week_start)
), logged AS (
    SELECT t.contributor_id, t.engagement_id, t.work_date, t.minutes
    FROM marketplace_timeentry t
    WHERE t.contributor_id = %(contributor)s AND t.is_current AND t.work_date BETWEEN %(first_day)s AND %(last_day)s
    UNION ALL
    SELECT s.contributor_id, NULL, s.work_date, s.minutes
    FROM marketplace_tasksubmission s
    WHERE s.contributor_id = %(contributor)s AND s.work_date BETWEEN %(first_day)s AND %(last_day)s
), work AS (
    SELECT 0 AS n, l.contributor_id, l.engagement_id, NULL::bigint AS project_id, l.work_date, c.week_start,
           l.minutes, NULL::numeric AS value, false AS ranged, NULL::integer AS weekly_cap_hours
    FROM logged l JOIN calendar c ON c.day = l.work_date
    UNION ALL
    SELECT t.n, t.contributor_id, t.engagement_id, t.project_id, t.work_date, t.week_start,
           t.minutes, {TIME_ENTRY_VALUE_SQL}, t.started_at IS NOT NULL, p.weekly_cap_hours
    FROM time_entry_import t
    JOIN marketplace_engagement e ON e.id = t.engagement_id
    JOIN marketplace_project p ON p.id = t.project_id
), totals AS (
    SELECT n, minutes, work_date, ranged, weekly_cap_hours, project_id,
           COALESCE(sum(minutes) OVER (
               PARTITION BY contributor_id, work_date ORDER BY n ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
           ), 0) AS day_before,
           COALESCE(sum(minutes) OVER (
               PARTITION BY engagement_id, week_start ORDER BY n ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
           ), 0) AS week_before,
           COALESCE(sum(value) OVER (
               PARTITION BY project_id ORDER BY n ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
           ), 0) AS value_before
    FROM work
)
SELECT t.n, t.ranged, t.work_date, t.day_before, t.weekly_cap_hours, t.week_before, t.value_before >= b.headroom
FROM totals t
JOIN unnest(%(projects)s::bigint[], %(headroom)s::numeric[]) AS b(project_id, headroom) ON b.project_id = t.project_id
WHERE t.n > 0
  AND (t.day_before + t.minutes > %(day_minutes)s
       OR t.week_before + t.minutes > t.weekly_cap_hours * 60
       OR t.value_before >= b.headroom)
"""


def _refuse_conflicts(staged: list[_StagedRow], contributor: Contributor, *, refusals: dict) -> None:
    """Add the refusals that depend on other work, in the order time_entry_log checks them."""
    found: dict[int, ApplicationError] = {}
    tz = zoneinfo.ZoneInfo(contributor.timezone)
    by_number = {row.n: row for row in staged}
    funded = dict(Project.objects.filter(pk__in={row.project_id for row in staged}).values_list("pk", "funded_minor"))
    headroom = {
        pk: funded[pk] - approved - pending for pk, (approved, pending) in work_values_minor(project_ids=funded).items()
    }
    with connection.cursor() as cursor:
        cursor.execute(IMPORT_OVERLAPS_LOGGED_SQL)
        for number, started_at, ended_at, activity in cursor.fetchall():
            try:
                _overlap(TimeEntry(started_at=started_at, ended_at=ended_at, activity=activity), contributor.timezone)
            except ApplicationError as refused:
                found[number] = refused
        cursor.execute(IMPORT_OVERLAPS_WITHIN_SQL)
        for number, other in cursor.fetchall():
            clash = by_number[other]
            found.setdefault(
                number,
                _work_refusal(
                    "This overlaps another entry of the file.",
                    started_at=(
                        f"Overlaps row {other} of this file ({clash.started_at.astimezone(tz):%d %b %Y %H:%M}"
                        f"-{clash.ended_at.astimezone(tz):%H:%M})."
                    ),
                ),
            )
        # The pay weeks of every day the file's weeks cover, as week_of says, for what is logged on them.
        first_day = min(row.week_start for row in staged)
        last_day = max(row.week_end for row in staged)
        days = [first_day + timedelta(days=k) for k in range((last_day - first_day).days + 1)]
        cursor.execute(
            IMPORT_TOTALS_SQL,
            {
                "contributor": contributor.pk,
                "first_day": first_day,
                "last_day": last_day,
                "days": days,
                "week_starts": [week_of(day)[0] for day in days],
                "projects": list(headroom),
                "headroom": list(headroom.values()),
                "day_minutes": DAY_MINUTES,
            },
        )
        for number, ranged, work_date, day_before, cap_hours, week_before, over_budget in cursor.fetchall():
            if number in found:
                continue
            minutes = by_number[number].minutes
            if day_before + minutes > DAY_MINUTES:
                found[number] = _full_day_refusal(
                    "started_at" if ranged else "work_date", day_total=day_before, work_date=work_date
                )
            elif cap_hours is not None and week_before + minutes > cap_hours * 60:
                found[number] = _weekly_cap_refusal(ranged=ranged, cap_hours=cap_hours, week_total=week_before)
            elif over_budget:
                refused = _budget_exhausted_refusal()
                found[number] = ApplicationError(
                    refused.message, code=refused.code, fields={"engagement": [refused.message]}
                )
    for number, refused in found.items():
        refusals.setdefault(number, (refused.code, refused.fields))


IMPORT_WRITE_SQL = """
WITH written AS (
    INSERT INTO marketplace_timeentry (
        engagement_id, contributor_id, project_id, work_date, minutes, status, hold_reason, submitted_at,
        rejection_reason, appeal_reason, appeal_decision_reason, activity, started_at, ended_at, note,
        task_reference, version, is_current, change_reason, created_by_id)
    SELECT engagement_id, contributor_id, project_id, work_date, minutes, %(status)s, '', %(now)s, '', '', '',
           activity, started_at, ended_at, note, task_reference, 1, true, '', %(actor)s
    FROM time_entry_import ORDER BY n
    RETURNING id, engagement_id, minutes
)
SELECT engagement_id, count(*), sum(minutes), min(id), max(id) FROM written GROUP BY engagement_id
"""


def _write_import(*, actor: User, now: datetime) -> ImportResult:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(IMPORT_WRITE_SQL, {"status": ReviewStatus.SUBMITTED, "now": now, "actor": actor.pk})
            written = cursor.fetchall()
    except IntegrityError:
        # Only a correction made at the same moment, outside the per-person lock, gets here.
        raise ApplicationError(
            "Time logged while the file was being imported overlaps it; send the file again.",
            code="invalid_work",
            fields={"file": ["Overlaps time logged during the import."]},
        ) from None
    return ImportResult(
        created=sum(row[1] for row in written),
        minutes=sum(row[2] for row in written),
        first_id=min(row[3] for row in written),
        last_id=max(row[4] for row in written),
        submitted_at=now,
        by_engagement={row[0]: (row[1], row[2]) for row in written},
    )
