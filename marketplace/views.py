"""Marketplace pages: labs and their members, projects, funding, matching and staffing.

Every change goes through ``marketplace.services``; a refused change is shown where it was
asked for, with what was typed kept, and answered with 400. A role that may not do
something gets the 403 page with the service's reason. Another lab's pages, and other
experts' invitations, answer 404 as if they did not exist.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from config.decorators import expert_required, lab_member_required
from config.errors import ApplicationError, NotPermitted
from contributors.forms import country_label, language_labels, subdivision_label
from contributors.models import Contributor, Tier
from contributors.reference import SensitiveContent
from contributors.selectors import contributor_for_user
from payouts.floors import RatePreview, effective_hourly_minor, rate_preview
from payouts.gateway.stripe_api import TEST_PAYMENT_METHODS
from payouts.money import format_money
from payouts.reference.lookups import ReferenceDataMissing
from payouts.weeks import is_locked, week_of
from vetting.models import CredentialKind

from . import selectors, services
from .charts import budget_burn_chart
from .forms import (
    MONEY_FIELDS,
    AppealDecisionForm,
    ApplyForm,
    DeclineForm,
    FundingForm,
    GoldAnswerForm,
    InviteForm,
    LabForm,
    MemberForm,
    ProjectForm,
    RateChangeForm,
    ReasonForm,
    TaskSubmitForm,
    TimeEntryCorrectionForm,
    TimeEntryForm,
    TransitionForm,
    place_service_error,
)
from .matching import ranked_candidates
from .models import (
    APPROVED_STATUSES,
    Engagement,
    EngagementStatus,
    FundingStatus,
    Lab,
    LabRole,
    PayModel,
    Project,
    ProjectStatus,
    RequestKind,
    RequestStatus,
    ReviewStatus,
    StaffingRequest,
    TimeEntry,
)
from .services.quality import WEIGHTS as QUALITY_WEIGHTS
from .services.work import LAB_REVIEWERS

CANDIDATE_LIMIT = 25
SCORE_PARTS = (
    ("domain", "Domain fit", 40),
    ("quality", "Quality", 25),
    ("availability", "Availability", 15),
    ("tier", "Tier", 10),
    ("credential", "Credentials", 10),
)
TRANSITION_BUTTONS = {
    "open": ("Open to experts", ""),
    "pause": ("Pause", "button-secondary"),
    "close": ("Close the project", "button-danger"),
}


def _today() -> date:
    # The same day the services use when they lock rates and check floors.
    return timezone.now().date()


def _raise_if_forbidden(error: ApplicationError) -> None:
    if isinstance(error, NotPermitted):
        raise PermissionDenied(error.message)


def _error_text(error: ApplicationError) -> str:
    """The service's message with its field messages, for places that have no form field."""
    details = [message for messages_ in error.fields.values() for message in messages_]
    return " ".join([error.message, *details]) if details else error.message


def _test_cards_allowed() -> bool:
    return settings.STRIPE_LOCAL or settings.STRIPE_SECRET_KEY.startswith("sk_test_")


def _lab(request, pk: int) -> Lab:
    lab = selectors.lab_for_member(user=request.user, pk=pk)
    if lab is None:
        raise Http404
    return lab


def _project(request, pk: int) -> Project:
    project = selectors.project_for_member(user=request.user, pk=pk)
    if project is None:
        raise Http404
    return project


# --- what the pages show ---------------------------------------------------------------


@dataclass(frozen=True)
class Pay:
    """A rate as people read it: per hour, or per task with its estimate and hourly worth."""

    pay_model: str
    currency: str
    rate_minor: int
    task_estimate_minutes: int | None

    @classmethod
    def of_project(cls, project: Project, on: date) -> Pay:
        rate, estimate = selectors.project_rate_on(project=project, on=on)
        return cls(project.pay_model, project.currency, rate, estimate)

    @property
    def per_task(self) -> bool:
        return self.pay_model == PayModel.PER_TASK

    @property
    def rate(self) -> str:
        return format_money(self.rate_minor, self.currency)

    @property
    def hourly(self) -> str:
        hourly = effective_hourly_minor(
            pay_model=self.pay_model, rate_minor=self.rate_minor, task_estimate_minutes=self.task_estimate_minutes
        )
        return format_money(hourly, self.currency)

    @property
    def unit(self) -> str:
        return "a task" if self.per_task else "an hour"


def _labels(values, choices) -> list[str]:
    names = dict(choices)
    return [names.get(value, value) for value in values]


def _requirements(project: Project) -> dict:
    return {
        "domains": [str(domain) for domain in project.domains.all()],
        "tier": Tier(project.min_tier).label if project.min_tier in Tier.values else project.min_tier,
        "credentials": _labels(project.required_credential_kinds, CredentialKind.choices),
        "countries": [country_label(code) for code in project.allowed_countries],
        "languages": language_labels(project.languages),
        "sensitive": _labels(project.sensitive_categories, SensitiveContent.choices),
    }


def _percent(part: int, whole: int) -> Decimal:
    if whole <= 0:
        return Decimal(0)
    return min(Decimal(100), max(Decimal(0), Decimal(part) * 100 / Decimal(whole))).quantize(Decimal("0.1"))


def _budget(project: Project, today: date) -> dict:
    burn = selectors.budget_burn(project=project)
    forecast = selectors.budget_forecast(project=project, on=today)
    spent = _percent(burn.spent_minor, burn.funded_minor)
    committed = min(_percent(burn.committed_minor, burn.funded_minor), Decimal(100) - spent)
    used = _percent(burn.committed_minor + burn.spent_minor, burn.funded_minor)
    return {
        "funded": format_money(burn.funded_minor, burn.currency),
        "committed": format_money(burn.committed_minor, burn.currency),
        "spent": format_money(burn.spent_minor, burn.currency),
        "remaining": format_money(burn.remaining_minor, burn.currency),
        "cap": format_money(project.budget_cap_minor, project.currency),
        "is_funded": burn.funded_minor > 0,
        # Plain strings, so the widths never pick up a locale's decimal comma.
        "spent_width": f"{spent:.1f}",
        "committed_width": f"{committed:.1f}",
        "remaining_width": f"{Decimal(100) - spent - committed:.1f}",
        "used_percent": f"{used:.0f}",
        "weekly": format_money(forecast.weekly_commitment_minor, burn.currency),
        "active": forecast.active_engagements,
        "weeks_left": forecast.weeks_left,
        "weeks_to_end": forecast.weeks_to_end,
        "runs_short": forecast.weeks_left is not None and forecast.weeks_left < forecast.weeks_to_end,
        "chart": _burn_chart(project, today, burn, forecast) if burn.funded_minor > 0 else None,
    }


