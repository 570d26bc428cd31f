"""When an engagement ran: the days work on it may be dated, and the stretches it was
paused or after it ended, in which no work may be.

An engagement runs from the later of the project's first day and the day the expert
accepted, to the project's last day, except while it is paused and from the moment it
ends. A pause or an end takes effect at a moment, not at a day: a time entry with a
start and an end must lie wholly outside every stop, and a duration given on a day may
be at most the minutes of that day (in the expert's timezone) that lay outside them, so
work done on the morning of the day a project closed is still logged and paid, and
nothing after it is.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .models import Engagement, EngagementPause, EngagementStop


@dataclass(frozen=True)
class Stop:
    """No work may be dated from ``starts`` until ``until`` (for ever when None)."""

    starts: datetime
    until: datetime | None
    cause: str
    ended: bool

    def covers(self, moment: datetime) -> bool:
        return self.starts <= moment and (self.until is None or moment < self.until)

    def describe(self, tz: zoneinfo.ZoneInfo) -> str:
        """A sentence an expert reads: what happened, when, and why."""
        starts = f"{self.starts.astimezone(tz):%d %b %Y %H:%M}"
        why = EngagementStop(self.cause).label if self.cause in EngagementStop.values else "it was stopped"
        if self.ended:
            return f"The engagement ended on {starts} ({tz.key}) because {why}."
        if self.until is None:
            return f"The engagement is paused since {starts} ({tz.key}) because {why}."
        return (
            f"The engagement was paused from {starts} to {self.until.astimezone(tz):%d %b %Y %H:%M} "
            f"({tz.key}) because {why}."
        )


def _local_date(moment: datetime, tz_name: str) -> date:
    return moment.astimezone(zoneinfo.ZoneInfo(tz_name)).date()


def engagement_days(engagement: Engagement) -> tuple[date, date]:
    """The first and last day work on an engagement may be dated, in the expert's own days."""
    project = engagement.project
    return max(project.starts_on, _local_date(engagement.started_at, engagement.contributor.timezone)), project.ends_on


def engagement_stops(engagement: Engagement) -> list[Stop]:
    """The engagement's pauses (over or not) and its end, in order."""
    stops = [
        Stop(starts=pause.paused_at, until=pause.resumed_at, cause=pause.cause, ended=False)
        for pause in engagement.pauses.all()
    ]
    if engagement.ended_at is not None:
        stops.append(Stop(starts=engagement.ended_at, until=None, cause=engagement.ended_because, ended=True))
    return sorted(stops, key=lambda stop: stop.starts)


def last_running_day(engagement: Engagement, stops: list[Stop]) -> date:
    """The last day work may be dated on: the project's last day, or the day it ended or paused for good."""
    last = engagement_days(engagement)[1]
    for stop in stops:
        if stop.until is None:
            last = min(last, _local_date(stop.starts, engagement.contributor.timezone))
    return last


def stop_over(stops: list[Stop], started_at: datetime, ended_at: datetime) -> Stop | None:
    """The first stop a stretch of work from ``started_at`` to ``ended_at`` reaches into, if any."""
    for stop in stops:
        if started_at < (stop.until or ended_at + timedelta(seconds=1)) and ended_at > stop.starts:
            return stop
    return None


def running_minutes_on(stops: list[Stop], day: date, tz_name: str) -> tuple[int, Stop | None]:
    """The minutes of ``day`` (in the expert's timezone) outside every stop, and the first stop that took any."""
    tz = zoneinfo.ZoneInfo(tz_name)
    day_starts = datetime.combine(day, time(), tzinfo=tz)
    day_ends = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)
    # A day's length in minutes, 23 or 25 hours when the clocks change.
    running = round((day_ends - day_starts).total_seconds() / 60)
    first = None
    covered_until = day_starts
    for stop in stops:
        start = max(stop.starts, covered_until)
        end = min(stop.until or day_ends, day_ends)
        if end > start:
            running -= round((end - start).total_seconds() / 60)
            covered_until = end
            first = first or stop
    return max(running, 0), first


def dated_while_stopped_sql(*, work: str, engagement: str, tz: str) -> str:
    """SQL: the work row ``work`` is dated on a day that lay wholly after its engagement
    ended or inside one of its pauses, in the expert's timezone column ``tz``.

    The day-level twin of ``running_minutes_on(...) == 0``, for set-based work (the
    auto-approval sweep); entries are checked to the minute when they are logged.
    """
    return f"""(
        ({engagement}.ended_at IS NOT NULL AND {work}.work_date > ({engagement}.ended_at AT TIME ZONE {tz})::date)
        OR EXISTS (
            SELECT 1 FROM {EngagementPause._meta.db_table} stop
            WHERE stop.engagement_id = {work}.engagement_id
              AND {work}.work_date > (stop.paused_at AT TIME ZONE {tz})::date
              AND (stop.resumed_at IS NULL OR {work}.work_date < (stop.resumed_at AT TIME ZONE {tz})::date)
        )
    )"""
