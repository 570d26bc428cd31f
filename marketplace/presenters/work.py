"""An expert's own work: the week's timesheet, the history of every entry, and submitted tasks."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from payouts.weeks import is_locked, week_closes_at, week_of

from .. import selectors
from ..forms import AdjustmentRequestForm, ReasonForm, TimeEntryCorrectionForm, TimeEntryForm
from ..models import APPROVED_STATUSES, Engagement, EngagementStatus, Project, ReviewStatus, TimeEntry
from ..running import Stop, engagement_days, engagement_stops, last_running_day, running_minutes_on

HELD_EXPLANATION = "done in under half the estimate: a person reviews it; it is never rejected automatically."
APPEAL_LABEL = "Why the rejection is wrong"


def duration(minutes: int) -> str:
    """Minutes as people read a timesheet: "3 h 30 min", "2 h", "45 min"."""
    hours, rest = divmod(int(minutes or 0), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def zone(tz_name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(tz_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def local_today(tz_name: str) -> date:
    return timezone.now().astimezone(zone(tz_name)).date()


def appeal_until(item, project: Project):
    """When the expert may still appeal a rejection, or None if they cannot."""
    if item.status != ReviewStatus.REJECTED or item.appeal_decided_at is not None or item.reviewed_at is None:
        return None
    if getattr(item, "dispute_upheld", False):
        return None
    until = item.reviewed_at + timedelta(days=project.appeal_window_days)
    return until if timezone.now() <= until else None


def form_problem(form) -> str:
    """Everything a refused form says, for a page with nowhere better to show it."""
    return " ".join(str(message) for messages_ in form.errors.values() for message in messages_)


def _appeal_form(item, appeal: tuple[int, ReasonForm] | None, until) -> ReasonForm | None:
    if appeal and appeal[0] == item.pk:
        return appeal[1]
    if until is not None:
        return ReasonForm(label=APPEAL_LABEL, auto_id=f"id_appeal_{item.pk}_%s")
    return None


@dataclass(frozen=True)
class Week:
    """The pay week a timesheet shows, seen from the expert's today."""

    start: date
    today: date

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)


def stop_notice(engagement: Engagement, stops: list[Stop], tz_name: str) -> str:
    """Why nothing more can be logged from now on, when the engagement is paused or ended."""
    current = [stop for stop in stops if stop.until is None]
    if engagement.status == EngagementStatus.ACTIVE or not current:
        return ""
    stop = next((stop for stop in current if stop.ended), current[0])
    return stop.describe(zone(tz_name))


@dataclass(frozen=True)
class OfferedDays:
    """The days a timesheet offers for logging: within the engagement's dates, up to today,
    and not wholly inside a pause or after the end (``marketplace.running``)."""

    first: date
    last: date
    stops: list[Stop]
    tz_name: str

    @classmethod
    def of(cls, engagement: Engagement, today: date, tz_name: str) -> OfferedDays:
        stops = engagement_stops(engagement)
        first = engagement_days(engagement)[0]
        return cls(first=first, last=min(last_running_day(engagement, stops), today), stops=stops, tz_name=tz_name)

    @property
    def any(self) -> bool:
        return self.first <= self.last

    def offers(self, day: date) -> bool:
        return self.first <= day <= self.last and running_minutes_on(self.stops, day, self.tz_name)[0] > 0

    def why_not(self, day: date, today: date) -> str:
        """What a day that is not offered says instead of "Nothing logged"."""
        if day < self.first:
            return "Before the engagement."
        if day > today:
            return "Still to come."
        if not self.offers(day):
            return "After the engagement ended." if day > self.last else "Paused: no time can be logged."
        return ""

    def week_within(self, week_start: date) -> date:
        """``week_start``, or the nearest week that has a day of the engagement."""
        lo = week_of(self.first)[0]
        hi = week_of(max(self.first, self.last))[0]
        return min(max(week_start, lo), hi)

    def limit(self, form) -> None:
        """Tell the form's date and time inputs which days they may take."""
        if not self.any:
            return
        form.fields["work_date"].widget.attrs.update(min=self.first.isoformat(), max=self.last.isoformat())
        for name in ("started_at", "ended_at"):
            form.fields[name].widget.attrs.update(
                min=f"{self.first.isoformat()}T00:00", max=f"{self.last.isoformat()}T23:59"
            )


def logging_windows(today: date) -> list[dict]:
    """Until when this week and the previous one take time: each closes once it is over
    everywhere and its grace period has passed (``payouts.weeks.week_closes_at``)."""
    this_week = week_of(today)[0]
    now = timezone.now()
    rows = []
    for label, start in (("This week", this_week), ("Last week", this_week - timedelta(days=7))):
        closes_at = week_closes_at(start)
        rows.append({"label": label, "start": start, "closes_at": closes_at, "closed": now >= closes_at})
    return rows


