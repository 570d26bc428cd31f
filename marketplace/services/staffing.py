"""Staffing a project: invitations and applications, their answers, and the engagements
they create; the lab is warned when its budget runs low."""

from __future__ import annotations

import math
from datetime import date

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind, User
from accounts.notifications import notify_after_commit
from audit.services import audit_record
from config.errors import ApplicationError, Conflict, NotPermitted
from contributors.models import Contributor
from marketplace.payable import effective_hourly_minor
from payouts import money

from .. import matching
from ..models import (
    CURRENT_ENGAGEMENT,
    Engagement,
    PayModel,
    Project,
    ProjectStatus,
    RequestKind,
    RequestStatus,
    StaffingRequest,
)
from ..permissions import LAB_EDITORS, require_lab_role
from ..selectors import budget_burn, project_rate_on


def _require_eligible(project: Project, contributor: Contributor, *, you: bool = False) -> None:
    """Refuse, naming each requirement missed: to the expert themselves (``you``) or to the lab."""
    if matching.is_eligible(project_id=project.pk, contributor_id=contributor.pk):
        return
    reasons = matching.ineligibility_reasons(project=project, contributor=contributor, you=you)
    opening = "You do not meet" if you else "This expert does not meet"
    raise ApplicationError(f"{opening} the project's requirements. " + " ".join(reasons), code="not_eligible")


# A project takes people only while it is open: invitations are sent, applications made
# and either accepted then, and at no other time. Funded is not enough (the lab has not
# opened it yet); a staffed, paused or closed project takes nobody. Both sides are told
# the same rule.
TAKING_PEOPLE = (ProjectStatus.OPEN,)


def project_takes_people(project: Project) -> bool:
    return project.status in TAKING_PEOPLE


def _require_taking_people(project: Project, *, lab_side: bool) -> None:
    if project_takes_people(project):
        return
    status = project.get_status_display().lower()
    sentence = f"“{project.title}” is {status}: a project takes people only while it is open."
    if lab_side:
        next_step = {
            ProjectStatus.DRAFT: " Fund it, then open it, to invite experts.",
            ProjectStatus.FUNDED: " Open it to invite experts.",
            ProjectStatus.PAUSED: " Open it again to invite experts.",
            ProjectStatus.STAFFED: " Every place is filled.",
        }.get(project.status, "")
    else:
        next_step = {
            ProjectStatus.FUNDED: " You can join once the lab opens it.",
            ProjectStatus.PAUSED: " You can join once the lab opens it again.",
            ProjectStatus.STAFFED: " Every place is filled.",
        }.get(project.status, "")
    raise ApplicationError(sentence + next_step, code="project_not_open")


def invitation_send(*, actor: User, project: Project, contributor: Contributor, message: str = "") -> StaffingRequest:
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        require_lab_role(actor, lab=project.lab, roles=LAB_EDITORS, to="invite experts")
        _require_taking_people(project, lab_side=True)
        _require_eligible(project, contributor)
        try:
            with transaction.atomic():
                request = StaffingRequest.objects.create(
                    project=project,
                    contributor=contributor,
                    kind=RequestKind.INVITATION,
                    message=message,
                    sent_by=actor,
                )
        except IntegrityError:
            raise Conflict(
                "This expert already has a pending invitation or application here.", code="request_pending"
            ) from None
        audit_record(
            actor=actor,
            action="marketplace.invitation.sent",
            target=request,
            after={"project": project.pk, "contributor": contributor.pk},
        )
        rate, estimate = project_rate_on(project=project, on=timezone.now().date())
        notify_after_commit(
            kind=NoticeKind.INVITATIONS,
            link=reverse("expert-invitations"),
            recipients=[contributor.user],
            subject=f"Invitation: {project.title}",
            body=(
                f"{project.lab.name} invites you to “{project.title}”, paid {money.format_money(rate, project.currency)}"
                + (
                    " an hour."
                    if project.pay_model == PayModel.HOURLY
                    else f" a task, estimated at {estimate} minutes."
                )
                + (
                    f"\n\nSensitive content: {', '.join(project.sensitive_categories)}."
                    if project.sensitive_categories
                    else ""
                )
                + (f"\n\n{message}" if message else "")
            ),
        )
    return request


def application_send(*, actor: User, project: Project, message: str = "") -> StaffingRequest:
    contributor = Contributor.objects.filter(user=actor).first()
    if contributor is None:
        raise ApplicationError("Fill in your profile first.", code="profile_missing")
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        _require_taking_people(project, lab_side=False)
        _require_eligible(project, contributor, you=True)
        try:
            with transaction.atomic():
                request = StaffingRequest.objects.create(
                    project=project,
                    contributor=contributor,
                    kind=RequestKind.APPLICATION,
                    message=message,
                    sent_by=actor,
                )
        except IntegrityError:
            raise Conflict(
                "You already have a pending invitation or application here.", code="request_pending"
            ) from None
        audit_record(actor=actor, action="marketplace.application.sent", target=request, after={"project": project.pk})
    return request


def _lock_request(actor: User, request: StaffingRequest, project: Project) -> StaffingRequest:
    """Lock a pending request that ``actor`` is the one to answer."""
    request = StaffingRequest.objects.select_for_update().select_related("contributor__user").get(pk=request.pk)
    _require_answering_side(actor, request, project)
    if request.status != RequestStatus.PENDING:
        raise ApplicationError(
            f"This request is already {request.get_status_display().lower()}.", code="illegal_transition"
        )
    return request


