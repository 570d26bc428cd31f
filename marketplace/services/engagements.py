"""Engagements paused, resumed and ended when their project or their expert stops.

Closing a project or deactivating an expert ends the engagements; pausing a project or
suspending an expert pauses them. Each takes effect at a moment: no work may be dated
from then on (``marketplace.running``, checked by ``checks``), and whatever was done
before is still reviewed, approved (automatically too), appealed and paid. Resuming a
project or reinstating an expert resumes what that cause paused; an ended engagement
stays ended. These run inside the action that caused them (a project's transition, an
expert's change of standing), in its transaction, with an audit event per engagement.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind, User
from accounts.notifications import notify_after_commit
from audit.models import AuditEvent
from audit.services import audit_record
from contributors.models import Contributor, ContributorStatus

from ..models import (
    CURRENT_ENGAGEMENT,
    Engagement,
    EngagementPause,
    EngagementStatus,
    EngagementStop,
    Project,
    ProjectStatus,
)

__all__ = [
    "engagements_align",
    "engagements_end",
    "engagements_follow_expert",
    "engagements_follow_project",
    "engagements_pause",
    "engagements_resume",
]


def _tell(engagement: Engagement, subject: str, body: str) -> None:
    notify_after_commit(
        recipients=[engagement.contributor.user],
        subject=subject,
        body=body,
        kind=NoticeKind.PROJECTS,
        link=reverse("expert-projects"),
    )


def engagements_end(
    *, actor: User | None, engagements, cause: str, reason: str = "", at: datetime | None = None
) -> list[Engagement]:
    """End every running or paused engagement of ``engagements`` at ``at`` (now)."""
    at = at or timezone.now()
    ended = []
    for engagement in (
        engagements.filter(status__in=CURRENT_ENGAGEMENT)
        .select_for_update()
        .select_related("project", "contributor__user")
    ):
        before = engagement.status
        engagement.status = EngagementStatus.ENDED
        engagement.ended_at = at
        engagement.ended_because = cause
        engagement.save(update_fields=["status", "ended_at", "ended_because"])
        audit_record(
            actor=actor,
            action="marketplace.engagement.ended",
            target=engagement,
            before={"status": before},
            after={"status": engagement.status, "ended_at": at, "because": cause, "earned_pay": "unaffected"},
            reason=reason,
        )
        _tell(
            engagement,
            f"Your engagement on “{engagement.project.title}” has ended",
            f"It ended on {at:%d %B %Y %H:%M} UTC because {EngagementStop(cause).label}. "
            "Time worked before then can still be logged, and all of it is reviewed and paid as usual; "
            "nothing after it can be logged.",
        )
        ended.append(engagement)
    return ended


def engagements_pause(
    *, actor: User | None, engagements, cause: str, reason: str = "", at: datetime | None = None
) -> list[Engagement]:
    """Pause every running or paused engagement of ``engagements`` for ``cause`` from ``at`` (now)."""
    at = at or timezone.now()
    paused = []
    for engagement in (
        engagements.filter(status__in=CURRENT_ENGAGEMENT)
        .select_for_update()
        .select_related("project", "contributor__user")
    ):
        if engagement.pauses.filter(cause=cause, resumed_at__isnull=True).exists():
            continue
        EngagementPause.objects.create(engagement=engagement, cause=cause, paused_at=at, reason=reason)
        before = engagement.status
        engagement.status = EngagementStatus.PAUSED
        engagement.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="marketplace.engagement.paused",
            target=engagement,
            before={"status": before},
            after={"status": engagement.status, "paused_at": at, "because": cause, "earned_pay": "unaffected"},
            reason=reason,
        )
        _tell(
            engagement,
            f"Your engagement on “{engagement.project.title}” is paused",
            f"It is paused from {at:%d %B %Y %H:%M} UTC because {EngagementStop(cause).label}. "
            "Time worked before then can still be logged and is reviewed and paid as usual; "
            "time during the pause cannot be logged, even after the engagement resumes.",
        )
        paused.append(engagement)
    return paused


def engagements_resume(
    *, actor: User | None, engagements, cause: str, reason: str = "", at: datetime | None = None
) -> list[Engagement]:
    """Close the pauses ``cause`` opened; an engagement with no other open pause runs again."""
    at = at or timezone.now()
    resumed = []
    for engagement in (
        engagements.filter(status=EngagementStatus.PAUSED)
        .select_for_update()
        .select_related("project", "contributor__user")
    ):
        closed = engagement.pauses.filter(cause=cause, resumed_at__isnull=True).update(resumed_at=at)
        if not closed:
            continue
        still = list(engagement.pauses.filter(resumed_at__isnull=True).values_list("cause", flat=True))
        if not still:
            engagement.status = EngagementStatus.ACTIVE
            engagement.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="marketplace.engagement.resumed",
            target=engagement,
            before={"status": EngagementStatus.PAUSED},
            after={"status": engagement.status, "resumed_at": at, "cause_cleared": cause, "still_paused_by": still},
            reason=reason,
        )
        if not still:
            _tell(
                engagement,
                f"Your engagement on “{engagement.project.title}” has resumed",
                f"You can log time again from {at:%d %B %Y %H:%M} UTC.",
            )
        resumed.append(engagement)
    return resumed


def _reopen_places(*, actor: User | None, project_ids: set[int]) -> None:
    """A fully staffed project whose engagement ended has a place again: it opens to experts."""
    for project in Project.objects.select_for_update().filter(pk__in=project_ids, status=ProjectStatus.STAFFED):
        if project.engagements.filter(status__in=CURRENT_ENGAGEMENT).count() < project.headcount:
            project.status = ProjectStatus.OPEN
            project.save(update_fields=["status", "updated_at"])
            audit_record(
                actor=actor,
                action="marketplace.project.opened",
                target=project,
                before={"status": ProjectStatus.STAFFED},
                after={"status": project.status},
                reason="an engagement ended, so a place came free",
            )


def engagements_follow_project(*, actor: User, project: Project, before: str, after: str, reason: str) -> None:
    """What a project's transition does to its engagements, inside the transition's transaction."""
    engagements = Engagement.objects.filter(project=project)
    if after == ProjectStatus.CLOSED:
        engagements_end(actor=actor, engagements=engagements, cause=EngagementStop.PROJECT_CLOSED, reason=reason)
    elif after == ProjectStatus.PAUSED:
        engagements_pause(actor=actor, engagements=engagements, cause=EngagementStop.PROJECT_PAUSED, reason=reason)
    elif before == ProjectStatus.PAUSED:
        engagements_resume(actor=actor, engagements=engagements, cause=EngagementStop.PROJECT_PAUSED, reason=reason)


def engagements_follow_expert(
    *, actor: User | None, contributor: Contributor, before: str, after: str, reason: str
) -> None:
    """What a change of an expert's standing does to their engagements, inside its transaction.

    Suspension pauses them; deactivation ends them (the project may staff the place
    again); reinstatement resumes what a suspension paused, not what ended.
    """
    engagements = Engagement.objects.filter(contributor=contributor)
    # Projects before engagements, the order a project's own transition takes them in, so
    # that closing a project while its expert is deactivated waits instead of deadlocking.
    list(
        Project.objects.select_for_update()
        .filter(pk__in=engagements.filter(status__in=CURRENT_ENGAGEMENT).values("project_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if after == ContributorStatus.DEACTIVATED:
        ended = engagements_end(
            actor=actor, engagements=engagements, cause=EngagementStop.EXPERT_DEACTIVATED, reason=reason
        )
        _reopen_places(actor=actor, project_ids={engagement.project_id for engagement in ended})
    elif after == ContributorStatus.SUSPENDED:
        engagements_pause(actor=actor, engagements=engagements, cause=EngagementStop.EXPERT_SUSPENDED, reason=reason)
    elif before == ContributorStatus.SUSPENDED:
        engagements_resume(actor=actor, engagements=engagements, cause=EngagementStop.EXPERT_SUSPENDED, reason=reason)


def _recorded_at(*, target, actions: tuple[str, ...], fallback: datetime, status: str | None = None) -> datetime:
    """When the audit trail recorded the latest of ``actions`` on ``target`` (to ``status``)."""
    events = AuditEvent.objects.filter(
        target_type=target._meta.label_lower, target_id=str(target.pk), action__in=actions
    )
    if status is not None:
        events = events.filter(after__status=status)
    event = events.order_by("-occurred_at").first()
    return event.occurred_at if event is not None else fallback


# Projects and experts stopped before engagements followed them, by the project's status
# and the expert's standing: (cause, the audit actions that recorded the stop, end or pause).
_PROJECT_STOPS = {
    ProjectStatus.CLOSED: (EngagementStop.PROJECT_CLOSED, ("marketplace.project.closed",), engagements_end),
    # Older events of a pause were recorded as "pauseed".
    ProjectStatus.PAUSED: (
        EngagementStop.PROJECT_PAUSED,
        ("marketplace.project.paused", "marketplace.project.pauseed"),
        engagements_pause,
    ),
}
_EXPERT_STOPS = {
    ContributorStatus.DEACTIVATED: (EngagementStop.EXPERT_DEACTIVATED, engagements_end),
    ContributorStatus.SUSPENDED: (EngagementStop.EXPERT_SUSPENDED, engagements_pause),
}


def engagements_align(*, actor: User | None) -> int:
    """End or pause the engagements whose project or expert stopped before engagements
    followed them, from the moment the audit trail recorded the stop (the project's or
    profile's last change when it has none). Run once after upgrading; running it again
    changes nothing. Returns how many engagements it stopped.
    """
    stopped = 0
    with transaction.atomic():
        for status, (cause, actions, stop) in _PROJECT_STOPS.items():
            projects = Project.objects.filter(status=status, engagements__status__in=CURRENT_ENGAGEMENT).distinct()
            for project in Project.objects.select_for_update().filter(pk__in=projects.values("pk")):
                at = _recorded_at(target=project, actions=actions, fallback=project.updated_at)
                stopped += len(
                    stop(
                        actor=actor,
                        engagements=Engagement.objects.filter(project=project),
                        cause=cause,
                        reason="the project had stopped before its engagements followed it",
                        at=at,
                    )
                )
        for status, (cause, stop) in _EXPERT_STOPS.items():
            experts = Contributor.objects.filter(status=status, engagements__status__in=CURRENT_ENGAGEMENT).distinct()
            for contributor in Contributor.objects.select_for_update().filter(pk__in=experts.values("pk")):
                at = _recorded_at(
                    target=contributor,
                    actions=("contributors.status.changed",),
                    status=status,
                    fallback=contributor.updated_at,
                )
                stopped += len(
                    stop(
                        actor=actor,
                        engagements=Engagement.objects.filter(contributor=contributor),
                        cause=cause,
                        reason="the expert had stopped before their engagements followed",
                        at=at,
                    )
                )
    return stopped