def timesheet_page(
    engagement: Engagement,
    week: Week,
    *,
    tz_name: str,
    log_form: TimeEntryForm | None,
    correct: tuple[int, TimeEntryCorrectionForm] | None,
    appeal: tuple[int, ReasonForm] | None,
    late_form: AdjustmentRequestForm | None = None,
) -> dict:
    """A week of an engagement's time entries, day by day, with the forms each entry allows."""
    today, week_start, week_end = week.today, week.start, week.end
    project = engagement.project
    offered = OfferedDays.of(engagement, today, tz_name)
    # Work dated before a pause or the end can still be logged and corrected.
    active = offered.any
    locked = is_locked(week_start)
    entries = list(selectors.time_entries_between(engagement=engagement, starts_on=week_start, ends_on=week_end))

    rows_by_day: dict[date, list[dict]] = {}
    for entry in entries:
        can_correct = active and not locked and entry.status not in (ReviewStatus.APPEALED, ReviewStatus.DISPUTED)
        until = appeal_until(entry, project)
        correct_form = None
        if correct and correct[0] == entry.pk:
            correct_form = correct[1]
        elif can_correct:
            correct_form = TimeEntryCorrectionForm(
                initial=TimeEntryCorrectionForm.initial_for(entry, tz_name),
                tz_name=tz_name,
                auto_id=f"id_correct_{entry.pk}_%s",
            )
        rows_by_day.setdefault(entry.work_date, []).append(
            {
                "entry": entry,
                "duration": duration(entry.minutes),
                "correct_form": correct_form,
                "correct_open": bool(correct and correct[0] == entry.pk),
                "appeal_form": _appeal_form(entry, appeal, until),
                "appeal_open": bool(appeal and appeal[0] == entry.pk),
                "appeal_until": until,
            }
        )

    days = []
    for offset in range(7):
        day = week_start + timedelta(days=offset)
        rows = rows_by_day.get(day, [])
        days.append(
            {
                "date": day,
                "rows": rows,
                "total": duration(sum(row["entry"].minutes for row in rows)),
                "minutes": sum(row["entry"].minutes for row in rows),
                "is_today": day == today,
                "is_future": day > today,
                "not_offered": offered.why_not(day, today),
            }
        )
    week_minutes = sum(entry.minutes for entry in entries)
    approved_minutes = sum(entry.minutes for entry in entries if entry.status in APPROVED_STATUSES)
    rejected_minutes = sum(entry.minutes for entry in entries if entry.status == ReviewStatus.REJECTED)

    if log_form is None and active:
        log_form = TimeEntryForm(
            initial={
                "mode": TimeEntryForm.RANGE,
                "work_date": min(max(min(week_end, today), offered.first), offered.last),
            },
            tz_name=tz_name,
        )
    if log_form is not None:
        offered.limit(log_form)
    if late_form is None and active and locked:
        late_form = AdjustmentRequestForm(
            initial={"mode": TimeEntryForm.DURATION, "work_date": min(max(week_start, offered.first), offered.last)},
            tz_name=tz_name,
        )
    if late_form is not None:
        offered.limit(late_form)
    next_start = week_start + timedelta(days=7)
    shown = {entry.pk for entry in entries}
    # A refused correction or appeal of a version no longer shown is told at the top.
    page_error = " ".join(
        form_problem(form) for pk, form in (correct or (None, None), appeal or (None, None)) if form and pk not in shown
    )
    return {
        "page_error": page_error,
        "active": active,
        "locked": locked,
        "tz_name": zone(tz_name).key,
        "week_start": week_start,
        "week_end": week_end,
        "is_this_week": week_start <= today <= week_end,
        "previous_week": week_start - timedelta(days=7) if week_start > offered.first else None,
        "stop_notice": stop_notice(engagement, offered.stops, tz_name),
        "next_week": next_start if next_start <= today else None,
        "this_week": week_of(today)[0],
        "days": days,
        "week_total": duration(week_minutes),
        "approved_total": duration(approved_minutes),
        "rejected_total": duration(rejected_minutes),
        "has_rejected": rejected_minutes > 0,
        "cap": project.weekly_cap_hours,
        "over_cap_share": (
            f"{min(100, week_minutes * 100 // (project.weekly_cap_hours * 60))}" if project.weekly_cap_hours else ""
        ),
        "log_form": log_form,
        "late_form": late_form,
        "week_closes_at": week_closes_at(week_start),
        "logging_windows": logging_windows(today),
        "entry_count": len(entries),
    }


def history_chains(versions: list[TimeEntry]) -> list[dict]:
    """Every entry's versions, oldest first, newest entries first: corrections never overwrite."""
    by_id = {entry.pk: entry for entry in versions}

    def root_of(entry: TimeEntry) -> int:
        seen = set()
        while entry.previous_id and entry.previous_id in by_id and entry.pk not in seen:
            seen.add(entry.pk)
            entry = by_id[entry.previous_id]
        return entry.pk

    chains: dict[int, list[TimeEntry]] = {}
    for entry in versions:
        chains.setdefault(root_of(entry), []).append(entry)
    rows = []
    for chain in chains.values():
        chain.sort(key=lambda e: e.version)
        rows.append(
            {
                "current": chain[-1],
                "versions": [{"entry": e, "duration": duration(e.minutes)} for e in chain],
            }
        )
    rows.sort(key=lambda row: (row["current"].work_date, row["current"].pk), reverse=True)
    return rows


def task_rows(engagement: Engagement, appeal: tuple[int, ReasonForm] | None) -> list[dict]:
    """The engagement's latest tasks (at most 500), a rejected one with its appeal form."""
    project = engagement.project
    rows = []
    for task in selectors.tasks_of_engagement(engagement=engagement)[:500]:
        until = appeal_until(task, project)
        rows.append(
            {
                "task": task,
                "label": (task.answer or {}).get("label", "") if isinstance(task.answer, dict) else "",
                "appeal_form": _appeal_form(task, appeal, until),
                "appeal_open": bool(appeal and appeal[0] == task.pk),
                "appeal_until": until,
            }
        )
    return rows
