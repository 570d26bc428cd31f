"""Reads of a project's instructions: the versions, the one in force at a moment, and what an expert has read."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone

from contributors.models import Contributor

from .models import Engagement, InstructionReading, InstructionVersion, Project


def instruction_versions(*, project: Project) -> QuerySet[InstructionVersion]:
    """Every version, newest first."""
    return InstructionVersion.objects.filter(project=project).select_related("published_by").order_by("-number")


def instruction_version(*, project: Project, number: int) -> InstructionVersion | None:
    return InstructionVersion.objects.filter(project=project, number=number).select_related("published_by").first()


def instruction_current(*, project: Project) -> InstructionVersion | None:
    return instruction_versions(project=project).first()


def instruction_in_force(*, project_id: int, at: datetime) -> InstructionVersion | None:
    """The newest version published no later than ``at``; none before the first."""
    return InstructionVersion.objects.filter(project_id=project_id, published_at__lte=at).order_by("-number").first()


def instruction_in_force_for_work(
    *, engagement: Engagement, work_date: date, started_at: datetime | None
) -> InstructionVersion | None:
    """The version in force when work was done: at its start, else by the end of its day, never later than now."""
    if started_at is not None:
        moment = started_at
    else:
        tz = zoneinfo.ZoneInfo(engagement.contributor.timezone)
        moment = datetime.combine(work_date, time.max, tzinfo=tz)
    return instruction_in_force(project_id=engagement.project_id, at=min(moment, timezone.now()))


def instruction_in_force_sql(*, work: str, tz: str, now: str) -> str:
    """The SQL twin of ``instruction_in_force_for_work`` for set-based writes (the time-entry import):
    the id of the version in force for the row aliased ``work``, given the expert's timezone
    expression ``tz`` and the moment ``now``."""
    return f"""(
        SELECT v.id FROM {InstructionVersion._meta.db_table} v
        WHERE v.project_id = {work}.project_id
          AND v.published_at <= LEAST(
                COALESCE({work}.started_at, (({work}.work_date + 1)::timestamp AT TIME ZONE {tz}) - interval '1 microsecond'),
                {now})
        ORDER BY v.number DESC LIMIT 1)"""


def instruction_numbers_read(*, contributor: Contributor, project: Project) -> set[int]:
    return set(
        InstructionReading.objects.filter(contributor=contributor, version__project=project).values_list(
            "version__number", flat=True
        )
    )


def instruction_unread(*, engagement: Engagement) -> InstructionVersion | None:
    """The current version when the expert has not confirmed reading it: what their pages' banner announces."""
    current = instruction_current(project=engagement.project)
    if (
        current is None
        or InstructionReading.objects.filter(contributor_id=engagement.contributor_id, version=current).exists()
    ):
        return None
    return current
