"""Operations prepare, approve and follow payout batches, and send a failed payout again.

A refused action is shown on the page it was taken from: 403 when the rule is who may act
(four eyes), 409 when someone else got there first, 400 for anything else, 503 when Stripe
cannot be reached.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import is_ops_finance
from config.decorators import ops_finance_required, ops_required
from config.errors import ApplicationError
from contributors.forms import add_service_error
from payouts.forms import PayoutBatchCreateForm, PayoutStatusFilterForm
from payouts.models import Payout, PayoutBatch, PayoutStatus
from payouts.presenters.labels import week_label
from payouts.presenters.payouts import batch_progress, payout_retry_message, payout_rows
from payouts.transfers.batches import payout_batch_approve, payout_batch_create
from payouts.transfers.selectors import payout_batch_payouts, payout_batches, payout_batches_progress
from payouts.transfers.sending import payout_retry

BATCH_PAGE_SIZE = 25
PAYOUT_PAGE_SIZE = 50


def _render_batches(request, form: PayoutBatchCreateForm | None = None, status: int = 200):
    page = Paginator(payout_batches(), BATCH_PAGE_SIZE).get_page(request.GET.get("page"))
    batches = list(page.object_list)
    figures = payout_batches_progress(batches=batches)
    rows = [
        {"batch": batch, "week": week_label(batch.run.period), "progress": batch_progress(batch, figures[batch.pk])}
        for batch in batches
    ]
    if form is None and is_ops_finance(request.user):
        form = PayoutBatchCreateForm()
    context = {"page": page, "rows": rows, "form": form}
    return render(request, "payouts/ops/batch_list.html", context, status=status)


@ops_required
def ops_payout_batches(request):
    return _render_batches(request)


@ops_finance_required
@require_POST
def ops_payout_batch_create(request):
    form = PayoutBatchCreateForm(request.POST)
    if form.is_valid():
        try:
            batch = payout_batch_create(actor=request.user, run=form.cleaned_data["pay_run"])
        except ApplicationError as error:
            add_service_error(form, error)
            return _render_batches(request, form=form, status=error.status_code)
        messages.success(
            request,
            f"Payout batch prepared for the week of {week_label(batch.run.period)}. "
            "Another operations finance colleague approves it before anything is sent.",
        )
        return redirect("ops-payout-batch", pk=batch.pk)
    return _render_batches(request, form=form, status=400)


def _batch_for_ops(pk: int) -> PayoutBatch:
    batch = payout_batches().filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch


def _render_batch(request, batch: PayoutBatch, *, action_error: str = "", status: int = 200):
    user = request.user
    form = PayoutStatusFilterForm(request.GET)
    wanted = form.cleaned_data["status"] if form.is_valid() else ""
    page = Paginator(payout_batch_payouts(batch=batch, status=wanted), PAYOUT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "batch": batch,
        "week": week_label(batch.run.period),
        "progress": batch_progress(batch),
        "is_finance": is_ops_finance(user),
        "is_preparer": batch.prepared_by_id == user.pk,
        "action_error": action_error,
        "filter_form": form,
        "wanted": wanted,
        "wanted_label": PayoutStatus(wanted).label.lower() if wanted else "",
        "page": page,
        "rows": payout_rows(page.object_list),
    }
    return render(request, "payouts/ops/batch_detail.html", context, status=status)


@ops_required
def ops_payout_batch(request, pk: int):
    return _render_batch(request, _batch_for_ops(pk))


@ops_required
def ops_payout_batch_progress(request, pk: int):
    """What the batch page polls while payouts are on their way."""
    response = JsonResponse(batch_progress(_batch_for_ops(pk)).as_json())
    response["Cache-Control"] = "no-store"
    return response


@ops_finance_required
@require_POST
def ops_payout_batch_approve(request, pk: int):
    batch = _batch_for_ops(pk)
    try:
        payout_batch_approve(actor=request.user, batch=batch)
    except ApplicationError as error:
        return _render_batch(request, _batch_for_ops(pk), action_error=error.message, status=error.status_code)
    messages.success(
        request,
        f"Payout batch for {week_label(batch.run.period)} approved: the payouts are on their way to Stripe.",
    )
    return redirect("ops-payout-batch", pk=batch.pk)


@ops_finance_required
@require_POST
def ops_payout_retry(request, pk: int):
    payout = Payout.objects.select_related("batch").filter(pk=pk).first()
    if payout is None:
        raise Http404
    try:
        retry = payout_retry(actor=request.user, payout=payout)
    except ApplicationError as error:
        return _render_batch(
            request, _batch_for_ops(payout.batch_id), action_error=error.message, status=error.status_code
        )
    messages.success(request, payout_retry_message(retry=retry, payout=payout))
    return redirect("ops-payout-batch", pk=payout.batch_id)
