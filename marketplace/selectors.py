from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet, Sum

from accounts.models import User
from contributors.models import Contributor

from .models import (
    Engagement,
    EngagementStatus,
    Lab,
    LabMembership,
    LabRole,
    Project,
    ProjectFunding,
    ProjectStatus,
    StaffingRequest,
)

LAB_EDITORS = (LabRole.OWNER, LabRole.MANAGER)


def labs_of(*, user: User) -> QuerySet[Lab]:
    return Lab.objects.filter(memberships__user=user).order_by("name")


def lab_role_of(*, user: User, lab: Lab) -> str | None:
    return LabMembership.objects.filter(lab=lab, user=user).values_list("role", flat=True).first()


def lab_members(*, lab: Lab) -> QuerySet[LabMembership]:
    return lab.memberships.select_related("user").order_by("joined_at")


def projects_visible_to(*, user: User) -> QuerySet[Project]:
    """A lab member's own labs' projects; nobody else's."""
    return (
        Project.objects.filter(lab__memberships__user=user)
        .select_related("lab")
        .prefetch_related("domains__parent")
        .order_by("-created_at")
    )


def project_for_member(*, user: User, pk: int) -> Project | None:
    return projects_visible_to(user=user).filter(pk=pk).first()


def project_for_expert(*, contributor: Contributor, pk: int) -> Project | None:
    """A project an expert may see: open to applications, or one they were asked to or work on."""
    return (
        Project.objects.filter(pk=pk)
        .filter(
            Q(status=ProjectStatus.OPEN)
            | Q(staffing_requests__contributor=contributor)
            | Q(engagements__contributor=contributor)
        )
        .select_related("lab")
        .prefetch_related("domains__parent")
        .distinct()
        .first()
    )


def project_rate_on(*, project: Project, on: date) -> tuple[int, int | None]:
    """The (rate, task estimate) a new engagement starting on ``on`` locks in."""
    pending = project.rate_changes.filter(effective_on__gt=on).order_by("effective_on").first()
    if pending is not None:
        return pending.old_rate_minor, pending.old_task_estimate_minutes
    return project.rate_minor, project.task_estimate_minutes


@dataclass(frozen=True)
class BudgetBurn:
    currency: str
    funded_minor: int
    committed_minor: int
    spent_minor: int
    remaining_minor: int

    @property
    def used_share(self) -> float:
        if not self.funded_minor:
            return 0.0
        return (self.committed_minor + self.spent_minor) / self.funded_minor


def budget_burn(*, project: Project) -> BudgetBurn:
    """Funded, committed to active engagements, spent on approved work, and what is left.

    Spent stays zero until work is logged and approved; committed is the budget set aside
    for active engagements when they began.
    """
    committed = (
        Engagement.objects.filter(project=project, status=EngagementStatus.ACTIVE).aggregate(
            total=Sum("committed_minor")
        )["total"]
        or 0
    )
    spent = 0
    funded = project.funded_minor
    return BudgetBurn(project.currency, funded, committed, spent, funded - committed - spent)


def staffing_requests_for_project(*, project: Project) -> QuerySet[StaffingRequest]:
    return project.staffing_requests.select_related("contributor", "sent_by").order_by("-sent_at")


def staffing_requests_for_expert(*, contributor: Contributor) -> QuerySet[StaffingRequest]:
    return contributor.staffing_requests.select_related("project__lab").order_by("-sent_at")


def engagements_of_project(*, project: Project) -> QuerySet[Engagement]:
    return project.engagements.select_related("contributor").order_by("-started_at")


def engagements_of_expert(*, contributor: Contributor) -> QuerySet[Engagement]:
    return contributor.engagements.select_related("project__lab").order_by("-started_at")


def fundings_of(*, project: Project) -> QuerySet[ProjectFunding]:
    return project.fundings.order_by("-created_at")


def open_projects() -> QuerySet[Project]:
    return Project.objects.filter(status=ProjectStatus.OPEN).select_related("lab").order_by("starts_on")
