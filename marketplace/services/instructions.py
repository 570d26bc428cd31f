"""A project's instructions: publishing a new version, and an expert's paid reading of one.

Versions are append-only: a change is a new number, never an edit. Reading a version is
training, logged at the reading time the lab stated through ``time_entry_log`` (so every
rule a time entry meets applies), once per expert and version: the receipt's unique
constraint is the last word when two confirmations race.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind, User
from accounts.notifications import notify_after_commit
from audit.services import audit_record
from config.errors import ApplicationError, Conflict, NotPermitted

from ..models import (
    INSTRUCTION_BODY_MAX,
    INSTRUCTION_SUMMARY_MAX,
    READING_MINUTES_MAX,
    READING_MINUTES_MIN,
    ActivityKind,
    Engagement,
    EngagementStatus,
    InstructionReading,
    InstructionVersion,
    Project,
)
from ..permissions import LAB_EDITORS, require_lab_role
from .checks import _local_date
from .time_entries import time_entry_log

__all__ = ["instruction_publish", "instruction_read"]


def _check_publication(*, body: str, reading_minutes, change_summary: str, first: bool) -> None:
    fields: dict[str, list[str]] = {}
    if not body.strip():
        fields["body"] = ["Write the instructions."]
    elif len(body) > INSTRUCTION_BODY_MAX:
        fields["body"] = [f"At most {INSTRUCTION_BODY_MAX} characters."]
    if (
        not isinstance(reading_minutes, int)
        or isinstance(reading_minutes, bool)
        or not READING_MINUTES_MIN <= reading_minutes <= READING_MINUTES_MAX
    ):
        fields["reading_minutes"] = [f"A whole number of minutes from {READING_MINUTES_MIN} to {READING_MINUTES_MAX}."]
    if len(change_summary) > INSTRUCTION_SUMMARY_MAX:
        fields["change_summary"] = [f"At most {INSTRUCTION_SUMMARY_MAX} characters."]
    elif not first and not change_summary:
        fields["change_summary"] = ["Say what changed since the last version."]
    if fields:
        raise ApplicationError("The instructions could not be published.", code="invalid", fields=fields)


def instruction_publish(
    *, actor: User, project: Project, body: str, reading_minutes: int, change_summary: str = ""
) -> InstructionVersion:
    """Publish the next version of a project's instructions and tell the experts working on it."""
    change_summary = (change_summary or "").strip()
    body = body or ""
    with transaction.atomic():
        # Numbers are given one publication at a time per project.
        project = Project.objects.select_for_update().select_related("lab").get(pk=project.pk)
        require_lab_role(actor, lab=project.lab, roles=LAB_EDITORS, to="publish the project's instructions")
        last = project.instruction_versions.aggregate(last=Max("number"))["last"] or 0
        _check_publication(body=body, reading_minutes=reading_minutes, change_summary=change_summary, first=not last)
        version = InstructionVersion.objects.create(
            project=project,
            number=last + 1,
            body=body,
            reading_minutes=reading_minutes,
            change_summary=change_summary,
            published_by=actor,
            published_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="marketplace.instructions.published",
            target=version,
            after={
                "project": project.pk,
                "number": version.number,
                "reading_minutes": reading_minutes,
                "characters": len(body),
            },
            reason=change_summary,
        )
        engagements = Engagement.objects.filter(project=project, status=EngagementStatus.ACTIVE).select_related(
            "contributor__user"
        )
        for engagement in engagements:
            notify_after_commit(
                kind=NoticeKind.PROJECTS,
                link=reverse("expert-instructions", args=[engagement.pk]),
                recipients=[engagement.contributor.user],
                subject=f"New instructions for “{project.title}” (version {version.number})",
                body=(change_summary or "The project's first instructions.")
                + f"\n\nReading them is paid as {reading_minutes} minutes of training once you confirm you have.",
            )
    return version


def instruction_read(*, actor: User, engagement: Engagement, version: InstructionVersion) -> InstructionReading:
    """The expert confirms reading the version in force: one training entry of its reading time, today, once."""
    if version.project_id != engagement.project_id:
        raise NotPermitted("These instructions are not for this engagement.")
    with transaction.atomic():
        owner_id = Engagement.objects.filter(pk=engagement.pk).values_list("contributor__user_id", flat=True).get()
        if owner_id != actor.pk:
            raise NotPermitted("You can only confirm reading on your own engagements.")
        # Confirmations by one person are taken one at a time; the check below then sees
        # any receipt committed meanwhile.
        Engagement.objects.select_for_update().filter(contributor__user_id=owner_id).exists()
        engagement = Engagement.objects.select_related("contributor", "project").get(pk=engagement.pk)
        # Reading is paid for the version in force; one already superseded is there to look back at.
        if InstructionVersion.objects.filter(project_id=version.project_id, number__gt=version.number).exists():
            raise ApplicationError(
                f"Version {version.number} has been superseded; read the version in force instead.",
                code="not_current",
            )
        if InstructionReading.objects.filter(contributor=engagement.contributor, version=version).exists():
            raise Conflict(f"You have already confirmed reading version {version.number}.", code="already_read")
        now = timezone.now()
        entry = time_entry_log(
            actor=actor,
            engagement=engagement,
            activity=ActivityKind.TRAINING,
            work_date=_local_date(now, engagement.contributor.timezone),
            minutes=version.reading_minutes,
            note=f"Read the project's instructions, version {version.number}.",
        )
        try:
            with transaction.atomic():
                reading = InstructionReading.objects.create(
                    contributor=engagement.contributor, version=version, time_entry=entry, read_at=now
                )
        except IntegrityError:
            raise Conflict(
                f"You have already confirmed reading version {version.number}.", code="already_read"
            ) from None
        audit_record(
            actor=actor,
            action="marketplace.instructions.read",
            target=reading,
            after={"version": version.number, "project": engagement.project_id, "time_entry": entry.pk},
        )
    return reading
