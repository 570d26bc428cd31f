"""A project for its lab: drafting and editing it, its page, its status and its rate."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from config.decorators import lab_member_required
from config.errors import ApplicationError
from marketplace.payable import effective_hourly_minor
from payouts.floors import RatePreview, rate_preview
from payouts.reference.lookups import ReferenceDataMissing

from .. import permissions, selectors, services
from ..forms import (
    MONEY_FIELDS,
    DeclineForm,
    InviteForm,
    ProjectForm,
    RateChangeForm,
    TransitionForm,
    place_service_error,
)
from ..instruction_selectors import instruction_current
from ..models import FundingStatus, Lab, PayModel, Project, ProjectStatus
from ..presenters import projects as presenters
from ..presenters.budget import project_budget
from ..presenters.pay import Pay
from ..presenters.rate_preview import RatePreviewView, rate_preview_view
from .common import error_text, member_lab, member_project, raise_if_forbidden, test_cards_allowed, today

NO_FX_RATE = "There is no exchange rate on record for this currency yet; choose another."

# --- the project form --------------------------------------------------------------------


def _preview_for_form(form: ProjectForm) -> RatePreview | None:
    data = form.cleaned_data
    try:
        return rate_preview(
            currency=data["currency"],
            hourly_minor=effective_hourly_minor(
                pay_model=data["pay_model"],
                rate_minor=data["rate"],
                task_estimate_minutes=data["task_estimate_minutes"] if data["pay_model"] == PayModel.PER_TASK else None,
            ),
            tier=data["min_tier"],
            domains=data["domains"],
            countries=data["allowed_countries"],
            on=max(data["starts_on"], today()),
        )
    except ReferenceDataMissing:
        form.add_error("currency", NO_FX_RATE)
        return None


def _project_form_page(request, *, lab: Lab, project: Project | None):
    template = "lab/project_form.html"
    context = {"lab": lab, "project": project}
    if request.method != "POST":
        # Saving is refused by the service all the same; this spares a viewer a form they cannot use.
        if not permissions.can_edit_projects(selectors.lab_role_of(user=request.user, lab=lab)):
            raise PermissionDenied("Only the lab's owners and managers can draft and edit projects.")
        initial = ProjectForm.initial_for(project) if project else {"currency": "USD", "pay_model": "hourly"}
        return render(request, template, {**context, "form": ProjectForm(initial=initial)})

    form = ProjectForm(request.POST)
    valid = form.is_valid()
    if "preview" in request.POST:
        # Only the fields a rate depends on are judged; the rest may still be unfinished.
        form.keep_only_rate_errors()
        preview = _preview_for_form(form) if form.rate_ready() else None
        status = 200 if preview is not None else 400
        shown = rate_preview_view(preview) if preview is not None else None
        return render(request, template, {**context, "form": form, "preview": shown}, status=status)

    if valid:
        try:
            data, domains = form.project_data(), form.cleaned_data["domains"]
            if project is None:
                project = services.project_create(actor=request.user, lab=lab, data=data, domains=domains)
            else:
                services.project_update(actor=request.user, project=project, data=data, domains=domains)
        except ReferenceDataMissing:
            form.add_error("currency", NO_FX_RATE)
        except ApplicationError as error:
            raise_if_forbidden(error)
            place_service_error(form, error, MONEY_FIELDS)
        else:
            messages.success(request, "The project is saved as a draft. Fund it to open it to experts.")
            return redirect("lab-project", pk=project.pk)
    return render(request, template, {**context, "form": form}, status=400)


@lab_member_required
def project_new(request, pk: int):
    return _project_form_page(request, lab=member_lab(request, pk), project=None)


@lab_member_required
def project_edit(request, pk: int):
    project = member_project(request, pk)
    if request.method != "POST" and project.status != ProjectStatus.DRAFT:
        messages.info(request, "Only a draft can be edited. Change the rate of a funded project with a rate change.")
        return redirect("lab-project", pk=project.pk)
    return _project_form_page(request, lab=project.lab, project=project)


# --- the project page --------------------------------------------------------------------


def render_project(
    request,
    project: Project,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    transition_form: TransitionForm | None = None,
    invite: tuple[int | None, InviteForm] | None = None,
    decline: tuple[int, DeclineForm] | None = None,
    rate_form: RateChangeForm | None = None,
    rate_preview_shown: RatePreviewView | None = None,
    rate_fingerprint: str = "",
):
    """The project page; a refused action passes its form (and ``errors`` by section) to show again."""
    project.refresh_from_db()
    on = today()
    role = selectors.lab_role_of(user=request.user, lab=project.lab)
    can_edit = permissions.can_edit_projects(role)

    # Only those who fund a project see what was paid in for it.
    fundings = list(selectors.fundings_of(project=project)) if permissions.can_read_fundings(role) else []
    awaiting = any(f.status == FundingStatus.PENDING and f.stripe_payment_intent_id for f in fundings)
    requests_ = list(selectors.staffing_requests_for_project(project=project))
    engagements = presenters.engagement_rows(project)

    context = {
        "project": project,
        "lab": project.lab,
        "role_label": permissions.role_label(role),
        "can_edit": can_edit,
        "instructions_current": instruction_current(project=project),
        "errors": errors or {},
        "requirements": presenters.requirements(project),
        "pay": Pay(project.pay_model, project.currency, project.rate_minor, project.task_estimate_minutes),
        "pay_now": Pay.of_project(project, on),
        "budget": project_budget(project, on),
        "transitions": presenters.transition_buttons(project) if can_edit else [],
        "transition_form": transition_form or TransitionForm(auto_id="id_transition_%s"),
        "fundings": fundings,
        "can_read_fundings": permissions.can_read_fundings(role),
        "awaiting_payment": awaiting,
        "can_fund": can_edit and project.status == ProjectStatus.DRAFT and not awaiting,
        "test_cards": test_cards_allowed(),
        "quote": selectors.funding_quote(project=project),
        "candidates": presenters.candidate_rows(project, requests_, invite),
        "can_invite": can_edit and services.project_takes_people(project),
        "requests": presenters.request_rows(requests_, can_edit=can_edit, decline=decline),
        "engagements": engagements,
        "rate_changes": presenters.rate_change_rows(project, on),
        "rate_form": (
            rate_form or RateChangeForm(project=project, auto_id="id_rate_%s")
            if can_edit and project.status != ProjectStatus.CLOSED
            else None
        ),
        "rate_preview": rate_preview_shown,
        "rate_fingerprint": rate_fingerprint,
        "review_counts": selectors.review_counts(project=project) if engagements else None,
        "floor_warnings": selectors.floor_warnings_of(project=project, after=on),
    }
    return render(request, "lab/project_detail.html", context, status=status)


@lab_member_required
def project_detail(request, pk: int):
    return render_project(request, member_project(request, pk))


@lab_member_required
@require_POST
def project_transition(request, pk: int):
    project = member_project(request, pk)
    form = TransitionForm(request.POST, auto_id="id_transition_%s")
    if not form.is_valid():
        return render_project(
            request, project, status=400, transition_form=form, errors={"status": "Choose open, pause or close."}
        )
    try:
        project = services.project_transition(actor=request.user, project=project, **form.cleaned_data)
    except ApplicationError as error:
        raise_if_forbidden(error)
        return render_project(request, project, status=400, transition_form=form, errors={"status": error_text(error)})
    messages.success(request, f"The project is now {project.get_status_display().lower()}.")
    return redirect("lab-project", pk=project.pk)


# --- the rate ----------------------------------------------------------------------------


def _rate_change_preview(project: Project, form: RateChangeForm) -> RatePreview | None:
    effective_on = today() + timedelta(days=form.cleaned_data["notice_days"])
    try:
        return rate_preview(
            currency=project.currency,
            hourly_minor=effective_hourly_minor(
                pay_model=project.pay_model,
                rate_minor=form.cleaned_data["rate"],
                task_estimate_minutes=form.estimate,
            ),
            tier=project.min_tier,
            domains=list(project.domains.all()),
            countries=project.allowed_countries,
            # As the service judges it: the floors in force when the new rate can first apply.
            on=max(effective_on, project.starts_on),
        )
    except ReferenceDataMissing:
        form.add_error(None, "The pay floors for this project's currency are not on record; ask operations.")
        return None


@lab_member_required
@require_POST
def project_rate_change(request, pk: int):
    project = member_project(request, pk)
    form = RateChangeForm(request.POST, project=project, auto_id="id_rate_%s")
    if not form.is_valid():
        return render_project(request, project, status=400, rate_form=form)
    preview = _rate_change_preview(project, form)
    if preview is None:
        return render_project(request, project, status=400, rate_form=form)
    shown = rate_preview_view(preview)
    confirming = request.POST.get("step") == "confirm"
    if not confirming or form.cleaned_data["previewed"] != form.fingerprint():
        if confirming:
            form.add_error(None, "The values changed since the preview. Check the new preview, then confirm.")
        if preview.problems:
            place_service_error(
                form, ApplicationError("The new rate is below the floor.", fields=preview.problems), MONEY_FIELDS
            )
            return render_project(request, project, status=400, rate_form=form, rate_preview_shown=shown)
        return render_project(
            request,
            project,
            status=400 if confirming else 200,
            rate_form=form,
            rate_preview_shown=shown,
            rate_fingerprint=form.fingerprint(),
        )
    try:
        change = services.project_rate_change(
            actor=request.user,
            project=project,
            rate_minor=form.cleaned_data["rate"],
            task_estimate_minutes=form.estimate,
            reason=form.cleaned_data["reason"],
            notice_days=form.cleaned_data["notice_days"],
        )
    except ApplicationError as error:
        raise_if_forbidden(error)
        place_service_error(form, error, MONEY_FIELDS)
        return render_project(request, project, status=400, rate_form=form, rate_preview_shown=shown)
    messages.success(
        request,
        f"The new rate applies to engagements that start on or after {change.effective_on:%-d %B %Y}. "
        "Engaged experts keep the rate they accepted and are told of the change.",
    )
    return redirect(reverse("lab-project", kwargs={"pk": project.pk}) + "#rate")
