"""The rules logged work must meet, for one entry and for a file of them alike.

What concerns an entry on its own (its shape, its dates) is checked in Python, entry by
entry. What depends on other work (a locked pay week, overlaps with logged time and
within the file, hours in a day, the lab's weekly cap, the project's budget) is checked
by ``work_conflicts`` for a whole set of candidate entries at once in SQL, counting the
earlier candidates as if they had been logged one by one before: a single entry is a set
of one, a file is copied into a temporary table first. Each refusal is the first rule the
entry breaks, in this order: its shape, a locked week, an overlap, the day (24 hours, or
the platform's lower daily ceiling, ``WORK_DAY_CEILING_HOURS``), the lab's weekly cap for
the project, the platform's weekly ceiling across all of the person's work
(``WORK_WEEK_CEILING_HOURS``), the budget.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.errors import ApplicationError
from payouts import money
from payouts.weeks import is_locked, week_of

from ..models import APPROVED_STATUSES, PENDING_REVIEW, ActivityKind, Engagement, Project, TaskSubmission, TimeEntry
from ..payable import TASK_TABLE, TIME_ENTRY_TABLE
from ..running import Stop, engagement_days, running_minutes_on, stop_over
from ..selectors import TIME_ENTRY_VALUE_SQL, work_item_value_minor, work_value_minor, work_values_minor

DAY_MINUTES = 24 * 60


# --- refusals ------------------------------------------------------------------------


def _refuse(message: str, **fields: str):
    raise _work_refusal(message, **fields)


def _work_refusal(message: str, **fields: str) -> ApplicationError:
    return ApplicationError(message, code="invalid_work", fields={k: [v] for k, v in fields.items()})


def _locked_week_refusal(date_field: str) -> ApplicationError:
    return _work_refusal(
        "That pay week is locked; file an adjustment request for this late work instead.",
        **{date_field: "The pay week of this day is locked."},
    )


def _full_day_refusal(date_field: str, *, day_total: int, work_date: date) -> ApplicationError:
    return _work_refusal(
        "That would make more than 24 hours on one day.",
        **{date_field: f"{day_total} minutes are already logged on {work_date:%d %b %Y}; a day has 1,440."},
    )


def _day_ceiling_refusal(date_field: str, *, day_total: int, work_date: date, ceiling_hours: int) -> ApplicationError:
    return _work_refusal(
        f"That would make more than {ceiling_hours} hours on one day, the platform's daily ceiling.",
        **{
            date_field: f"{day_total} minutes are already logged on {work_date:%d %b %Y}; "
            f"the ceiling is {ceiling_hours} hours ({ceiling_hours * 60} minutes) a day."
        },
    )


def _week_ceiling_refusal(*, ranged: bool, ceiling_hours: int, week_total: int) -> ApplicationError:
    return _work_refusal(
        f"That would make more than {ceiling_hours} hours a week, the platform's weekly ceiling.",
        **{
            "ended_at" if ranged else "minutes": f"The ceiling is {ceiling_hours} hours a week across all your "
            f"projects; {week_total} minutes are logged this week."
        },
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


def _over_budget_refusal(field: str, *, left_minor: int, currency: str) -> ApplicationError:
    left = money.format_money(max(left_minor, 0), currency)
    return ApplicationError(
        "This work would take the project past its funded budget, so it could not be paid from it.",
        code="over_budget",
        fields={field: [f"{left} of the project's budget is left for work not yet logged; this is worth more."]},
    )


def _overlap_refusal(*, started_at: datetime, ended_at: datetime, activity: str, tz_name: str) -> ApplicationError:
    tz = zoneinfo.ZoneInfo(tz_name)
    label = ActivityKind(activity).label if activity in ActivityKind.values else activity
    return _work_refusal(
        "This overlaps time you already logged.",
        started_at=(
            f"Overlaps your entry of {started_at.astimezone(tz):%d %b %Y %H:%M}"
            f"-{ended_at.astimezone(tz):%H:%M} ({label.lower()})."
        ),
    )


def _overlap(clash, tz_name: str) -> None:
    raise _overlap_refusal(
        started_at=clash.started_at, ended_at=clash.ended_at, activity=clash.activity, tz_name=tz_name
    )


# --- an entry on its own ---------------------------------------------------------------


def _local_date(moment: datetime, tz_name: str) -> date:
    return moment.astimezone(zoneinfo.ZoneInfo(tz_name)).date()


def _engagement_days(engagement: Engagement) -> tuple[date, date]:
    """The first and last day work on an engagement may be dated, in the expert's own days."""
    return engagement_days(engagement)


