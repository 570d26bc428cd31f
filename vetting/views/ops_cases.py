"""Operations: deactivation cases, from notice to decision and appeal."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.selectors import audit_event_list
from config.decorators import ops_reviewer_required
from config.errors import ApplicationError
from contributors.forms import add_service_error

from .. import selectors, services
from ..forms import CaseAppealDecisionForm, CaseDecisionForm, CaseFilterForm, CaseNoticeForm
from ..models import CaseStatus, DeactivationCase
from .paging import page_of


@ops_reviewer_required
def ops_case_list(request):
    form = CaseFilterForm(request.GET)
    if form.is_valid():
        cases, status = selectors.case_list(status=form.cleaned_data["status"]), 200
    else:
        cases, status = selectors.case_list().none(), 400
    context = {"form": form, "page": page_of(request, cases)}
    return render(request, "vetting/ops/case_list.html", context, status=status)


def _case_for_ops(pk: int) -> DeactivationCase:
    case = selectors.case_for_ops(pk=pk)
    if case is None:
        raise Http404
    return case


def _render_case(request, case: DeactivationCase, status: int = 200, **forms_given):
    warned = case.status == CaseStatus.WARNED
    decidable = case.status in (CaseStatus.WARNED, CaseStatus.NOTICE, CaseStatus.RESPONDED)
    context = {
        "case": case,
        "window_open": bool(
            case.status == CaseStatus.NOTICE and case.response_due_at and timezone.now() <= case.response_due_at
        ),
        "history": audit_event_list(target_type="vetting.deactivationcase", target_id=str(case.pk))[:50],
        "notice_form": forms_given.get("notice_form") or (CaseNoticeForm() if warned else None),
        "decide_form": forms_given.get("decide_form") or (CaseDecisionForm(dismiss_only=warned) if decidable else None),
        "appeal_form": forms_given.get("appeal_form")
        or (CaseAppealDecisionForm() if case.status == CaseStatus.APPEALED else None),
        "failed_form": next(iter(forms_given.values()), None),
    }
    return render(request, "vetting/ops/case_detail.html", context, status=status)


@ops_reviewer_required
def ops_case(request, pk: int):
    return _render_case(request, _case_for_ops(pk))


def _case_action(request, case: DeactivationCase, *, form_name: str, form: forms.Form, act, done: str):
    if form.is_valid():
        try:
            act(form)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, done)
            return redirect("ops-case", pk=case.pk)
    return _render_case(request, case, status=400, **{form_name: form})


@ops_reviewer_required
@require_POST
def ops_case_notice(request, pk: int):
    case = _case_for_ops(pk)
    return _case_action(
        request,
        case,
        form_name="notice_form",
        form=CaseNoticeForm(request.POST),
        act=lambda form: services.deactivation_case_give_notice(
            actor=request.user,
            case=case,
            evidence=form.cleaned_data["evidence"],
            response_days=form.cleaned_data["response_days"],
        ),
        done="Notice given. The expert has been sent the evidence.",
    )


@ops_reviewer_required
@require_POST
def ops_case_decide(request, pk: int):
    case = _case_for_ops(pk)
    return _case_action(
        request,
        case,
        form_name="decide_form",
        form=CaseDecisionForm(request.POST, dismiss_only=case.status == CaseStatus.WARNED),
        act=lambda form: services.deactivation_case_decide(
            actor=request.user, case=case, deactivate=form.deactivate, reason=form.cleaned_data["reason"]
        ),
        done="Decision recorded and sent to the expert.",
    )


@ops_reviewer_required
@require_POST
def ops_case_decide_appeal(request, pk: int):
    case = _case_for_ops(pk)
    return _case_action(
        request,
        case,
        form_name="appeal_form",
        form=CaseAppealDecisionForm(request.POST),
        act=lambda form: services.deactivation_case_decide_appeal(
            actor=request.user, case=case, reinstate=form.reinstate, reason=form.cleaned_data["reason"]
        ),
        done="Appeal decided and sent to the expert.",
    )
