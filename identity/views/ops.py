"""Operations' queue of account cases and a case's page with its evidence and decision."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from config.decorators import ops_required, ops_reviewer_required
from config.errors import ApplicationError
from contributors.forms import add_service_error
from identity import selectors, services
from identity.forms import CaseDecisionForm
from identity.models import CaseStatus


@ops_required
def ops_account_cases(request):
    return render(request, "identity/ops/cases.html", {"cases": selectors.account_cases_open_queryset()})


def _case(pk: int):
    case = selectors.account_case_for_ops(pk=pk)
    if case is None:
        raise Http404
    return case


def _render(request, case, form=None, status=200):
    if form is None and case.status == CaseStatus.OPEN:
        form = CaseDecisionForm(case=case)
    return render(request, "identity/ops/case.html", {"case": case, "form": form}, status=status)


@ops_required
def ops_account_case(request, pk: int):
    return _render(request, _case(pk))


@ops_reviewer_required
@require_POST
def ops_account_case_decide(request, pk: int):
    case = _case(pk)
    form = CaseDecisionForm(request.POST, case=case)
    if form.is_valid():
        try:
            services.account_case_decide(
                actor=request.user,
                case=case,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
                kept_contributor_id=form.cleaned_data.get("kept_contributor"),
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "The decision is recorded and the expert told.")
            return redirect("ops-account-case", pk=case.pk)
    return _render(request, case, form=form, status=400)