def _check_running(
    *,
    stops: list[Stop],
    work_date: date,
    minutes: int,
    started_at: datetime | None,
    ended_at: datetime | None,
    tz_name: str,
) -> None:
    """Refuse work dated while the engagement was paused or after it ended (``marketplace.running``).

    Whatever was done before is accepted, reviewed and paid as usual.
    """
    if not stops:
        return
    tz = zoneinfo.ZoneInfo(tz_name)
    if started_at is not None:
        stop = stop_over(stops, started_at, ended_at)
        if stop is not None:
            field = "started_at" if stop.covers(started_at) else "ended_at"
            raise _stopped_refusal(stop, **{field: f"{stop.describe(tz)} No time from then on can be logged."})
        return
    running, stop = running_minutes_on(stops, work_date, tz_name)
    if stop is None:
        return
    if running == 0:
        raise _stopped_refusal(stop, work_date=f"{stop.describe(tz)} No time on {work_date:%d %b %Y} can be logged.")
    if minutes > running:
        raise _stopped_refusal(
            stop,
            minutes=(
                f"{stop.describe(tz)} It ran for {running} minutes on {work_date:%d %b %Y}; "
                "no more than that can be logged on this day."
            ),
        )


def stopped_day_refusals(
    candidates: list[Candidate], *, stops: dict[int, list[Stop]], tz_name: str, replacing: int | None = None
) -> dict[int, ApplicationError]:
    """On a day an engagement paused, resumed or ended, all the work dated on it together
    must fit in the minutes it ran that day: what is logged already, the earlier
    candidates, then each candidate in turn (its own minutes are checked by ``_check_running``)."""
    partial: dict[tuple[int, date], tuple[int, Stop]] = {}
    for row in candidates:
        key = (row.engagement_id, row.work_date)
        if key in partial or not stops.get(row.engagement_id):
            continue
        running, stop = running_minutes_on(stops[row.engagement_id], row.work_date, tz_name)
        if stop is not None:
            partial[key] = (running, stop)
    if not partial:
        return {}
    engagement_ids = sorted({engagement_id for engagement_id, _ in partial})
    days = sorted({day for _, day in partial})
    logged: dict[tuple[int, date], int] = {}
    for model, extra in ((TimeEntry, {"is_current": True}), (TaskSubmission, {})):
        rows = model.objects.filter(engagement_id__in=engagement_ids, work_date__in=days, **extra)
        if model is TimeEntry and replacing is not None:
            rows = rows.exclude(pk=replacing)
        for engagement_id, day, minutes in rows.values_list("engagement_id", "work_date", "minutes"):
            logged[(engagement_id, day)] = logged.get((engagement_id, day), 0) + minutes
    tz = zoneinfo.ZoneInfo(tz_name)
    found: dict[int, ApplicationError] = {}
    for row in sorted(candidates, key=lambda candidate: candidate.n):
        key = (row.engagement_id, row.work_date)
        if key not in partial:
            continue
        running, stop = partial[key]
        before = logged.get(key, 0)
        if before + row.minutes > running:
            found[row.n] = _stopped_refusal(
                stop,
                **{
                    "started_at" if row.started_at else "minutes": (
                        f"{stop.describe(tz)} It ran for {running} minutes on {row.work_date:%d %b %Y} and "
                        f"{before} are logged on it already; no more than that can be logged on this day."
                    )
                },
            )
        else:
            logged[key] = before + row.minutes
    return found


def _stopped_refusal(stop: Stop, **fields: str) -> ApplicationError:
    return ApplicationError(
        "This engagement has ended: time after its end cannot be logged."
        if stop.ended
        else "This engagement was paused then: time in a pause cannot be logged.",
        code="engagement_ended" if stop.ended else "engagement_paused",
        fields={k: [v] for k, v in fields.items()},
    )


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


# --- entries against other work ----------------------------------------------------------


class Candidate(NamedTuple):
    """An entry about to be logged, numbered in the order it is logged (from 1)."""

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


