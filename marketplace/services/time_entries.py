"""Logged time: an entry logged or corrected, one at a time.

Every minute an expert logs is paid work, whatever its kind; rejected work still counts
as hours worked for the minimum-wage floor. Nothing is changed silently: editing a
submitted entry writes a new version with a reason and keeps the old one. The rules an
entry must meet are ``checks``'s, the same for a file of entries (``imports``).
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from config.errors import ApplicationError, NotPermitted
from payouts.weeks import is_locked, week_of

from ..instruction_selectors import instruction_in_force_for_work
from ..models import ActivityKind, DisputeStatus, Engagement, ReviewStatus, TimeDispute, TimeEntry
from ..running import engagement_stops
from .checks import (
    Candidate,
    _check_running,
    _check_time_shape,
    _engagement_days,
    _local_date,
    _normalise_time,
    _overlap,
    _refuse,
    check_entry,
    stopped_day_refusals,
)

__all__ = ["time_entry_log", "time_entry_revise"]


def _own_active_engagement(actor: User, engagement: Engagement) -> Engagement:
    """The actor's own engagement, with its pauses and end.

    A paused or ended engagement still takes work dated before it stopped (the checks
    refuse anything after), so that earned pay is never lost to the lab's or the
    platform's decision.
    """
    owner_id = Engagement.objects.filter(pk=engagement.pk).values_list("contributor__user_id", flat=True).get()
    if owner_id != actor.pk:
        raise NotPermitted("You can only log work on your own engagements.")
    # One person's work is checked and written one request at a time, and read only once
    # the lock is held: an engagement ended or paused meanwhile is seen as it now is.
    Engagement.objects.select_for_update().filter(contributor__user_id=owner_id).exists()
    return (
        Engagement.objects.select_related("project", "contributor__user")
        .prefetch_related("pauses")
        .get(pk=engagement.pk)
    )


def _check_work(
    *,
    engagement: Engagement,
    work_date: date,
    minutes: int,
    started_at: datetime | None,
    ended_at: datetime | None,
    activity: str,
    replacing: TimeEntry | None = None,
    late: bool = False,
) -> None:
    """Every rule logged work must meet; the first broken one is a field error.

    ``late``: an adjustment request, dated in a locked week, which the lock does not refuse.
    """
    now = timezone.now()
    _check_time_shape(
        work_date=work_date,
        minutes=minutes,
        started_at=started_at,
        ended_at=ended_at,
        now=now,
        today=_local_date(now, engagement.contributor.timezone),
        runs=_engagement_days(engagement),
    )
    _check_running(
        stops=engagement_stops(engagement),
        work_date=work_date,
        minutes=minutes,
        started_at=started_at,
        ended_at=ended_at,
        tz_name=engagement.contributor.timezone,
    )
    week_start, week_end = week_of(work_date)
    candidate = Candidate(
        1,
        engagement.pk,
        engagement.contributor_id,
        engagement.project_id,
        activity,
        work_date,
        week_start,
        week_end,
        minutes,
        started_at,
        ended_at,
        "",
        "",
    )
    check_entry(candidate, engagement=engagement, replacing=replacing.pk if replacing is not None else None, late=late)
    refusals = stopped_day_refusals(
        [candidate],
        stops={engagement.pk: engagement_stops(engagement)},
        tz_name=engagement.contributor.timezone,
        replacing=replacing.pk if replacing is not None else None,
    )
    if refusals:
        raise refusals[candidate.n]


def _entry_saved(entry: TimeEntry) -> TimeEntry:
    """Insert a new entry; one that overlaps the expert's logged time (the database's
    exclusion constraint, which catches a race the checks could not see) is refused
    naming the entry it overlaps."""
    try:
        with transaction.atomic():
            entry.save(force_insert=True)
    except IntegrityError:
        if entry.started_at is not None:
            clash = (
                TimeEntry.objects.filter(contributor_id=entry.contributor_id, is_current=True)
                .filter(started_at__lt=entry.ended_at, ended_at__gt=entry.started_at)
                .first()
            )
            if clash is not None:
                _overlap(clash, entry.engagement.contributor.timezone)
        raise
    return entry


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
            engagement=engagement,
            work_date=work_date,
            minutes=minutes,
            started_at=started_at,
            ended_at=ended_at,
            activity=activity,
        )
        entry = _entry_saved(
            TimeEntry(
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
                instruction_version=instruction_in_force_for_work(
                    engagement=engagement, work_date=work_date, started_at=started_at
                ),
            )
        )
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
        if (
            old.status == ReviewStatus.DISPUTED
            or TimeDispute.objects.filter(time_entry=old, status=DisputeStatus.UPHELD).exists()
        ):
            # A new version would escape the dispute: the answer is the expert's response to it.
            raise ApplicationError(
                "The lab disputes this entry; answer the dispute instead of changing the entry.",
                code="illegal_transition",
            )
        ranged = started_at is not None or (work_date is None and minutes is None and old.started_at is not None)
        work_date, minutes, started_at, ended_at = _normalise_time(
            engagement=engagement,
            started_at=(started_at or old.started_at) if ranged else None,
            ended_at=(ended_at or old.ended_at) if ranged else None,
            work_date=work_date or old.work_date,
            minutes=minutes if minutes is not None else old.minutes,
        )
        if is_locked(old.work_date):
            _refuse(
                "That pay week is locked; file an adjustment request for this late work instead.",
                reason="The pay week is locked.",
            )
        _check_work(
            engagement=engagement,
            work_date=work_date,
            minutes=minutes,
            started_at=started_at,
            ended_at=ended_at,
            activity=old.activity,
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
            instruction_version=instruction_in_force_for_work(
                engagement=engagement, work_date=work_date, started_at=started_at
            ),
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
