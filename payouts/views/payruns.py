"""Operations run a pay week, follow it while it computes, read its statements and approve it.

A refused start is shown on the form with what was typed kept (400). A refused approval is
shown on the run's page: 403 when the rule is who may approve (four eyes), 400 when the run
is no longer a draft.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import is_ops_finance
from config.decorators import ops_finance_required, ops_required
from config.errors import ApplicationError, NotPermitted
from contributors.forms import add_service_error
from marketplace.selectors import fundings_held_for_operations
from payouts.forms import PayRunStartForm, StatementSearchForm
from payouts.models import PayRun, PayRunStatus
from payouts.payruns.selectors import pay_run_statements, pay_run_totals, pay_runs, weeks_not_yet_run
from payouts.payruns.services import pay_run_approve, pay_run_start
from payouts.presenters.labels import week_label
from payouts.presenters.payruns import (
    run_progress,
    run_progress_json,
    run_rows,
    statement_row,
    totals_rows,
    upcoming_weeks,
)

from .common import RUNS_WITH_STATEMENTS, last_week_start, run_for_ops

RUN_PAGE_SIZE = 25
STATEMENT_PAGE_SIZE = 50


def _render_runs(request, start_form: PayRunStartForm | None = None, status: int = 200):
    now = timezone.now()
    page = Paginator(pay_runs(), RUN_PAGE_SIZE).get_page(request.GET.get("page"))
    if start_form is None and is_ops_finance(request.user):
        start_form = PayRunStartForm(initial={"period_start": last_week_start()})
    context = {
        "page": page,
        "rows": run_rows(list(page.object_list)),
        "upcoming": upcoming_weeks(weeks_not_yet_run(now=now), now=now),
        "start_form": start_form,
        # Held by settlement (``marketplace/services/funding.py``): finance decide what happens to each.
        "held_fundings": list(fundings_held_for_operations()[:50]),
    }
    return render(request, "payouts/ops/run_list.html", context, status=status)


@ops_required
def ops_pay_runs(request):
    return _render_runs(request)


@ops_finance_required
@require_POST
def ops_pay_run_start(request):
    form = PayRunStartForm(request.POST)
    if form.is_valid():
        try:
            run = pay_run_start(actor=request.user, period_start=form.cleaned_data["period_start"])
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                f"Pay run started for the week of {week_label(run.period)}. "
                "The week is locked: no work dated in it can be added or changed.",
            )
            return redirect("ops-pay-run", pk=run.pk)
    return _render_runs(request, start_form=form, status=400)


def _render_run(request, run: PayRun, *, approve_error: str = "", status: int = 200):
    user = request.user
    context = {
        "run": run,
        "week": week_label(run.period),
        "is_finance": is_ops_finance(user),
        "is_preparer": run.prepared_by_id == user.pk,
        "approve_error": approve_error,
        "other_runs": [other for other in pay_runs().filter(period=run.period) if other.pk != run.pk],
    }
    if run.status == PayRunStatus.COMPUTING:
        context["progress"] = run_progress(run)
    if run.status in RUNS_WITH_STATEMENTS:
        form = StatementSearchForm(request.GET)
        search = form.cleaned_data["search"] if form.is_valid() else ""
        statements = pay_run_statements(run=run, search=search)
        page = Paginator(statements, STATEMENT_PAGE_SIZE).get_page(request.GET.get("page"))
        totals = totals_rows(pay_run_totals(run_ids=[run.pk])[run.pk])
        context |= {
            "totals": totals,
            "show_adjustments": any(row.has_adjustments for row in totals),
            "search_form": form,
            "search": search,
            "page": page,
            "statement_rows": [statement_row(statement) for statement in page.object_list],
        }
    return render(request, "payouts/ops/run_detail.html", context, status=status)


@ops_required
def ops_pay_run(request, pk: int):
    return _render_run(request, run_for_ops(pk))


@ops_required
def ops_pay_run_progress(request, pk: int):
    """What the run page polls while a run computes; the page reloads once it is done."""
    response = JsonResponse(run_progress_json(run_for_ops(pk)))
    response["Cache-Control"] = "no-store"
    return response


@ops_finance_required
@require_POST
def ops_pay_run_approve(request, pk: int):
    run = run_for_ops(pk)
    try:
        pay_run_approve(actor=request.user, run=run)
    except NotPermitted as error:
        # Four eyes: the preparer is refused on the page they acted from, not on a bare 403.
        return _render_run(request, run, approve_error=error.message, status=403)
    except ApplicationError as error:
        return _render_run(request, run_for_ops(pk), approve_error=error.message, status=400)
    messages.success(
        request,
        f"Pay run for {week_label(run.period)} approved and booked to the ledger. Experts can now read their statements.",
    )
    return redirect("ops-pay-run", pk=run.pk)