def _burn_chart(project: Project, today: date, burn, forecast) -> dict:
    chart = budget_burn_chart(
        starts_on=project.starts_on,
        ends_on=project.ends_on,
        today=today,
        funded_minor=burn.funded_minor,
        spent=selectors.spent_by_week(project=project),
        weekly_commitment_minor=forecast.weekly_commitment_minor,
        currency=burn.currency,
    )
    return {
        "svg": mark_safe(chart.svg),  # noqa: S308  (built from numbers, dates and escaped text only)
        "runs_out_on": chart.runs_out_on,
        "forecast_end": format_money(chart.forecast_end_minor, burn.currency),
        "weeks": [
            {
                "week": week.week,
                "spent": format_money(week.spent_minor, burn.currency),
                "cumulative": format_money(week.cumulative_minor, burn.currency),
            }
            for week in chart.weeks
        ],
    }


def _preview_rows(preview: RatePreview) -> dict:
    return {
        "hourly": format_money(preview.effective_hourly_minor, preview.currency),
        "tier_floor": format_money(preview.tier_floor_minor, preview.currency) if preview.tier_floor_minor else "",
        "meets_tier": preview.effective_hourly_minor >= preview.tier_floor_minor,
        "problems": [message for messages_ in preview.problems.values() for message in messages_],
        "rows": [
            {
                "place": row.place,
                "name": subdivision_label(row.subdivision, row.country)
                if row.subdivision
                else country_label(row.country),
                "subdivision": row.subdivision,
                "floor_local": format_money(row.floor_local_minor, row.local_currency),
                "floor": format_money(row.floor_minor, preview.currency),
                "pay_local": format_money(row.effective_hourly_local_minor, row.local_currency),
                "meets": row.effective_hourly_local_minor >= row.floor_local_minor,
                "source_url": row.source_url,
                "local_currency": row.local_currency,
            }
            for row in preview.jurisdictions
        ],
    }


# --- labs --------------------------------------------------------------------------------


def _render_lab_home(request, form: LabForm, status: int = 200):
    context = {
        "labs": selectors.labs_of(user=request.user),
        "projects": selectors.projects_visible_to(user=request.user),
        "lab_form": form,
    }
    return render(request, "lab/home.html", context, status=status)


@lab_member_required
def lab_home(request):
    if request.method != "POST":
        return _render_lab_home(request, LabForm())
    form = LabForm(request.POST)
    if form.is_valid():
        try:
            lab = services.lab_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            _raise_if_forbidden(error)
            place_service_error(form, error)
        else:
            messages.success(request, f"{lab.name} is created, and you are its owner.")
            return redirect("lab-detail", pk=lab.pk)
    return _render_lab_home(request, form, status=400)


def _render_lab(request, lab: Lab, member_form: MemberForm | None = None, status: int = 200):
    role = selectors.lab_role_of(user=request.user, lab=lab)
    is_owner = role == LabRole.OWNER
    context = {
        "lab": lab,
        "role_label": LabRole(role).label if role else "",
        "can_edit": role in selectors.LAB_EDITORS,
        "members": selectors.lab_members(lab=lab),
        "projects": selectors.projects_of_lab(user=request.user, lab=lab),
        "member_form": member_form or (MemberForm() if is_owner else None),
    }
    return render(request, "lab/lab_detail.html", context, status=status)


@lab_member_required
def lab_detail(request, pk: int):
    return _render_lab(request, _lab(request, pk))


@lab_member_required
@require_POST
def lab_member_add(request, pk: int):
    lab = _lab(request, pk)
    form = MemberForm(request.POST)
    if form.is_valid():
        try:
            membership = services.lab_member_add(actor=request.user, lab=lab, **form.cleaned_data)
        except ApplicationError as error:
            _raise_if_forbidden(error)
            place_service_error(form, error)
        else:
            messages.success(
                request, f"{membership.user.email} is now a {membership.get_role_display().lower()} of {lab.name}."
            )
            return redirect("lab-detail", pk=lab.pk)
    return _render_lab(request, lab, member_form=form, status=400)


# --- the project form --------------------------------------------------------------------


def _preview_for_form(form: ProjectForm) -> RatePreview | None:
    data = form.cleaned_data
    try:
        return rate_preview(
            currency=data["currency"],
            pay_model=data["pay_model"],
            rate_minor=data["rate"],
            task_estimate_minutes=data["task_estimate_minutes"] if data["pay_model"] == PayModel.PER_TASK else None,
            tier=data["min_tier"],
            domains=data["domains"],
            countries=data["allowed_countries"],
            on=max(data["starts_on"], _today()),
        )
    except ReferenceDataMissing:
        form.add_error("currency", "There is no exchange rate on record for this currency yet; choose another.")
        return None


def _project_form_page(request, *, lab: Lab, project: Project | None):
    template = "lab/project_form.html"
    context = {"lab": lab, "project": project}
    if request.method != "POST":
        # Saving is refused by the service all the same; this spares a viewer a form they cannot use.
        if selectors.lab_role_of(user=request.user, lab=lab) not in selectors.LAB_EDITORS:
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
        preview_rows = _preview_rows(preview) if preview is not None else None
        return render(request, template, {**context, "form": form, "preview": preview_rows}, status=status)

    if valid:
        try:
            data, domains = form.project_data(), form.cleaned_data["domains"]
            if project is None:
                project = services.project_create(actor=request.user, lab=lab, data=data, domains=domains)
            else:
                services.project_update(actor=request.user, project=project, data=data, domains=domains)
        except ReferenceDataMissing:
            form.add_error("currency", "There is no exchange rate on record for this currency yet; choose another.")
        except ApplicationError as error:
            _raise_if_forbidden(error)
            place_service_error(form, error, MONEY_FIELDS)
        else:
            messages.success(request, "The project is saved as a draft. Fund it to open it to experts.")
            return redirect("lab-project", pk=project.pk)
    return render(request, template, {**context, "form": form}, status=400)


@lab_member_required
def project_new(request, pk: int):
    return _project_form_page(request, lab=_lab(request, pk), project=None)


@lab_member_required
def project_edit(request, pk: int):
    project = _project(request, pk)
    if request.method != "POST" and project.status != ProjectStatus.DRAFT:
        messages.info(request, "Only a draft can be edited. Change the rate of a funded project with a rate change.")
        return redirect("lab-project", pk=project.pk)
    return _project_form_page(request, lab=project.lab, project=project)


# --- the project page --------------------------------------------------------------------