def _require_answering_side(actor: User, request: StaffingRequest, project: Project) -> None:
    if request.kind == RequestKind.INVITATION:
        if request.contributor.user_id != actor.pk:
            raise NotPermitted("Only the invited expert can answer an invitation.")
    else:
        require_lab_role(actor, lab=project.lab, roles=LAB_EDITORS, to="answer applications")


def _weeks_left(project: Project, today: date) -> int:
    start = max(project.starts_on, today)
    return max(1, math.ceil(((project.ends_on - start).days + 1) / 7))


def staffing_request_accept(*, actor: User, request: StaffingRequest) -> Engagement:
    """Accepting creates the engagement at the rate in force today, within headcount and budget.

    The project row is locked first, so two acceptances at once are counted one after the
    other and headcount is never exceeded.
    """
    with transaction.atomic():
        project = Project.objects.select_for_update().select_related("lab").get(pk=request.project_id)
        request = _lock_request(actor, request, project)
        _require_taking_people(project, lab_side=request.kind == RequestKind.APPLICATION)
        # A paused engagement keeps its place: it may resume.
        active = project.engagements.filter(status__in=CURRENT_ENGAGEMENT).count()
        if active >= project.headcount:
            raise Conflict("The project is fully staffed.", code="headcount_reached")
        _require_eligible(project, request.contributor, you=request.kind == RequestKind.INVITATION)
        today = timezone.now().date()
        rate, estimate = project_rate_on(project=project, on=today)
        hourly = effective_hourly_minor(pay_model=project.pay_model, rate_minor=rate, task_estimate_minutes=estimate)
        wanted = money.multiply(hourly, project.weekly_hours * _weeks_left(project, today))
        remaining = budget_burn(project=project).remaining_minor
        if remaining <= 0:
            raise ApplicationError(
                "The project's budget is fully committed; the lab must add funds before anyone else can join.",
                code="budget_exhausted",
            )
        request.status = RequestStatus.ACCEPTED
        request.answered_by = actor
        request.answered_at = timezone.now()
        request.save(update_fields=["status", "answered_by", "answered_at"])
        engagement = Engagement.objects.create(
            project=project,
            contributor=request.contributor,
            request=request,
            pay_model=project.pay_model,
            currency=project.currency,
            rate_minor=rate,
            task_estimate_minutes=estimate,
            committed_minor=min(wanted, remaining),
        )
        if active + 1 >= project.headcount:
            project.status = ProjectStatus.STAFFED
            project.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="marketplace.engagement.started",
            target=engagement,
            after={
                "project": project.pk,
                "contributor": request.contributor_id,
                "rate_minor": rate,
                "currency": project.currency,
                "task_estimate_minutes": estimate,
                "committed_minor": engagement.committed_minor,
                "project_status": project.status,
            },
        )
        _warn_if_budget_running_low(project)
        other_side = (
            [m.user for m in project.lab.memberships.filter(role__in=LAB_EDITORS).select_related("user")]
            if request.kind == RequestKind.INVITATION
            else [request.contributor.user]
        )
        notify_after_commit(
            kind=NoticeKind.INVITATIONS,
            link=reverse("lab-project", args=[project.pk])
            if request.kind == RequestKind.INVITATION
            else reverse("expert-projects"),
            recipients=other_side,
            subject=f"{request.contributor.display_name} joins “{project.title}”",
            body=f"The engagement starts now at {money.format_money(rate, project.currency)}"
            + (" an hour." if project.pay_model == PayModel.HOURLY else " a task."),
        )
    return engagement


def _warn_if_budget_running_low(project: Project) -> None:
    from django.conf import settings

    burn = budget_burn(project=project)
    if project.budget_warning_sent_at is None and burn.used_share >= settings.BUDGET_WARNING_SHARE:
        project.budget_warning_sent_at = timezone.now()
        project.save(update_fields=["budget_warning_sent_at"])
        owners = [m.user for m in project.lab.memberships.filter(role__in=LAB_EDITORS).select_related("user")]
        notify_after_commit(
            kind=NoticeKind.BUDGET,
            link=reverse("lab-project", args=[project.pk]),
            recipients=owners,
            subject=f"“{project.title}” has used {burn.used_share:.0%} of its budget",
            body=f"Remaining: {money.format_money(burn.remaining_minor, burn.currency)}.",
        )


def staffing_request_decline(*, actor: User, request: StaffingRequest, reason: str = "") -> StaffingRequest:
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=request.project_id)
        request = _lock_request(actor, request, project)
        if request.kind == RequestKind.APPLICATION and not (reason or "").strip():
            raise ApplicationError(
                "Tell the expert why their application is declined.",
                code="reason_required",
                fields={"reason": ["This field is required."]},
            )
        request.status = RequestStatus.DECLINED
        request.answered_by = actor
        request.answered_at = timezone.now()
        request.decline_reason = (reason or "").strip()
        request.save(update_fields=["status", "answered_by", "answered_at", "decline_reason"])
        audit_record(
            actor=actor, action=f"marketplace.{request.kind}.declined", target=request, reason=request.decline_reason
        )
        if request.kind == RequestKind.APPLICATION:
            notify_after_commit(
                kind=NoticeKind.INVITATIONS,
                link=reverse("expert-projects"),
                recipients=[request.contributor.user],
                subject=f"Your application to “{project.title}”",
                body=f"The lab declined it. Their reason:\n\n{request.decline_reason}",
            )
    return request
