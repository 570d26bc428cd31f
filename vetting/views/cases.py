"""An expert's deactivation cases: reading them, responding to a notice, appealing a decision."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from config.decorators import expert_required
from config.errors import ApplicationError
from contributors.forms import add_service_error
from contributors.selectors import contributor_for_user

from .. import selectors, services
from ..forms import CaseAppealForm, CaseResponseForm
from ..models import CaseStatus, DeactivationCase


def _own_case(request, pk: int) -> DeactivationCase:
    case = selectors.case_of_expert(user=request.user, pk=pk)
    if case is None:
        raise Http404
    return case


@expert_required
def my_case_list(request):
    contributor = contributor_for_user(user=request.user)
    cases = selectors.cases_of(contributor=contributor) if contributor else []
    return render(request, "vetting/expert/case_list.html", {"cases": cases})


def _render_own_case(request, case: DeactivationCase, status: int = 200, **forms_given):
    now = timezone.now()
    can_respond = case.status == CaseStatus.NOTICE and case.response_due_at and now <= case.response_due_at
    can_appeal = case.status == CaseStatus.DEACTIVATED and case.appeal_due_at and now <= case.appeal_due_at
    context = {
        "case": case,
        "respond_form": forms_given.get("respond_form") or (CaseResponseForm() if can_respond else None),
        "appeal_form": forms_given.get("appeal_form") or (CaseAppealForm() if can_appeal else None),
    }
    return render(request, "vetting/expert/case_detail.html", context, status=status)


@expert_required
def my_case_detail(request, pk: int):
    return _render_own_case(request, _own_case(request, pk))


@expert_required
@require_POST
def my_case_respond(request, pk: int):
    case = _own_case(request, pk)
    form = CaseResponseForm(request.POST)
    if form.is_valid():
        try:
            services.deactivation_case_respond(actor=request.user, case=case, response=form.cleaned_data["response"])
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Your response is recorded. A reviewer will read it before deciding.")
            return redirect("expert-case", pk=case.pk)
    return _render_own_case(request, case, status=400, respond_form=form)


@expert_required
@require_POST
def my_case_appeal(request, pk: int):
    case = _own_case(request, pk)
    form = CaseAppealForm(request.POST)
    if form.is_valid():
        try:
            services.deactivation_case_appeal(actor=request.user, case=case, statement=form.cleaned_data["statement"])
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Your appeal is recorded. A different reviewer will decide it.")
            return redirect("expert-case", pk=case.pk)
    return _render_own_case(request, case, status=400, appeal_form=form)