def _render_project(
    request,
    project: Project,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    transition_form: TransitionForm | None = None,
    invite: tuple[int | None, InviteForm] | None = None,
    decline: tuple[int, DeclineForm] | None = None,
    rate_form: RateChangeForm | None = None,
    rate_preview_rows: dict | None = None,
    rate_fingerprint: str = "",
):
    project.refresh_from_db()
    today = _today()
    role = selectors.lab_role_of(user=request.user, lab=project.lab)
    can_edit = role in selectors.LAB_EDITORS
    errors = errors or {}

    fundings = list(selectors.fundings_of(project=project))
    awaiting = any(f.status == FundingStatus.PENDING and f.stripe_payment_intent_id for f in fundings)
    quote = selectors.funding_quote(project=project)

    requests_ = list(selectors.staffing_requests_for_project(project=project))
    pending_ids = {r.contributor_id for r in requests_ if r.status == RequestStatus.PENDING}
    candidates = []
    if project.status != ProjectStatus.CLOSED:
        for candidate in ranked_candidates(project_id=project.pk, limit=CANDIDATE_LIMIT):
            prefix = f"invite_{candidate.contributor_id}"
            form = InviteForm(initial={"contributor": candidate.contributor_id}, auto_id=f"id_{prefix}_%s")
            if invite and invite[0] == candidate.contributor_id:
                form = invite[1]
            candidates.append(
                {
                    "candidate": candidate,
                    "tier": Tier(candidate.tier).label if candidate.tier in Tier.values else candidate.tier,
                    "place": ", ".join(
                        part
                        for part in (
                            subdivision_label(candidate.subdivision, candidate.country),
                            country_label(candidate.country),
                        )
                        if part
                    ),
                    "parts": [(label, candidate.components[key], most) for key, label, most in SCORE_PARTS],
                    "pending": candidate.contributor_id in pending_ids,
                    "form": form,
                }
            )

    request_rows = []
    for staffing_request in requests_:
        answerable = (
            can_edit
            and staffing_request.kind == RequestKind.APPLICATION
            and staffing_request.status == RequestStatus.PENDING
        )
        form = None
        if answerable:
            form = DeclineForm(reason_required=True, auto_id=f"id_decline_{staffing_request.pk}_%s")
            if decline and decline[0] == staffing_request.pk:
                form = decline[1]
        request_rows.append({"request": staffing_request, "answerable": answerable, "decline_form": form})

    engagements = [
        {
            "engagement": engagement,
            "pay": Pay(
                engagement.pay_model, engagement.currency, engagement.rate_minor, engagement.task_estimate_minutes
            ),
            "committed": format_money(engagement.committed_minor, engagement.currency),
        }
        for engagement in selectors.engagements_of_project(project=project)
    ]

    rate_changes = [
        {
            "change": change,
            "old": Pay(project.pay_model, project.currency, change.old_rate_minor, change.old_task_estimate_minutes),
            "new": Pay(project.pay_model, project.currency, change.new_rate_minor, change.new_task_estimate_minutes),
            "pending": change.effective_on > today,
        }
        for change in selectors.rate_changes_of(project=project)
    ]

    transitions = [
        {"action": action, "label": label, "style": style}
        for action, (label, style) in TRANSITION_BUTTONS.items()
        if project.status in services.PROJECT_TRANSITIONS[action][0]
    ]
    if project.status == ProjectStatus.PAUSED:
        transitions[0]["label"] = "Reopen to experts"

    context = {
        "project": project,
        "lab": project.lab,
        "role_label": LabRole(role).label if role else "",
        "can_edit": can_edit,
        "errors": errors,
        "requirements": _requirements(project),
        "pay": Pay(project.pay_model, project.currency, project.rate_minor, project.task_estimate_minutes),
        "pay_now": Pay.of_project(project, today),
        "budget": _budget(project, today),
        "transitions": transitions if can_edit else [],
        "transition_form": transition_form or TransitionForm(auto_id="id_transition_%s"),
        "fundings": [
            {
                "funding": funding,
                "amount": format_money(funding.amount_minor, funding.currency),
                "budget": format_money(funding.budget_minor, funding.currency),
                "fee": format_money(funding.fee_minor, funding.currency),
            }
            for funding in fundings
        ],
        "awaiting_payment": awaiting,
        "can_fund": can_edit and project.status == ProjectStatus.DRAFT and not awaiting,
        "test_cards": _test_cards_allowed(),
        "quote": {
            "budget": format_money(quote.budget_minor, quote.currency),
            "fee": format_money(quote.fee_minor, quote.currency),
            "amount": format_money(quote.amount_minor, quote.currency),
        },
        "candidates": candidates,
        "can_invite": can_edit and project.status in (ProjectStatus.FUNDED, ProjectStatus.OPEN),
        "requests": request_rows,
        "engagements": engagements,
        "rate_changes": rate_changes,
        "rate_form": (
            rate_form or RateChangeForm(project=project, auto_id="id_rate_%s")
            if can_edit and project.status != ProjectStatus.CLOSED
            else None
        ),
        "rate_preview": rate_preview_rows,
        "rate_fingerprint": rate_fingerprint,
        "review_counts": selectors.review_counts(project=project) if engagements else None,
    }
    return render(request, "lab/project_detail.html", context, status=status)


@lab_member_required
def project_detail(request, pk: int):
    return _render_project(request, _project(request, pk))


@lab_member_required
@require_POST
def project_transition(request, pk: int):
    project = _project(request, pk)
    form = TransitionForm(request.POST, auto_id="id_transition_%s")
    if not form.is_valid():
        return _render_project(
            request, project, status=400, transition_form=form, errors={"status": "Choose open, pause or close."}
        )
    try:
        project = services.project_transition(actor=request.user, project=project, **form.cleaned_data)
    except ApplicationError as error:
        _raise_if_forbidden(error)
        return _render_project(
            request, project, status=400, transition_form=form, errors={"status": _error_text(error)}
        )
    messages.success(request, f"The project is now {project.get_status_display().lower()}.")
    return redirect("lab-project", pk=project.pk)


@lab_member_required
@require_POST
def project_fund(request, pk: int):
    project = _project(request, pk)
    form = FundingForm(request.POST)
    if not form.is_valid():
        return _render_project(request, project, status=400, errors={"funding": "Choose one of the test cards."})
    if not _test_cards_allowed():
        return _render_project(request, project, status=400, errors={"funding": "Test cards work only in test mode."})
    method = TEST_PAYMENT_METHODS[form.cleaned_data["card"]]
    try:
        services.project_funding_start(actor=request.user, project=project, payment_method=method)
    except ApplicationError as error:
        _raise_if_forbidden(error)
        return _render_project(request, project, status=400, errors={"funding": _error_text(error)})
    messages.info(request, "Payment sent. Waiting for Stripe to confirm; refresh in a moment.")
    return redirect(reverse("lab-project", kwargs={"pk": project.pk}) + "#funding")


@lab_member_required
@require_POST
def project_invite(request, pk: int):
    project = _project(request, pk)
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
                _raise_if_forbidden(error)
                place_service_error(form, error)
            else:
                messages.success(request, f"{contributor.display_name} is invited.")
                return redirect(reverse("lab-project", kwargs={"pk": project.pk}) + "#requests")
    problem = " ".join(str(e) for errors in form.errors.values() for e in errors)
    return _render_project(
        request,
        project,
        status=400,
        invite=(key, form),
        errors={"candidates": f"The invitation was not sent. {problem}"},
    )


