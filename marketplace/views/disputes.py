"""Time disputes on pages: the lab raises one from a time entry, the expert answers, operations decide."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from config.decorators import expert_required, lab_member_required, ops_required, ops_reviewer_required
from config.errors import ApplicationError

from .. import dispute_selectors, permissions, selectors, services
from ..forms import DisputeDecisionForm, DisputeForm, DisputeResponseForm, place_service_error
from ..models import DisputeStatus
from .common import member_project, raise_if_forbidden

# --- the lab ---------------------------------------------------------------------------


def _project_entry(project, entry_pk: int):
    entry = selectors.time_entry_of_project(project=project, pk=entry_pk)
    if entry is None or not entry.is_current:
        raise Http404
    return entry


@lab_member_required
def lab_time_dispute(request, pk: int, entry_pk: int):
    project = member_project(request, pk)
    entry = _project_entry(project, entry_pk)
    role = selectors.lab_role_of(user=request.user, lab=project.lab)
    form = DisputeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.time_dispute_open(actor=request.user, entry=entry, reason=form.cleaned_data["reason"])
            except ApplicationError as error:
                raise_if_forbidden(error)
                place_service_error(form, error)
            else:
                messages.success(request, "Disputed. The expert is told and can answer; operations decide.")
                return redirect("lab-disputes", pk=project.pk)
        status = 400
    context = {
        "project": project,
        "entry": entry,
        "form": form,
        "can_review": permissions.can_review_work(role),
    }
    return render(request, "lab/dispute_form.html", context, status=status)


@lab_member_required
def lab_disputes(request, pk: int):
    project = member_project(request, pk)
    context = {"project": project, "disputes": dispute_selectors.time_disputes_of_project(project=project)}
    return render(request, "lab/disputes.html", context)


# --- the expert ------------------------------------------------------------------------


def _render_expert(request, *, failed: int | None = None, failed_form=None, status: int = 200):
    rows = [
        {
            "dispute": dispute,
            "form": (failed_form if dispute.pk == failed else None)
            or DisputeResponseForm(initial={"response": dispute.response}, auto_id=f"dispute{dispute.pk}_%s"),
        }
        for dispute in dispute_selectors.time_disputes_of_expert(user=request.user)
    ]
    return render(request, "marketplace/expert_disputes.html", {"rows": rows}, status=status)


@expert_required
def expert_disputes(request):
    return _render_expert(request)


@expert_required
@require_POST
def expert_dispute_respond(request, pk: int):
    dispute = dispute_selectors.time_dispute_of_expert(user=request.user, pk=pk)
    if dispute is None:
        raise Http404
    form = DisputeResponseForm(request.POST, auto_id=f"dispute{pk}_%s")
    if form.is_valid():
        try:
            services.time_dispute_respond(actor=request.user, dispute=dispute, response=form.cleaned_data["response"])
        except ApplicationError as error:
            raise_if_forbidden(error)
            place_service_error(form, error)
        else:
            messages.success(request, "Your answer is with operations.")
            return redirect("expert-disputes")
    return _render_expert(request, failed=pk, failed_form=form, status=400)


# --- operations ------------------------------------------------------------------------


@ops_required
def ops_disputes(request):
    wanted = request.GET.get("status", DisputeStatus.OPEN)
    if wanted not in DisputeStatus.values:
        wanted = DisputeStatus.OPEN
    context = {
        "disputes": dispute_selectors.time_disputes_for_ops(status=wanted)[:500],
        "status": wanted,
        "statuses": DisputeStatus.choices,
    }
    return render(request, "marketplace/ops_disputes.html", context)


def _ops_dispute(pk: int):
    dispute = dispute_selectors.time_dispute_for_ops(pk=pk)
    if dispute is None:
        raise Http404
    return dispute


def _render_ops_dispute(request, dispute, form=None, status: int = 200):
    context = {"dispute": dispute, "form": form or DisputeDecisionForm(), "can_decide": dispute.status == "open"}
    return render(request, "marketplace/ops_dispute.html", context, status=status)


@ops_required
def ops_dispute(request, pk: int):
    return _render_ops_dispute(request, _ops_dispute(pk))


@ops_reviewer_required
@require_POST
def ops_dispute_decide(request, pk: int):
    dispute = _ops_dispute(pk)
    form = DisputeDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.time_dispute_decide(actor=request.user, dispute=dispute, **form.cleaned_data)
        except ApplicationError as error:
            raise_if_forbidden(error)
            place_service_error(form, error)
        else:
            messages.success(request, "Decided. The expert and the lab are told, with your reasons.")
            return redirect("ops-disputes")
    return _render_ops_dispute(request, dispute, form=form, status=400)