def locked_week_refusals(candidates: Iterable[Candidate]) -> dict[int, ApplicationError]:
    """The candidates dated in a locked pay week, each week looked up once."""
    candidates = list(candidates)
    locked = {start for start in {row.week_start for row in candidates} if is_locked(start)}
    return {
        row.n: _locked_week_refusal("started_at" if row.started_at else "work_date")
        for row in candidates
        if row.week_start in locked
    }


# The candidates as rows of a relation, from arrays of their values: one entry at a time
# is not worth a temporary table.
_CANDIDATE_ARRAYS = (
    ("n", "integer"),
    ("engagement_id", "bigint"),
    ("contributor_id", "bigint"),
    ("project_id", "bigint"),
    ("activity", "text"),
    ("work_date", "date"),
    ("week_start", "date"),
    ("minutes", "integer"),
    ("started_at", "timestamptz"),
    ("ended_at", "timestamptz"),
)
CANDIDATE_VALUES = (
    "(SELECT * FROM unnest("
    + ", ".join(f"%(c_{name})s::{kind}[]" for name, kind in _CANDIDATE_ARRAYS)
    + ") AS c("
    + ", ".join(name for name, _ in _CANDIDATE_ARRAYS)
    + "))"
)


def candidate_values_params(candidates: list[Candidate]) -> dict[str, list]:
    return {f"c_{name}": [getattr(row, name) for row in candidates] for name, _ in _CANDIDATE_ARRAYS}


# Candidates that overlap a current entry already logged by the same person (through the
# exclusion constraint's GiST index), the earliest such entry for each.
def _overlaps_logged_sql(candidates: str) -> str:
    return f"""
SELECT DISTINCT ON (i.n) i.n, t.started_at, t.ended_at, t.activity
FROM {candidates} i
JOIN {TIME_ENTRY_TABLE} t
  ON t.contributor_id = i.contributor_id AND t.is_current AND t.started_at IS NOT NULL
 AND TSTZRANGE(t.started_at, t.ended_at, '[)') && TSTZRANGE(i.started_at, i.ended_at, '[)')
 AND t.id IS DISTINCT FROM %(replacing)s
WHERE i.started_at IS NOT NULL
ORDER BY i.n, t.started_at
"""


# Candidates that overlap an earlier-starting one of the same set: in order of start, an
# entry overlaps some earlier one exactly when it starts before the latest end so far, and
# that latest-ending entry is the one named.
def _overlaps_within_sql(candidates: str) -> str:
    return f"""
SELECT n, latest[2]::integer
FROM (
    SELECT n, started_at,
           max(ARRAY[extract(epoch FROM ended_at), n]) OVER (
               PARTITION BY contributor_id ORDER BY started_at, n ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
           ) AS latest
    FROM {candidates} i WHERE started_at IS NOT NULL
) ordered
WHERE latest[1] > extract(epoch FROM started_at)
"""


# The activity of a candidate that is a task submission rather than a time entry (empty,
# as CANDIDATE_VALUE_SQL tests it).
TASK_CANDIDATE = ""

# What a candidate is worth at its engagement's locked rate: a task submission its price,
# a time entry its minutes at the rate.
CANDIDATE_VALUE_SQL = f"""
CASE WHEN t.activity = '' THEN e.rate_minor::numeric ELSE {TIME_ENTRY_VALUE_SQL} END
"""