def _project_request(request, pk: int, request_pk: int) -> tuple[Project, StaffingRequest]:
    project = _project(request, pk)
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
        _raise_if_forbidden(error)
        return _render_project(request, project, status=400, errors={"requests": _error_text(error)})
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
            _raise_if_forbidden(error)
            place_service_error(form, error)
            problem = error.message
        else:
            messages.success(request, "The application is declined; the expert is told why.")
            return redirect(reverse("lab-project", kwargs={"pk": project.pk}) + "#requests")
    return _render_project(
        request,
        project,
        status=400,
        decline=(staffing_request.pk, form),
        errors={"requests": f"{staffing_request.contributor.display_name}'s application is not declined. {problem}"},
    )


def _rate_change_preview(project: Project, form: RateChangeForm) -> RatePreview | None:
    effective_on = _today() + timedelta(days=form.cleaned_data["notice_days"])
    try:
        return rate_preview(
            currency=project.currency,
            pay_model=project.pay_model,
            rate_minor=form.cleaned_data["rate"],
            task_estimate_minutes=form.estimate,
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
    project = _project(request, pk)
    form = RateChangeForm(request.POST, project=project, auto_id="id_rate_%s")
    if not form.is_valid():
        return _render_project(request, project, status=400, rate_form=form)
    preview = _rate_change_preview(project, form)
    if preview is None:
        return _render_project(request, project, status=400, rate_form=form)
    rows = _preview_rows(preview)
    confirming = request.POST.get("step") == "confirm"
    if not confirming or form.cleaned_data["previewed"] != form.fingerprint():
        if confirming:
            form.add_error(None, "The values changed since the preview. Check the new preview, then confirm.")
        if preview.problems:
            place_service_error(
                form, ApplicationError("The new rate is below the floor.", fields=preview.problems), MONEY_FIELDS
            )
            return _render_project(request, project, status=400, rate_form=form, rate_preview_rows=rows)
        return _render_project(
            request,
            project,
            status=400 if confirming else 200,
            rate_form=form,
            rate_preview_rows=rows,
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
        _raise_if_forbidden(error)
        place_service_error(form, error, MONEY_FIELDS)
        return _render_project(request, project, status=400, rate_form=form, rate_preview_rows=rows)
    messages.success(
        request,
        f"The new rate applies to engagements that start on or after {change.effective_on:%-d %B %Y}. "
        "Engaged experts keep the rate they accepted and are told of the change.",
    )
    return redirect(reverse("lab-project", kwargs={"pk": project.pk}) + "#rate")


# --- experts -----------------------------------------------------------------------------


def _render_expert_projects(
    request, contributor: Contributor | None, *, apply: tuple[int, ApplyForm] | None = None, status: int = 200
):
    today = _today()
    pending, engaged = set(), set()
    if contributor is not None:
        pending = {
            r.project_id
            for r in selectors.staffing_requests_for_expert(contributor=contributor)
            if r.status == RequestStatus.PENDING
        }
        engaged = {
            e.project_id
            for e in selectors.engagements_of_expert(contributor=contributor)
            if e.status == EngagementStatus.ACTIVE
        }
    rows = []
    for project in selectors.open_projects().prefetch_related("domains__parent"):
        form = ApplyForm(auto_id=f"id_apply_{project.pk}_%s")
        if apply and apply[0] == project.pk:
            form = apply[1]
        rows.append(
            {
                "project": project,
                "pay": Pay.of_project(project, today),
                "requirements": _requirements(project),
                "pending": project.pk in pending,
                "engaged": project.pk in engaged,
                "form": form,
            }
        )
    context = {"contributor": contributor, "rows": rows}
    return render(request, "marketplace/expert_projects.html", context, status=status)


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
            _raise_if_forbidden(error)
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
    today = _today()
    requests_ = list(selectors.staffing_requests_for_expert(contributor=contributor)) if contributor else []
    invitations, history = [], []
    for staffing_request in requests_:
        project = staffing_request.project
        open_invitation = (
            staffing_request.kind == RequestKind.INVITATION and staffing_request.status == RequestStatus.PENDING
        )
        form = None
        if open_invitation:
            form = DeclineForm(auto_id=f"id_decline_{staffing_request.pk}_%s")
            if decline and decline[0] == staffing_request.pk:
                form = decline[1]
        row = {
            "request": staffing_request,
            "project": project,
            "pay": Pay.of_project(project, today),
            "sensitive": _labels(project.sensitive_categories, SensitiveContent.choices),
            "decline_form": form,
            "error": error[1] if error and error[0] == staffing_request.pk else "",
        }
        (invitations if open_invitation else history).append(row)
    engagements = [
        {
            "engagement": engagement,
            "pay": Pay(
                engagement.pay_model, engagement.currency, engagement.rate_minor, engagement.task_estimate_minutes
            ),
        }
        for engagement in (selectors.engagements_of_expert(contributor=contributor) if contributor else [])
    ]
    shown = error is not None and any(row["error"] for row in invitations)
    context = {
        "contributor": contributor,
        "invitations": invitations,
        "history": history,
        "engagements": engagements,
        # An answer to a request that is no longer open has no card of its own to show on.
        "page_error": error[1] if error is not None and not shown else "",
    }
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
        _raise_if_forbidden(error)
        return _render_expert_invitations(
            request, contributor, error=(staffing_request.pk, _error_text(error)), status=400
        )
    pay = Pay(engagement.pay_model, engagement.currency, engagement.rate_minor, engagement.task_estimate_minutes)
    messages.success(request, f"You joined “{engagement.project.title}” at {pay.rate} {pay.unit}.")
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
            _raise_if_forbidden(error)
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


# --- work: the expert's timesheet, tasks and quality ------------------------------------------

# Weeks a timesheet can show; anything else in ``?week=`` shows the current week.
TIMESHEET_EARLIEST = date(2000, 1, 1)
TIMESHEET_LATEST = date(2100, 12, 31)
WORK_KINDS = {"time-entries": "time entry", "tasks": "task"}
HELD_EXPLANATION = "done in under half the estimate: a person reviews it; it is never rejected automatically."
QUALITY_SIGNALS = (
    ("gold", "Gold answers"),
    ("agreement", "Agreement with other experts"),
    ("reviews", "Reviews"),
)


def _duration(minutes: int) -> str:
    """Minutes as people read a timesheet: "3 h 30 min", "2 h", "45 min"."""
    hours, rest = divmod(int(minutes or 0), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def _zone(tz_name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(tz_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _local_today(tz_name: str) -> date:
    return timezone.now().astimezone(_zone(tz_name)).date()


def _week_start(request, tz_name: str) -> date:
    """The first day of the pay week asked for in ``?week=``, or of this week."""
    today = _local_today(tz_name)
    raw = request.GET.get("week", "")
    try:
        day = date.fromisoformat(raw) if raw else today
    except ValueError:
        day = today
    if not TIMESHEET_EARLIEST <= day <= TIMESHEET_LATEST:
        day = today
    return week_of(day)[0]


def _own_engagement(request, pk: int) -> tuple[Contributor, Engagement]:
    contributor = contributor_for_user(user=request.user)
    engagement = selectors.engagement_of_expert(contributor=contributor, pk=pk) if contributor is not None else None
    if engagement is None:
        raise Http404
    return contributor, engagement


def _engagement_pay(engagement: Engagement) -> Pay:
    return Pay(engagement.pay_model, engagement.currency, engagement.rate_minor, engagement.task_estimate_minutes)


def _appeal_until(item, project: Project):
    """When the expert may still appeal a rejection, or None if they cannot."""
    if item.status != ReviewStatus.REJECTED or item.appeal_decided_at is not None or item.reviewed_at is None:
        return None
    until = item.reviewed_at + timedelta(days=project.appeal_window_days)
    return until if timezone.now() <= until else None


def _form_problem(form) -> str:
    """Everything a refused form says, for a page with nowhere better to show it."""
    return " ".join(str(message) for messages_ in form.errors.values() for message in messages_)


def _timesheet_url(engagement: Engagement, week_start: date, anchor: str = "") -> str:
    url = reverse("expert-timesheet", kwargs={"pk": engagement.pk}) + f"?week={week_start.isoformat()}"
    return url + (f"#{anchor}" if anchor else "")


def _render_timesheet(
    request,
    engagement: Engagement,
    week_start: date,
    *,
    log_form: TimeEntryForm | None = None,
    correct: tuple[int, TimeEntryCorrectionForm] | None = None,
    appeal: tuple[int, ReasonForm] | None = None,
    status: int = 200,
):
    tz_name = request.user.timezone
    today = _local_today(tz_name)
    week_end = week_start + timedelta(days=6)
    project = engagement.project
    active = engagement.status == EngagementStatus.ACTIVE
    locked = is_locked(week_start)
    entries = list(selectors.time_entries_between(engagement=engagement, starts_on=week_start, ends_on=week_end))

    rows_by_day: dict[date, list[dict]] = {}
    for entry in entries:
        can_correct = active and not locked and entry.status != ReviewStatus.APPEALED
        appeal_until = _appeal_until(entry, project)
        correct_form = None
        if correct and correct[0] == entry.pk:
            correct_form = correct[1]
        elif can_correct:
            correct_form = TimeEntryCorrectionForm(
                initial=TimeEntryCorrectionForm.initial_for(entry, tz_name),
                tz_name=tz_name,
                auto_id=f"id_correct_{entry.pk}_%s",
            )
        appeal_form = None
        if appeal and appeal[0] == entry.pk:
            appeal_form = appeal[1]
        elif appeal_until is not None:
            appeal_form = ReasonForm(label="Why the rejection is wrong", auto_id=f"id_appeal_{entry.pk}_%s")
        rows_by_day.setdefault(entry.work_date, []).append(
            {
                "entry": entry,
                "duration": _duration(entry.minutes),
                "correct_form": correct_form,
                "correct_open": bool(correct and correct[0] == entry.pk),
                "appeal_form": appeal_form,
                "appeal_open": bool(appeal and appeal[0] == entry.pk),
                "appeal_until": appeal_until,
            }
        )

    days = []
    for offset in range(7):
        day = week_start + timedelta(days=offset)
        rows = rows_by_day.get(day, [])
        days.append(
            {
                "date": day,
                "rows": rows,
                "total": _duration(sum(row["entry"].minutes for row in rows)),
                "minutes": sum(row["entry"].minutes for row in rows),
                "is_today": day == today,
                "is_future": day > today,
            }
        )
    week_minutes = sum(entry.minutes for entry in entries)
    approved_minutes = sum(entry.minutes for entry in entries if entry.status in APPROVED_STATUSES)
    rejected_minutes = sum(entry.minutes for entry in entries if entry.status == ReviewStatus.REJECTED)

    if log_form is None and active:
        log_form = TimeEntryForm(
            initial={"mode": TimeEntryForm.RANGE, "work_date": min(week_end, today)}, tz_name=tz_name
        )
    next_start = week_start + timedelta(days=7)
    shown = {entry.pk for entry in entries}
    # A refused correction or appeal of a version no longer shown is told at the top.
    page_error = " ".join(
        _form_problem(form)
        for pk, form in (correct or (None, None), appeal or (None, None))
        if form and pk not in shown
    )
    context = {
        "page_error": page_error,
        "engagement": engagement,
        "project": project,
        "pay": _engagement_pay(engagement),
        "active": active,
        "locked": locked,
        "tz_name": _zone(tz_name).key,
        "week_start": week_start,
        "week_end": week_end,
        "is_this_week": week_start <= today <= week_end,
        "previous_week": week_start - timedelta(days=7),
        "next_week": next_start if next_start <= today else None,
        "this_week": week_of(today)[0],
        "days": days,
        "week_total": _duration(week_minutes),
        "approved_total": _duration(approved_minutes),
        "rejected_total": _duration(rejected_minutes),
        "has_rejected": rejected_minutes > 0,
        "cap": project.weekly_cap_hours,
        "over_cap_share": (
            f"{min(100, week_minutes * 100 // (project.weekly_cap_hours * 60))}" if project.weekly_cap_hours else ""
        ),
        "log_form": log_form,
        "entry_count": len(entries),
    }
    return render(request, "marketplace/timesheet.html", context, status=status)


@expert_required
def expert_timesheet(request, pk: int):
    _, engagement = _own_engagement(request, pk)
    return _render_timesheet(request, engagement, _week_start(request, request.user.timezone))


@expert_required
@require_POST
def expert_time_log(request, pk: int):
    _, engagement = _own_engagement(request, pk)
    week_start = _week_start(request, request.user.timezone)
    form = TimeEntryForm(request.POST, tz_name=request.user.timezone)
    if form.is_valid():
        try:
            entry = services.time_entry_log(
                actor=request.user,
                engagement=engagement,
                activity=form.cleaned_data["activity"],
                note=form.cleaned_data["note"],
                task_reference=form.cleaned_data["task_reference"],
                **form.time_values(),
            )
        except ApplicationError as error:
            _raise_if_forbidden(error)
            form.place_service_error(error)
        else:
            messages.success(
                request,
                f"Logged {_duration(entry.minutes)} of {entry.get_activity_display().lower()} "
                f"on {entry.work_date:%a %-d %b %Y}. It waits for the lab's review.",
            )
            return redirect(_timesheet_url(engagement, week_of(entry.work_date)[0], f"entry-{entry.pk}"))
    return _render_timesheet(request, engagement, week_start, log_form=form, status=400)


@expert_required
@require_POST
def expert_time_correct(request, pk: int):
    entry = selectors.time_entry_of_expert(user=request.user, pk=pk)
    if entry is None:
        raise Http404
    engagement = entry.engagement
    form = TimeEntryCorrectionForm(request.POST, tz_name=request.user.timezone, auto_id=f"id_correct_{entry.pk}_%s")
    if form.is_valid():
        try:
            revised = services.time_entry_revise(
                actor=request.user,
                entry=entry,
                reason=form.cleaned_data["reason"],
                activity=form.cleaned_data["activity"],
                note=form.cleaned_data["note"],
                **form.time_values(),
            )
        except ApplicationError as error:
            _raise_if_forbidden(error)
            form.place_service_error(error)
        else:
            messages.success(
                request,
                f"Version {revised.version} of the entry is saved and goes back to review; "
                "the earlier version is kept in the history.",
            )
            return redirect(_timesheet_url(engagement, week_of(revised.work_date)[0], f"entry-{revised.pk}"))
    return _render_timesheet(request, engagement, week_of(entry.work_date)[0], correct=(entry.pk, form), status=400)


@expert_required
def expert_time_history(request, pk: int):
    _, engagement = _own_engagement(request, pk)
    versions = list(selectors.time_entry_ledger(engagement=engagement))
    by_id = {entry.pk: entry for entry in versions}

    def root_of(entry: TimeEntry) -> int:
        seen = set()
        while entry.previous_id and entry.previous_id in by_id and entry.pk not in seen:
            seen.add(entry.pk)
            entry = by_id[entry.previous_id]
        return entry.pk

    chains: dict[int, list[TimeEntry]] = {}
    for entry in versions:
        chains.setdefault(root_of(entry), []).append(entry)
    rows = []
    for chain in chains.values():
        chain.sort(key=lambda e: e.version)
        current = chain[-1]
        rows.append(
            {
                "current": current,
                "versions": [{"entry": e, "duration": _duration(e.minutes)} for e in chain],
            }
        )
    rows.sort(key=lambda row: (row["current"].work_date, row["current"].pk), reverse=True)
    context = {
        "engagement": engagement,
        "project": engagement.project,
        "chains": rows,
        "version_count": len(versions),
        "this_week": week_of(_local_today(request.user.timezone))[0],
    }
    return render(request, "marketplace/time_history.html", context)


def _render_tasks(
    request,
    engagement: Engagement,
    *,
    form: TaskSubmitForm | None = None,
    appeal: tuple[int, ReasonForm] | None = None,
    status: int = 200,
):
    project = engagement.project
    per_task = engagement.pay_model == PayModel.PER_TASK
    active = engagement.status == EngagementStatus.ACTIVE
    rows = []
    for task in selectors.tasks_of_engagement(engagement=engagement)[:500]:
        appeal_until = _appeal_until(task, project)
        appeal_form = None
        if appeal and appeal[0] == task.pk:
            appeal_form = appeal[1]
        elif appeal_until is not None:
            appeal_form = ReasonForm(label="Why the rejection is wrong", auto_id=f"id_appeal_{task.pk}_%s")
        rows.append(
            {
                "task": task,
                "label": (task.answer or {}).get("label", "") if isinstance(task.answer, dict) else "",
                "appeal_form": appeal_form,
                "appeal_open": bool(appeal and appeal[0] == task.pk),
                "appeal_until": appeal_until,
            }
        )
    estimate = engagement.task_estimate_minutes
    context = {
        "engagement": engagement,
        "project": project,
        "pay": _engagement_pay(engagement),
        "per_task": per_task,
        "active": active,
        "estimate": estimate,
        "half_estimate": (estimate + 1) // 2 if estimate else None,
        "form": form or (TaskSubmitForm() if per_task and active else None),
        "rows": rows,
        "held_explanation": HELD_EXPLANATION,
        "this_week": week_of(_local_today(request.user.timezone))[0],
    }
    return render(request, "marketplace/tasks.html", context, status=status)


@expert_required
def expert_tasks(request, pk: int):
    _, engagement = _own_engagement(request, pk)
    return _render_tasks(request, engagement)


@expert_required
@require_POST
def expert_task_submit(request, pk: int):
    _, engagement = _own_engagement(request, pk)
    form = TaskSubmitForm(request.POST)
    if form.is_valid():
        try:
            task = services.task_submit(
                actor=request.user,
                engagement=engagement,
                task_reference=form.cleaned_data["task_reference"],
                minutes=form.cleaned_data["minutes"],
                answer=form.answer(),
            )
        except ApplicationError as error:
            _raise_if_forbidden(error)
            place_service_error(form, error)
        else:
            if task.status == ReviewStatus.HELD:
                messages.info(request, f"Task {task.task_reference} is submitted and held: {HELD_EXPLANATION}")
            else:
                messages.success(request, f"Task {task.task_reference} is submitted and waits for review.")
            return redirect(reverse("expert-tasks", kwargs={"pk": engagement.pk}) + f"#task-{task.pk}")
    return _render_tasks(request, engagement, form=form, status=400)


@expert_required
@require_POST
def expert_work_appeal(request, kind: str, pk: int):
    if kind not in WORK_KINDS:
        raise Http404
    lookup = selectors.time_entry_of_expert if kind == "time-entries" else selectors.task_of_expert
    item = lookup(user=request.user, pk=pk)
    if item is None:
        raise Http404
    form = ReasonForm(request.POST, label="Why the rejection is wrong", auto_id=f"id_appeal_{item.pk}_%s")
    if form.is_valid():
        try:
            services.work_appeal(actor=request.user, item=item, reason=form.cleaned_data["reason"])
        except ApplicationError as error:
            _raise_if_forbidden(error)
            place_service_error(form, error)
        else:
            messages.success(request, "Your appeal is sent. A different reviewer from the one who rejected it decides.")
            if kind == "tasks":
                return redirect(reverse("expert-tasks", kwargs={"pk": item.engagement_id}) + f"#task-{item.pk}")
            return redirect(_timesheet_url(item.engagement, week_of(item.work_date)[0], f"entry-{item.pk}"))
    if kind == "tasks":
        return _render_tasks(request, item.engagement, appeal=(item.pk, form), status=400)
    return _render_timesheet(request, item.engagement, week_of(item.work_date)[0], appeal=(item.pk, form), status=400)


def _alpha_text(alpha) -> str:
    if alpha is None:
        return ""
    try:
        return f"{float(alpha):.2f}"
    except (TypeError, ValueError):
        return ""


def _alpha_verdict(alpha) -> str:
    """Krippendorff's usual reading of alpha: 0.8 and up is reliable, 0.667 the least for tentative use."""
    try:
        value = float(alpha)
    except (TypeError, ValueError):
        return ""
    if value >= 0.8:
        return "Good: the experts label the same items consistently."
    if value >= 0.667:
        return "Tentative: usable with care; look at the items they disagree on."
    return "Low: the labels disagree too often to rely on. Check the instructions and the gold answers."


def _whole_percent(part: Decimal, whole: Decimal) -> str:
    if not whole:
        return "0%"
    return f"{(part * 100 / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


def _quality_parts(inputs: dict) -> list[dict]:
    """Each signal that went into a score, in words, with its weight and its share of the score."""
    inputs = inputs if isinstance(inputs, dict) else {}
    raw_weights = inputs.get("weights") if isinstance(inputs.get("weights"), dict) else {}
    weights = {}
    for name, _ in QUALITY_SIGNALS:
        try:
            weights[name] = Decimal(str(raw_weights.get(name, "0")))
        except ArithmeticError:
            weights[name] = Decimal(0)
    present = [name for name, _ in QUALITY_SIGNALS if isinstance(inputs.get(name), dict)]
    used = sum((weights[name] for name in present), Decimal(0))
    parts = []
    for name, title in QUALITY_SIGNALS:
        signal = inputs.get(name)
        part = {"name": name, "title": title, "weight": f"{weights[name]:f}", "used": name in present}
        if name in present:
            if name == "gold":
                got, of = signal.get("correct", 0), signal.get("total", 0)
                part["words"] = f"{got} correct of {of} task{'s' if of != 1 else ''} whose right answer the lab knows"
            elif name == "agreement":
                got, of = signal.get("agreed_with_others", 0), signal.get("items_compared", 0)
                part["words"] = (
                    f"agreed with the others on {got} of {of} item{'s' if of != 1 else ''} that other experts labelled too"
                )
            else:
                got, of = signal.get("approved", 0), signal.get("reviewed", 0)
                part["words"] = f"{got} approved of {of} reviewed"
            part["value"] = _whole_percent(Decimal(int(got or 0)), Decimal(int(of or 0)))
            part["share"] = _whole_percent(weights[name], used)
        else:
            part["words"] = {
                "gold": "no gold tasks done yet",
                "agreement": "no item labelled by another expert too",
                "reviews": "no work reviewed yet",
            }[name]
        parts.append(part)
    return parts


def _quality_row(score) -> dict:
    inputs = score.inputs if isinstance(score.inputs, dict) else {}
    return {
        "score": score,
        "percent": f"{score.score * 100:.0f}",
        "parts": _quality_parts(inputs),
        "alpha": _alpha_text(inputs.get("project_alpha")),
    }


@expert_required
def expert_quality(request):
    contributor = contributor_for_user(user=request.user)
    scores = list(selectors.quality_scores_of_expert(contributor=contributor)) if contributor else []
    context = {
        "contributor": contributor,
        "rows": [_quality_row(score) for score in scores],
        "weights": QUALITY_WEIGHTS,
    }
    return render(request, "marketplace/expert_quality.html", context)


# --- work: the lab's review queue and quality -----------------------------------------------


def _review_item(project: Project, kind: str, pk: int):
    if kind not in WORK_KINDS:
        raise Http404
    lookup = selectors.time_entry_of_project if kind == "time-entries" else selectors.task_of_project
    item = lookup(project=project, pk=pk)
    if item is None:
        raise Http404
    return item


def _expert_times(item, viewer_tz: zoneinfo.ZoneInfo) -> str:
    """A time entry's start and end on the expert's own clock, when it differs from the reviewer's."""
    started_at, ended_at = getattr(item, "started_at", None), getattr(item, "ended_at", None)
    if started_at is None or ended_at is None:
        return ""
    tz = _zone(item.contributor.timezone)
    if started_at.astimezone(tz).utcoffset() == started_at.astimezone(viewer_tz).utcoffset():
        return ""
    return f"{started_at.astimezone(tz):%H:%M}\N{EN DASH}{ended_at.astimezone(tz):%H:%M} {tz.key}"


def _item_label(kind: str, item) -> str:
    who = item.contributor.display_name
    if kind == "tasks":
        return f"task {item.task_reference} by {who}"
    return f"{_duration(item.minutes)} of {item.get_activity_display().lower()} by {who} on {item.work_date:%-d %b %Y}"


def _render_review(
    request,
    project: Project,
    *,
    error: tuple[str, int, str, object] | None = None,
    bulk: dict | None = None,
    status: int = 200,
):
    """The queue; ``error`` is (kind, pk, which form, the form or a message) for the item that failed."""
    role = selectors.lab_role_of(user=request.user, lab=project.lab)
    can_review = role in LAB_REVIEWERS
    entries, tasks = selectors.review_queue(project=project)
    window = timedelta(days=project.review_window_days)
    viewer_tz = _zone(request.user.timezone)

    def row(kind: str, item) -> dict:
        mine = error is not None and error[0] == kind and error[1] == item.pk
        appealed = item.status == ReviewStatus.APPEALED
        reject_form = ReasonForm(label="Reason (the expert reads it)", auto_id=f"id_reject_{kind}_{item.pk}_%s")
        decide_form = AppealDecisionForm(label="Reason for the decision", auto_id=f"id_decide_{kind}_{item.pk}_%s")
        message = ""
        if mine and error[2] == "reject":
            reject_form = error[3]
        elif mine and error[2] == "decide":
            decide_form = error[3]
        elif mine:
            message = error[3]
        return {
            "kind": kind,
            "item": item,
            "key": f"{kind}:{item.pk}",
            "label": _item_label(kind, item),
            "duration": _duration(item.minutes),
            "expert_times": _expert_times(item, viewer_tz),
            "appealed": appealed,
            "auto_approve_on": (item.appealed_at or item.submitted_at) + window,
            "rejected_by_me": appealed and item.reviewed_by_id == request.user.pk,
            "reject_form": reject_form,
            "decide_form": decide_form,
            "open": mine,
            "message": message,
            "answer_label": (item.answer or {}).get("label", "")
            if kind == "tasks" and isinstance(item.answer, dict)
            else "",
        }

    entry_rows = [row("time-entries", entry) for entry in entries]
    task_rows = [row("tasks", task) for task in tasks]
    context = {
        "project": project,
        "lab": project.lab,
        "role_label": LabRole(role).label if role else "",
        "can_review": can_review,
        "appeals": [r for r in entry_rows + task_rows if r["appealed"]],
        "entries": [r for r in entry_rows if not r["appealed"]],
        "tasks": [r for r in task_rows if not r["appealed"]],
        "window_days": project.review_window_days,
        "appeal_days": project.appeal_window_days,
        "bulk": bulk,
    }
    return render(request, "lab/review_queue.html", context, status=status)


@lab_member_required
def lab_review(request, pk: int):
    return _render_review(request, _project(request, pk))


def _review_redirect(project: Project, anchor: str = "") -> object:
    return redirect(reverse("lab-review", kwargs={"pk": project.pk}) + (f"#{anchor}" if anchor else ""))


@lab_member_required
@require_POST
def lab_review_approve(request, pk: int, kind: str, item_pk: int):
    project = _project(request, pk)
    item = _review_item(project, kind, item_pk)
    try:
        services.work_approve(actor=request.user, item=item)
    except ApplicationError as error:
        _raise_if_forbidden(error)
        return _render_review(request, project, error=(kind, item.pk, "approve", _error_text(error)), status=400)
    messages.success(request, f"Approved: {_item_label(kind, item)}.")
    return _review_redirect(project)


@lab_member_required
@require_POST
def lab_review_reject(request, pk: int, kind: str, item_pk: int):
    project = _project(request, pk)
    item = _review_item(project, kind, item_pk)
    form = ReasonForm(request.POST, label="Reason (the expert reads it)", auto_id=f"id_reject_{kind}_{item.pk}_%s")
    if form.is_valid():
        try:
            services.work_reject(actor=request.user, item=item, reason=form.cleaned_data["reason"])
        except ApplicationError as error:
            _raise_if_forbidden(error)
            place_service_error(form, error)
        else:
            messages.success(
                request, f"Rejected: {_item_label(kind, item)}. The expert reads your reason and may appeal."
            )
            return _review_redirect(project)
    return _render_review(request, project, error=(kind, item.pk, "reject", form), status=400)


@lab_member_required
@require_POST
def lab_review_decide(request, pk: int, kind: str, item_pk: int):
    project = _project(request, pk)
    item = _review_item(project, kind, item_pk)
    form = AppealDecisionForm(request.POST, label="Reason for the decision", auto_id=f"id_decide_{kind}_{item.pk}_%s")
    status = 400
    if form.is_valid():
        try:
            decided = services.work_decide_appeal(
                actor=request.user,
                item=item,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            if isinstance(error, NotPermitted) and error.code != "four_eyes":
                raise PermissionDenied(error.message) from None
            # The reviewer who rejected it is told so where they tried to decide.
            if isinstance(error, NotPermitted):
                status = 403
            place_service_error(form, error)
        else:
            outcome = "upheld: the work is approved" if decided.status in APPROVED_STATUSES else "refused"
            messages.success(request, f"The appeal on {_item_label(kind, item)} is {outcome}. The expert is told why.")
            return _review_redirect(project)
    return _render_review(request, project, error=(kind, item.pk, "decide", form), status=status)


_BULK_KEY = re.compile(r"^(time-entries|tasks):([0-9]{1,18})$")


@lab_member_required
@require_POST
def lab_review_bulk_approve(request, pk: int):
    project = _project(request, pk)
    keys = list(dict.fromkeys(request.POST.getlist("items")))[:500]
    if not keys:
        return _render_review(
            request,
            project,
            bulk={"approved": [], "failed": [("", "Select at least one item to approve.")]},
            status=400,
        )
    approved, failed, refusals = [], [], []
    for key in keys:
        match = _BULK_KEY.match(key)
        item = None
        if match:
            kind = match.group(1)
            lookup = selectors.time_entry_of_project if kind == "time-entries" else selectors.task_of_project
            item = lookup(project=project, pk=int(match.group(2)))
        if item is None:
            failed.append((key[:60], "There is no such item on this project."))
            continue
        label = _item_label(kind, item)
        try:
            services.work_approve(actor=request.user, item=item)
        except NotPermitted as error:
            refusals.append(error)
            failed.append((label, error.message))
        except ApplicationError as error:
            failed.append((label, _error_text(error)))
        else:
            approved.append(label)
    if refusals and not approved and len(refusals) == len(failed):
        raise PermissionDenied(refusals[0].message)
    if not failed:
        messages.success(request, f"Approved {len(approved)} item{'s' if len(approved) != 1 else ''}.")
        return _review_redirect(project)
    return _render_review(request, project, bulk={"approved": approved, "failed": failed}, status=400)


def _render_lab_quality(request, project: Project, *, gold_form: GoldAnswerForm | None = None, status: int = 200):
    role = selectors.lab_role_of(user=request.user, lab=project.lab)
    can_edit = role in selectors.LAB_EDITORS
    scores = list(selectors.quality_scores_of_project(project=project))
    alpha = scores[0].inputs.get("project_alpha") if scores and isinstance(scores[0].inputs, dict) else None
    reviewers = []
    for reviewer in selectors.reviewer_scores(project=project):
        reviewers.append(
            {
                **reviewer,
                "gold_accuracy_text": (
                    f"{reviewer['gold_accuracy'] * 100:.0f}% ({reviewer['gold_consistent']} of {reviewer['gold_reviewed']})"
                    if reviewer["gold_accuracy"] is not None
                    else "No gold tasks reviewed"
                ),
                "overturned_text": (
                    f"{reviewer['overturned_share'] * 100:.0f}% ({reviewer['overturned']} of {reviewer['rejected']})"
                    if reviewer["overturned_share"] is not None
                    else "No rejections"
                ),
            }
        )
    context = {
        "project": project,
        "lab": project.lab,
        "can_edit": can_edit,
        "alpha": _alpha_text(alpha),
        "alpha_verdict": _alpha_verdict(alpha),
        "scored": bool(scores),
        "computed_at": max((score.computed_at for score in scores), default=None),
        "rows": [_quality_row(score) for score in scores],
        "reviewers": reviewers,
        "gold_answers": list(selectors.gold_answers_of(project=project)[:500]),
        "gold_form": gold_form or (GoldAnswerForm(auto_id="id_gold_%s") if can_edit else None),
        "weights": QUALITY_WEIGHTS,
        "overlap": project.overlap,
    }
    return render(request, "lab/project_quality.html", context, status=status)


@lab_member_required
def lab_quality(request, pk: int):
    return _render_lab_quality(request, _project(request, pk))


@lab_member_required
@require_POST
def lab_gold_add(request, pk: int):
    project = _project(request, pk)
    form = GoldAnswerForm(request.POST, auto_id="id_gold_%s")
    if form.is_valid():
        try:
            gold = services.gold_answer_add(actor=request.user, project=project, **form.cleaned_data)
        except ApplicationError as error:
            _raise_if_forbidden(error)
            place_service_error(form, error)
        else:
            messages.success(
                request, f"Task {gold.task_reference} is now a gold task. Recompute to see it in the scores."
            )
            return redirect(reverse("lab-quality", kwargs={"pk": project.pk}) + "#gold")
    return _render_lab_quality(request, project, gold_form=form, status=400)


@lab_member_required
@require_POST
def lab_quality_recompute(request, pk: int):
    project = _project(request, pk)
    try:
        result = services.quality_scores_compute(actor=request.user, project=project)
    except ApplicationError as error:
        _raise_if_forbidden(error)
        messages.error(request, _error_text(error))
        return _render_lab_quality(request, project, status=400)
    experts = result["experts"]
    if experts:
        messages.success(request, f"Scores recomputed for {experts} expert{'s' if experts != 1 else ''}.")
    else:
        messages.info(request, "No task submissions yet, so there is nothing to score.")
    return redirect("lab-quality", pk=project.pk)
