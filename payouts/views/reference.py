"""Operations keep minimum wages and FX rates current: one person proposes, another decides.

Everyone in operations reads the rows in force and coming, and the changes waiting;
operations finance propose and decide (``payouts/reference/services.py`` says why). The
calendar of minimum wages to come is shown to operations and to lab members, for the
countries their labs' projects allow.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import is_ops_finance
from config.decorators import lab_member_required, ops_finance_required, ops_required
from config.errors import ApplicationError
from contributors.forms import add_service_error
from marketplace.selectors import countries_allowed_for_member
from payouts.forms import (
    FxRateProposalForm,
    MinimumWageCorrectionForm,
    MinimumWageProposalForm,
    ReferenceDecisionForm,
    RetirementForm,
)
from payouts.models import FxRate, MinimumWage, ReferenceChange
from payouts.reference import selectors
from payouts.reference import services as reference

RECENT_DECISIONS = 20


def _render_reference(request, *, decision_forms: dict | None = None, action_error: str = "", status: int = 200):
    today = timezone.now().date()
    decision_forms = decision_forms or {}
    finance = is_ops_finance(request.user)
    pending = [
        {
            "change": change,
            "own": change.proposed_by_id == request.user.pk,
            "form": decision_forms.get(change.pk) or ReferenceDecisionForm(prefix=f"decide-{change.pk}"),
        }
        for change in selectors.reference_changes_pending()
    ]
    decided = selectors.reference_changes_decided(limit=RECENT_DECISIONS)
    context = {
        "today": today,
        "minimum_wages": selectors.minimum_wages_current_and_upcoming(on=today),
        "fx_rates": selectors.fx_rates_current_and_upcoming(on=today),
        "pending": pending,
        "decided": decided,
        "is_finance": finance,
        "action_error": action_error,
    }
    return render(request, "payouts/ops/reference.html", context, status=status)


@ops_required
def ops_reference(request):
    return _render_reference(request)


def _propose_page(request, *, form, title: str, intro: str, propose, status: int = 200):
    """A proposal form: shown, or submitted and handed to ``propose`` (a service call)."""
    if request.method == "POST":
        if form.is_valid():
            try:
                change = propose(form.cleaned_data)
            except ApplicationError as error:
                add_service_error(form, error)
                status = error.status_code
            else:
                messages.success(
                    request, f"Change #{change.pk} is proposed; another member of operations finance must decide it."
                )
                return redirect("ops-reference")
        else:
            status = 400
    return render(
        request, "payouts/ops/reference_propose.html", {"form": form, "title": title, "intro": intro}, status=status
    )


@ops_finance_required
def ops_reference_minimum_wage_propose(request):
    return _propose_page(
        request,
        form=MinimumWageProposalForm(request.POST or None),
        title="Propose a minimum wage",
        intro="A new figure for a place from a day. A correction of a row on record is proposed from that row.",
        propose=lambda data: reference.reference_change_propose_minimum_wage(actor=request.user, **data),
    )


def _row(model, pk: int):
    row = model.objects.filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


@ops_finance_required
def ops_reference_minimum_wage_correct(request, pk: int):
    row = _row(MinimumWage, pk)
    initial = {
        "currency": row.currency,
        "hourly_minor": row.hourly_minor,
        "averaging_unit": row.averaging_unit,
        "effective_from": row.effective_from,
        "source_url": row.source_url,
        "legal_basis": row.legal_basis,
        "note": row.note,
    }
    return _propose_page(
        request,
        form=MinimumWageCorrectionForm(request.POST or None, initial=initial),
        title=f"Correct the minimum wage of {row.subdivision or row.country} from {row.effective_from:%d %B %Y}",
        intro="On approval this row is retired and the figures below take its place; nothing already paid is recomputed.",
        propose=lambda data: reference.reference_change_propose_minimum_wage_correction(
            actor=request.user, minimum_wage=row, **data
        ),
    )


@ops_finance_required
def ops_reference_minimum_wage_retire(request, pk: int):
    row = _row(MinimumWage, pk)
    return _propose_page(
        request,
        form=RetirementForm(request.POST or None),
        title=f"Retire the minimum wage of {row.subdivision or row.country} from {row.effective_from:%d %B %Y}",
        intro="On approval lookups skip this row; statements that used it keep it.",
        propose=lambda data: reference.reference_change_propose_minimum_wage_retirement(
            actor=request.user, minimum_wage=row, **data
        ),
    )


@ops_finance_required
def ops_reference_fx_rate_propose(request):
    return _propose_page(
        request,
        form=FxRateProposalForm(request.POST or None),
        title="Set an exchange rate by hand",
        intro="An override with a reason: on approval it replaces any rate of the same pair and day.",
        propose=lambda data: reference.reference_change_propose_fx_rate(actor=request.user, **data),
    )


@ops_finance_required
def ops_reference_fx_rate_retire(request, pk: int):
    row = _row(FxRate, pk)
    return _propose_page(
        request,
        form=RetirementForm(request.POST or None),
        title=f"Retire 1 {row.base} = {row.rate} {row.quote} from {row.effective_from:%d %B %Y}",
        intro="On approval lookups skip this rate; statements that used it keep it.",
        propose=lambda data: reference.reference_change_propose_fx_rate_retirement(
            actor=request.user, fx_rate=row, **data
        ),
    )


def _decide(request, pk: int, *, decide, done: str):
    change = _row(ReferenceChange, pk)
    form = ReferenceDecisionForm(request.POST, prefix=f"decide-{change.pk}")
    if not form.is_valid():
        return _render_reference(request, decision_forms={change.pk: form}, status=400)
    try:
        decide(change, form.cleaned_data["reason"])
    except ApplicationError as error:
        if error.fields:
            add_service_error(form, error)
            return _render_reference(request, decision_forms={change.pk: form}, status=error.status_code)
        return _render_reference(request, action_error=error.message, status=error.status_code)
    messages.success(request, done.format(pk=change.pk))
    return redirect("ops-reference")


@ops_finance_required
@require_POST
def ops_reference_change_approve(request, pk: int):
    return _decide(
        request,
        pk,
        decide=lambda change, reason: reference.reference_change_approve(
            actor=request.user, change=change, reason=reason
        ),
        done="Change #{pk} is approved and in the reference data.",
    )


@ops_finance_required
@require_POST
def ops_reference_change_reject(request, pk: int):
    return _decide(
        request,
        pk,
        decide=lambda change, reason: reference.reference_change_reject(
            actor=request.user, change=change, reason=reason
        ),
        done="Change #{pk} is rejected; nothing was written.",
    )


@ops_finance_required
@require_POST
def ops_reference_change_withdraw(request, pk: int):
    change = _row(ReferenceChange, pk)
    try:
        reference.reference_change_withdraw(actor=request.user, change=change)
    except ApplicationError as error:
        return _render_reference(request, action_error=error.message, status=error.status_code)
    messages.success(request, f"Change #{change.pk} is withdrawn.")
    return redirect("ops-reference")


@ops_required
def ops_minimum_wage_calendar(request):
    today = timezone.now().date()
    rows = selectors.minimum_wages_upcoming(after=today)
    return render(request, "payouts/minimum_wage_calendar.html", {"rows": rows, "today": today, "for_lab": False})


@lab_member_required
def lab_minimum_wage_calendar(request):
    """For a lab member, the places their labs' projects allow."""
    today = timezone.now().date()
    countries = countries_allowed_for_member(user=request.user)
    rows = selectors.minimum_wages_upcoming(after=today, countries=countries)
    return render(
        request,
        "payouts/minimum_wage_calendar.html",
        {"rows": rows, "today": today, "for_lab": True, "countries": countries},
    )
