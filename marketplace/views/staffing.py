"""Staffing a project: the lab invites experts and answers applications; experts browse open
projects, apply, and answer invitations. An accepted request becomes an engagement."""

from __future__ import annotations

import re
from dataclasses import replace

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from config.decorators import expert_required, lab_member_required
from config.errors import ApplicationError
from contributors.models import Contributor
from contributors.selectors import contributor_for_user

from .. import permissions, selectors, services
from ..forms import ApplyForm, DeclineForm, InviteForm, ProjectSearchForm, place_service_error
from ..models import Project, ProjectStatus, RequestKind, RequestStatus, StaffingRequest
from ..presenters.staffing import invitations_page, joined_message, open_project_rows
from ..search import Criteria, expert_currency, project_search
from .common import error_text, member_project, raise_if_forbidden, today
from .projects import render_project

# --- the lab's side ----------------------------------------------------------------------


@lab_member_required
def project_candidate(request, pk: int, contributor_pk: int):
    """What an expert shares with labs, for a project they could join, applied to or work on."""
    project = member_project(request, pk)
    try:
        profile = services.candidate_profile_open(actor=request.user, project=project, contributor_id=contributor_pk)
    except ApplicationError as error:
        raise_if_forbidden(error)
        raise
    if profile is None:
        raise Http404
    role = selectors.lab_role_of(user=request.user, lab=project.lab)
    pending = StaffingRequest.objects.filter(
        project=project, contributor_id=contributor_pk, status=RequestStatus.PENDING
    ).exists()
    can_invite = (
        permissions.can_edit_projects(role)
        and project.status == ProjectStatus.OPEN
        and not pending
        and "eligible" in profile.relation
    )
    context = {
        "project": project,
        "profile": profile,
        "pending": pending,
        "invite_form": InviteForm(initial={"contributor": contributor_pk}, auto_id="id_invite_%s")
        if can_invite
        else None,
    }
    return render(request, "lab/candidate.html", context)


@lab_member_required
@require_POST
def project_invite(request, pk: int):
    project = member_project(request, pk)
    contributor_id = request.POST.get("contributor", "")
    key = int(contributor_id) if re.fullmatch(r"[0-9]{1,18}", contributor_id) else None
    form = InviteForm(request.POST, auto_id=f"id_invite_{key}_%s")
    if form.is_valid():
        contributor = selectors.contributor_by_id(pk=form.cleaned_data["contributor"])
        if contributor is None:
            form.add_error(None, "There is no such expert.")
        else:
            try:
                services.invitation_send(
                    actor=request.user, project=project, contributor=contributor, message=form.cleaned_data["message"]
                )
            except ApplicationError as error:
                raise_if_forbidden(error)
                place_service_error(form, error)
            else:
                messages.success(request, f"{contributor.display_name} is invited.")
                return redirect(reverse("lab-project", kwargs={"pk": project.pk}) + "#requests")
    problem = " ".join(str(e) for errors in form.errors.values() for e in errors)
    return render_project(
        request,
        project,
        status=400,
        invite=(key, form),
        errors={"candidates": f"The invitation was not sent. {problem}"},
    )


def _project_request(request, pk: int, request_pk: int) -> tuple[Project, StaffingRequest]:
    project = member_project(request, pk)
    staffing_request = selectors.staffing_request_of_project(project=project, pk=request_pk)
    if staffing_request is None:
        raise Http404
    return project, staffing_request


@lab_member_required
@require_POST
def project_request_accept(request, pk: int, request_pk: int):
    project, staffing_request = _project_request(request, pk, request_pk)
    try:
        engagement = services.staffing_request_accept(actor=request.user, request=staffing_request)
    except ApplicationError as error:
        raise_if_forbidden(error)
        return render_project(request, project, status=400, errors={"requests": error_text(error)})
    messages.success(request, f"{engagement.contributor.display_name} joins the project.")
    return redirect(reverse("lab-project", kwargs={"pk": project.pk}) + "#engagements")