# Hours in a day, the weekly cap, the platform's weekly ceiling and the budget for each
# candidate, counting what is logged already plus the earlier candidates, as if they had
# been logged one by one. What is logged on the weeks the candidates cover joins them as
# rows numbered 0, so that one running sum per day, per engagement-week, per person-week and
# per project counts both, with no join whose size the planner would have to guess. Task
# submissions count towards the day and the person's week, not the project's cap. A weekly
# cap of zero hours is no cap.
def _totals_sql(candidates: str) -> str:
    return f"""
WITH calendar AS (
    SELECT * FROM unnest(%(days)s::date[], %(week_starts)s::date[]) AS c(day, week_start)
), logged AS (
    SELECT t.contributor_id, t.engagement_id, t.work_date, t.minutes
    FROM {TIME_ENTRY_TABLE} t
    WHERE t.contributor_id = %(contributor)s AND t.is_current AND t.work_date BETWEEN %(first_day)s AND %(last_day)s
      AND t.id IS DISTINCT FROM %(replacing)s
    UNION ALL
    SELECT s.contributor_id, NULL, s.work_date, s.minutes
    FROM {TASK_TABLE} s
    WHERE s.contributor_id = %(contributor)s AND s.work_date BETWEEN %(first_day)s AND %(last_day)s
), work AS (
    SELECT 0 AS n, l.contributor_id, l.engagement_id, NULL::bigint AS project_id, l.work_date, c.week_start,
           l.minutes, NULL::numeric AS value, false AS ranged, NULL::integer AS weekly_cap_hours
    FROM logged l JOIN calendar c ON c.day = l.work_date
    UNION ALL
    SELECT t.n, t.contributor_id, t.engagement_id, t.project_id, t.work_date, t.week_start,
           t.minutes, {CANDIDATE_VALUE_SQL}, t.started_at IS NOT NULL, NULLIF(p.weekly_cap_hours, 0)
    FROM {candidates} t
    JOIN {Engagement._meta.db_table} e ON e.id = t.engagement_id
    JOIN {Project._meta.db_table} p ON p.id = t.project_id
), totals AS (
    SELECT n, minutes, value, work_date, ranged, weekly_cap_hours, project_id,
           COALESCE(sum(minutes) OVER (
               PARTITION BY contributor_id, work_date ORDER BY n ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
           ), 0) AS day_before,
           COALESCE(sum(minutes) OVER (
               PARTITION BY engagement_id, week_start ORDER BY n ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
           ), 0) AS week_before,
           COALESCE(sum(minutes) OVER (
               PARTITION BY contributor_id, week_start ORDER BY n ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
           ), 0) AS person_week_before,
           COALESCE(sum(value) OVER (
               PARTITION BY project_id ORDER BY n ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
           ), 0) AS value_before
    FROM work
)
SELECT t.n, t.ranged, t.work_date, t.day_before, t.weekly_cap_hours, t.week_before, t.person_week_before,
       t.value_before >= b.headroom, t.value_before + t.value > b.headroom, b.headroom - t.value_before
FROM totals t
JOIN unnest(%(projects)s::bigint[], %(headroom)s::numeric[]) AS b(project_id, headroom) ON b.project_id = t.project_id
WHERE t.n > 0
  AND (t.day_before + t.minutes > %(day_minutes)s
       OR t.week_before + t.minutes > t.weekly_cap_hours * 60
       OR t.person_week_before + t.minutes > %(week_minutes)s
       OR t.value_before + t.value > b.headroom)
"""


