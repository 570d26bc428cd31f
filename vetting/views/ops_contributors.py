"""Operations: experts, their tiers (four eyes for the Expert tier), and opening a case about one."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import is_ops_reviewer
from config.decorators import ops_required, ops_reviewer_required
from config.errors import ApplicationError
from contributors.forms import (
    add_service_error,
    country_label,
    jurisdiction_rows,
    language_labels,
    subdivision_label,
)
from contributors.models import Contributor, Tier
from contributors.reference import SensitiveContent
from contributors.selectors import contributor_detail, contributor_list, jurisdiction_history

from .. import selectors, services
from ..forms import CaseOpenForm, ContributorFilterForm, DeclineForm, TierDecisionForm
from ..models import TierDecisionStatus
from .paging import page_of


@ops_required
def ops_contributor_list(request):
    form = ContributorFilterForm(request.GET)
    if form.is_valid():
        contributors, status = contributor_list(**form.cleaned_data), 200
    else:
        contributors, status = contributor_list().none(), 400
    context = {"form": form, "page": page_of(request, contributors)}
    return render(request, "vetting/ops/contributor_list.html", context, status=status)


def _contributor_for_ops(pk: int) -> Contributor:
    contributor = contributor_detail(pk=pk)
    if contributor is None:
        raise Http404
    return contributor


def _render_contributor(request, contributor: Contributor, status: int = 200, **forms_given):
    context = {
        "contributor": contributor,
        "tier_label": Tier(contributor.tier).label if contributor.tier else "",
        "country": country_label(contributor.country),
        "subdivision": subdivision_label(contributor.subdivision, contributor.country),
        "languages": language_labels(contributor.languages),
        "jurisdictions": jurisdiction_rows(
            jurisdiction_history(contributor=contributor),
            today=timezone.localdate(timezone=zoneinfo.ZoneInfo(contributor.timezone)),
        ),
        "opt_outs": [SensitiveContent(value).label for value in contributor.content_opt_outs],
        "credentials": selectors.credentials_of(contributor=contributor),
        "tier_history": selectors.tier_history(contributor=contributor),
        # Read beside the tier decision: results as corrected on review, not as first scored.
        "attempts": selectors.attempts_submitted_of(contributor=contributor)[:20],
        "cases": selectors.cases_of(contributor=contributor),
        "can_act": is_ops_reviewer(request.user),
        "tier_form": forms_given.get("tier_form") or TierDecisionForm(),
        "case_form": forms_given.get("case_form") or CaseOpenForm(),
    }
    return render(request, "vetting/ops/contributor_detail.html", context, status=status)


@ops_required
def ops_contributor(request, pk: int):
    return _render_contributor(request, _contributor_for_ops(pk))


@ops_reviewer_required
@require_POST
def ops_tier_propose(request, pk: int):
    contributor = _contributor_for_ops(pk)
    form = TierDecisionForm(request.POST)
    if form.is_valid():
        try:
            decision = services.tier_decision_propose(
                actor=request.user,
                contributor=contributor,
                tier=form.cleaned_data["tier"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            if decision.status == TierDecisionStatus.PENDING_APPROVAL:
                messages.success(request, "Proposed. Another reviewer has to approve the move to the Expert tier.")
            else:
                messages.success(request, f"Tier set to {decision.get_to_tier_display()}.")
            return redirect("ops-contributor", pk=contributor.pk)
    return _render_contributor(request, contributor, status=400, tier_form=form)


@ops_reviewer_required
@require_POST
def ops_case_open(request, pk: int):
    contributor = _contributor_for_ops(pk)
    form = CaseOpenForm(request.POST)
    if form.is_valid():
        try:
            case = services.deactivation_case_open(
                actor=request.user, contributor=contributor, concern=form.cleaned_data["concern"]
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Case opened; the expert has been warned.")
            return redirect("ops-case", pk=case.pk)
    return _render_contributor(request, contributor, status=400, case_form=form)


def _render_pending_tiers(request, status: int = 200, failed_pk: int | None = None, **forms_given):
    rows = []
    for decision in selectors.tier_decisions_pending():
        failed = decision.pk == failed_pk
        rows.append(
            {
                "decision": decision,
                "own": decision.proposed_by_id == request.user.pk,
                "approve_form": (failed and forms_given.get("approve_form")) or forms.Form(),
                "decline_form": (failed and forms_given.get("decline_form"))
                or DeclineForm(auto_id=f"decline{decision.pk}_%s"),
            }
        )
    return render(request, "vetting/ops/tier_pending.html", {"rows": rows}, status=status)


@ops_reviewer_required
def ops_tier_pending(request):
    return _render_pending_tiers(request)


def _pending_decision(pk: int):
    decision = selectors.tier_decision_pending(pk=pk)
    if decision is None:
        raise Http404
    return decision


@ops_reviewer_required
@require_POST
def ops_tier_approve(request, pk: int):
    decision = _pending_decision(pk)
    form = forms.Form(request.POST)
    form.is_valid()
    try:
        decision = services.tier_decision_approve(actor=request.user, decision=decision)
    except ApplicationError as error:
        add_service_error(form, error)
        return _render_pending_tiers(request, status=400, failed_pk=pk, approve_form=form)
    messages.success(
        request, f"Approved: {decision.contributor.display_name} is now in the {decision.get_to_tier_display()} tier."
    )
    return redirect("ops-tiers")


@ops_reviewer_required
@require_POST
def ops_tier_decline(request, pk: int):
    decision = _pending_decision(pk)
    form = DeclineForm(request.POST, auto_id=f"decline{pk}_%s")
    if form.is_valid():
        try:
            services.tier_decision_decline(actor=request.user, decision=decision, reason=form.cleaned_data["reason"])
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"The proposal for {decision.contributor.display_name} is declined.")
            return redirect("ops-tiers")
    return _render_pending_tiers(request, status=400, failed_pk=pk, decline_form=form)