@lab_member_required
@require_POST
def project_request_decline(request, pk: int, request_pk: int):
    project, staffing_request = _project_request(request, pk, request_pk)
    form = DeclineForm(
        request.POST,
        reason_required=staffing_request.kind == RequestKind.APPLICATION,
        auto_id=f"id_decline_{staffing_request.pk}_%s",
    )
    problem = "Please correct the reason."
    if form.is_valid():
        try:
            services.staffing_request_decline(
                actor=request.user, request=staffing_request, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as error:
            raise_if_forbidden(error)
            place_service_error(form, error)
            problem = error.message
        else:
            messages.success(request, "The application is declined; the expert is told why.")
            return redirect(reverse("lab-project", kwargs={"pk": project.pk}) + "#requests")
    return render_project(
        request,
        project,
        status=400,
        decline=(staffing_request.pk, form),
        errors={"requests": f"{staffing_request.contributor.display_name}'s application is not declined. {problem}"},
    )


# --- the expert's side -------------------------------------------------------------------


def _render_expert_projects(
    request, contributor: Contributor | None, *, apply: tuple[int, ApplyForm] | None = None, status: int = 200
):
    on = today()
    currency = expert_currency(contributor=contributor, on=on)
    form = ProjectSearchForm(request.GET or None, currency=currency)
    page = None
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        criteria = form.criteria() if form.is_bound else Criteria()
        if apply:
            # The project applied to comes first, so that the reason its form was refused shows.
            criteria = replace(criteria, project_id=apply[0], page=1)
        page = project_search(contributor=contributor, criteria=criteria, on=on)
    context = {
        "contributor": contributor,
        "form": form,
        "page": page,
        "rows": open_project_rows(contributor, apply, page.results if page else []),
        "query": _query_without_page(request),
    }
    return render(request, "marketplace/expert_projects.html", context, status=status)


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@expert_required
def expert_projects(request):
    return _render_expert_projects(request, contributor_for_user(user=request.user))


@expert_required
@require_POST
def expert_project_apply(request, pk: int):
    contributor = contributor_for_user(user=request.user)
    if contributor is None:
        messages.info(request, "Fill in your profile first.")
        return redirect("expert-profile")
    project = selectors.project_for_expert(contributor=contributor, pk=pk)
    if project is None:
        raise Http404
    form = ApplyForm(request.POST, auto_id=f"id_apply_{project.pk}_%s")
    if form.is_valid():
        try:
            services.application_send(actor=request.user, project=project, message=form.cleaned_data["message"])
        except ApplicationError as error:
            raise_if_forbidden(error)
            place_service_error(form, error)
        else:
            messages.success(request, f"Your application to “{project.title}” is sent. The lab will answer it.")
            return redirect("expert-invitations")
    return _render_expert_projects(request, contributor, apply=(project.pk, form), status=400)


def _render_expert_invitations(
    request,
    contributor: Contributor | None,
    *,
    error: tuple[int, str] | None = None,
    decline: tuple[int, DeclineForm] | None = None,
    status: int = 200,
):
    context = invitations_page(contributor, today(), error=error, decline=decline)
    return render(request, "marketplace/expert_invitations.html", context, status=status)


@expert_required
def expert_invitations(request):
    return _render_expert_invitations(request, contributor_for_user(user=request.user))


def _own_request(request, pk: int) -> tuple[Contributor, StaffingRequest]:
    contributor = contributor_for_user(user=request.user)
    staffing_request = (
        selectors.staffing_request_for_expert(contributor=contributor, pk=pk) if contributor is not None else None
    )
    if staffing_request is None:
        raise Http404
    return contributor, staffing_request


@expert_required
@require_POST
def expert_invitation_accept(request, pk: int):
    contributor, staffing_request = _own_request(request, pk)
    try:
        engagement = services.staffing_request_accept(actor=request.user, request=staffing_request)
    except ApplicationError as error:
        raise_if_forbidden(error)
        return _render_expert_invitations(
            request, contributor, error=(staffing_request.pk, error_text(error)), status=400
        )
    messages.success(request, joined_message(engagement))
    return redirect(reverse("expert-invitations") + "#engagements")


@expert_required
@require_POST
def expert_invitation_decline(request, pk: int):
    contributor, staffing_request = _own_request(request, pk)
    form = DeclineForm(request.POST, auto_id=f"id_decline_{staffing_request.pk}_%s")
    problem = "Please correct the reason."
    if form.is_valid():
        try:
            services.staffing_request_decline(
                actor=request.user, request=staffing_request, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as error:
            raise_if_forbidden(error)
            place_service_error(form, error)
            problem = error.message
        else:
            messages.success(request, f"You declined the invitation to “{staffing_request.project.title}”.")
            return redirect("expert-invitations")
    return _render_expert_invitations(
        request,
        contributor,
        decline=(staffing_request.pk, form),
        error=(staffing_request.pk, f"The invitation is not declined. {problem}"),
        status=400,
    )