def work_conflicts(
    candidates: list[Candidate],
    *,
    relation: str,
    params: dict | None = None,
    contributor_id: int,
    tz_name: str,
    funded: dict[int, int],
    replacing: int | None = None,
) -> dict[int, ApplicationError]:
    """The first rule about other work each candidate breaks, by its number.

    ``relation`` is the candidates as SQL: a temporary table they were copied into, or
    ``CANDIDATE_VALUES`` with ``candidate_values_params(candidates)`` as ``params``.
    ``funded`` is what each of their projects is funded with; ``replacing`` an entry the
    candidate replaces (a correction), which counts as not logged.
    """
    found: dict[int, ApplicationError] = {}
    by_number = {row.n: row for row in candidates}
    tz = zoneinfo.ZoneInfo(tz_name)
    # One project's budget is checked by one request at a time: two experts logging at
    # the same moment could otherwise each find room for their own entry, but not both.
    list(Project.objects.select_for_update().filter(pk__in=list(funded)).order_by("pk").values_list("pk", flat=True))
    headroom = {
        pk: funded[pk] - approved - pending for pk, (approved, pending) in work_values_minor(project_ids=funded).items()
    }
    if replacing is not None:
        # The version being replaced stops counting when its correction is logged.
        replaced = TimeEntry.objects.get(pk=replacing)
        if replaced.project_id in headroom and replaced.status in (*APPROVED_STATUSES, *PENDING_REVIEW):
            headroom[replaced.project_id] += work_item_value_minor(item=replaced)
    currencies = dict(Project.objects.filter(pk__in=list(funded)).values_list("pk", "currency"))
    base = {**(params or {}), "replacing": replacing}
    day_ceiling, week_ceiling = settings.WORK_DAY_CEILING_HOURS, settings.WORK_WEEK_CEILING_HOURS
    day_limit = min(DAY_MINUTES, day_ceiling * 60)
    with connection.cursor() as cursor:
        if any(row.started_at is not None for row in candidates):
            cursor.execute(_overlaps_logged_sql(relation), base)
            for number, started_at, ended_at, activity in cursor.fetchall():
                found[number] = _overlap_refusal(
                    started_at=started_at, ended_at=ended_at, activity=activity, tz_name=tz_name
                )
            if len(candidates) > 1:
                cursor.execute(_overlaps_within_sql(relation), base)
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
        # The pay weeks of every day the candidates' weeks cover, for what is logged on them.
        first_day = min(row.week_start for row in candidates)
        last_day = max(row.week_end for row in candidates)
        days = [first_day + timedelta(days=k) for k in range((last_day - first_day).days + 1)]
        cursor.execute(
            _totals_sql(relation),
            {
                **base,
                "contributor": contributor_id,
                "first_day": first_day,
                "last_day": last_day,
                "days": days,
                "week_starts": [week_of(day)[0] for day in days],
                "projects": list(headroom),
                "headroom": list(headroom.values()),
                "day_minutes": day_limit,
                "week_minutes": week_ceiling * 60,
            },
        )
        for row in cursor.fetchall():
            (
                number,
                ranged,
                work_date,
                day_before,
                cap_hours,
                week_before,
                person_week_before,
                used_up,
                over_budget,
                left,
            ) = row
            if number in found:
                continue
            minutes = by_number[number].minutes
            date_field = "started_at" if ranged else "work_date"
            if day_before + minutes > day_limit:
                found[number] = (
                    _full_day_refusal(date_field, day_total=day_before, work_date=work_date)
                    if day_limit == DAY_MINUTES
                    else _day_ceiling_refusal(
                        date_field, day_total=day_before, work_date=work_date, ceiling_hours=day_ceiling
                    )
                )
            elif cap_hours is not None and week_before + minutes > cap_hours * 60:
                found[number] = _weekly_cap_refusal(ranged=ranged, cap_hours=cap_hours, week_total=week_before)
            elif person_week_before + minutes > week_ceiling * 60:
                found[number] = _week_ceiling_refusal(
                    ranged=ranged, ceiling_hours=week_ceiling, week_total=person_week_before
                )
            elif used_up:
                found[number] = _budget_exhausted_refusal()
            elif over_budget:
                found[number] = _over_budget_refusal(
                    "ended_at" if ranged else "minutes",
                    left_minor=int(left),
                    currency=currencies[by_number[number].project_id],
                )
    return found


def check_entry(
    candidate: Candidate, *, engagement: Engagement, replacing: int | None = None, late: bool = False
) -> None:
    """Refuse one entry that breaks a rule about other work (its shape is checked already).

    ``late`` is an adjustment request for work in a locked week: every rule applies but the lock.
    """
    refusals = {} if late else locked_week_refusals([candidate])
    if not refusals:
        refusals = work_conflicts(
            [candidate],
            relation=CANDIDATE_VALUES,
            params=candidate_values_params([candidate]),
            contributor_id=engagement.contributor_id,
            tz_name=engagement.contributor.timezone,
            funded={engagement.project_id: engagement.project.funded_minor},
            replacing=replacing,
        )
    if candidate.n in refusals:
        raise refusals[candidate.n]


def check_approval_within_budget(item) -> None:
    """Refuse to approve work that would take the project's approved work past its funded budget.

    Work is checked against the budget when it is logged; this catches what changed since
    (a rejection appealed back into review, entries logged at the same moment on one project).
    """
    approved, _ = work_value_minor(project=item.project)
    value = work_item_value_minor(item=item)
    funded = item.project.funded_minor
    if approved + value > funded:
        left = money.format_money(max(funded - approved, 0), item.project.currency)
        raise ApplicationError(
            f"Approving this work would take the project past its funded budget: {left} is left and this "
            f"is worth {money.format_money(money.round_minor(value), item.project.currency)}. "
            "Fund the project further before approving it.",
            code="over_budget",
        )
