"""Imports of many time entries at once, all of them or none, under the rules of a single one.

What concerns a row alone is checked row by row in Python (``checks``); what depends on
other work is checked for the whole file at once in SQL by the same ``checks`` functions a
single entry goes through, over a temporary table the file is copied into.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from config.errors import ApplicationError
from contributors.models import Contributor
from payouts.weeks import week_of

from ..instruction_selectors import instruction_in_force_sql
from ..models import ActivityKind, Engagement, Project, ReviewStatus
from ..payable import TIME_ENTRY_TABLE
from ..running import engagement_stops
from .checks import (
    Candidate,
    _check_running,
    _check_time_shape,
    _engagement_days,
    _local_date,
    _normalise_time,
    locked_week_refusals,
    stopped_day_refusals,
    work_conflicts,
)

__all__ = ["ImportRefused", "ImportResult", "time_entries_import"]

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


# A row of the file about to be logged, numbered as in the file.
_StagedRow = Candidate


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
                for e in Engagement.objects.filter(pk__in=wanted, contributor=contributor)
                .select_related("project", "contributor")
                .prefetch_related("pauses")
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
    stops = {pk: engagement_stops(e) for pk, e in engagements.items()}
    weeks: dict[date, tuple[date, date]] = {}
    today: dict[str, date] = {}
    for number, values in readable:
        engagement, runs, contributor_id, project_id = known.get(values["engagement"], (None, None, None, None))
        if engagement is None:
            # The same answer for someone else's engagement and for none at all.
            refusals[number] = ("invalid", {"engagement": [NOT_YOUR_ENGAGEMENT]})
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
            _check_running(
                stops=stops[engagement.pk],
                work_date=work_date,
                minutes=minutes,
                started_at=started_at,
                ended_at=ended_at,
                tz_name=tz_name,
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
    locked = locked_week_refusals(staged)
    for number, refused in locked.items():
        refusals[number] = (refused.code, refused.fields)
    return [row for row in staged if row.n not in locked]


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


def _refuse_conflicts(staged: list[_StagedRow], contributor: Contributor, *, refusals: dict) -> None:
    """Add the refusals that depend on other work, in the order time_entry_log checks them."""
    funded = dict(Project.objects.filter(pk__in={row.project_id for row in staged}).values_list("pk", "funded_minor"))
    found = work_conflicts(
        staged, relation="time_entry_import", contributor_id=contributor.pk, tz_name=contributor.timezone, funded=funded
    )
    engagement_stops_of = {
        pk: engagement_stops(e)
        for pk, e in Engagement.objects.filter(pk__in={row.engagement_id for row in staged})
        .select_related("project", "contributor")
        .prefetch_related("pauses")
        .in_bulk()
        .items()
    }
    for number, refused in stopped_day_refusals(
        staged, stops=engagement_stops_of, tz_name=contributor.timezone
    ).items():
        found.setdefault(number, refused)
    for number, refused in found.items():
        if refused.code == "budget_exhausted":
            # A file names the engagement whose project ran out.
            refused = ApplicationError(refused.message, code=refused.code, fields={"engagement": [refused.message]})
        refusals.setdefault(number, (refused.code, refused.fields))


IMPORT_WRITE_SQL = f"""
WITH written AS (
    INSERT INTO {TIME_ENTRY_TABLE} (
        engagement_id, contributor_id, project_id, work_date, minutes, status, hold_reason, submitted_at,
        rejection_reason, appeal_reason, appeal_decision_reason, activity, started_at, ended_at, note,
        task_reference, version, is_current, change_reason, created_by_id, instruction_version_id)
    SELECT i.engagement_id, i.contributor_id, i.project_id, i.work_date, i.minutes, %(status)s, '', %(now)s, '', '', '',
           i.activity, i.started_at, i.ended_at, i.note, i.task_reference, 1, true, '', %(actor)s,
           {instruction_in_force_sql(work="i", tz="c.timezone", now="%(now)s")}
    FROM time_entry_import i JOIN {Contributor._meta.db_table} c ON c.id = i.contributor_id ORDER BY i.n
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
