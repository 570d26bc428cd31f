"""Payout pages: experts set up their payout account and follow their payouts; operations
prepare, approve and follow payout batches, place and release holds, and retry payouts.

Every change goes through ``payouts.payout_services``. A refused action is shown on the
page it was taken from, with what was typed kept: 403 when the rule is who may act (four
eyes), 409 when someone else got there first, 400 for anything else, 503 when Stripe
cannot be reached. Experts see only their own payouts; another batch, hold or payout id
answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import is_ops_finance
from config.decorators import expert_required, ops_finance_required, ops_required
from config.errors import ApplicationError
from contributors.forms import add_service_error
from contributors.selectors import contributor_by_email, contributor_for_user
from payouts import money
from payouts.forms import PayoutBatchCreateForm, PayoutHoldForm, PayoutHoldReleaseForm, PayoutStatusFilterForm
from payouts.models import Payout, PayoutBatch, PayoutBatchStatus, PayoutHold, PayoutStatus
from payouts.transfers.accounts import payout_account_onboarding_link
from payouts.transfers.batches import payout_batch_approve, payout_batch_create
from payouts.transfers.holds import payout_hold_place, payout_hold_release
from payouts.transfers.selectors import (
    carried_forward_of_expert,
    payout_account_of_expert,
    payout_batch_payouts,
    payout_batch_progress,
    payout_batches,
    payout_batches_progress,
    payout_hold_of_expert,
    payout_holds,
    payout_reason,
    payouts_of_expert,
)
from payouts.transfers.sending import payout_retry
from payouts.views.pay import week_label

BATCH_PAGE_SIZE = 25
PAYOUT_PAGE_SIZE = 50
HOLD_PAGE_SIZE = 50
# Statuses in the order a payout moves through them, for the batch's counts.
STATUS_ORDER = [
    PayoutStatus.PENDING,
    PayoutStatus.SUBMITTED,
    PayoutStatus.PAID,
    PayoutStatus.FAILED,
    PayoutStatus.REVERSED,
    PayoutStatus.HELD,
]
# What the expert is told to do next, by where their account stands.
ONBOARDING_BUTTON = {
    "not_started": "Set up payouts with Stripe",
    "onboarding": "Continue setting up with Stripe",
    "verifying": "Check my details with Stripe",
    "restricted": "Give Stripe what it needs",
    "active": "Update my payout details with Stripe",
}
ACCOUNT_STATUS_LABEL = {
    "not_started": "Not set up",
    "onboarding": "Setting up",
    "verifying": "Being verified",
    "restricted": "Needs information",
    "active": "Ready",
}


@dataclass(frozen=True)
class PayoutRow:
    payout: Payout
    week: str
    amount: str
    reason: str
    retried: bool


def _payout_rows(payouts) -> list[PayoutRow]:
    payouts = list(payouts)
    retried = set(Payout.objects.filter(replaces_id__in=[p.pk for p in payouts]).values_list("replaces_id", flat=True))
    return [
        PayoutRow(
            payout=payout,
            week=week_label(payout.statement.run.period),
            amount=money.format_money(payout.amount_minor, payout.currency),
            reason=payout_reason(payout),
            retried=payout.pk in retried,
        )
        for payout in payouts
    ]


# --- experts: my payouts ----------------------------------------------------------------


def _render_expert_payouts(request, *, error: str = "", status: int = 200):
    user = request.user
    account = payout_account_of_expert(user=user)
    page = Paginator(payouts_of_expert(user=user), PAYOUT_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "account": account,
        "account_label": ACCOUNT_STATUS_LABEL[account.status],
        "button": ONBOARDING_BUTTON[account.status],
        "has_profile": contributor_for_user(user=user) is not None,
        "hold": payout_hold_of_expert(user=user),
        "carried": [
            money.format_money(amount, currency) for currency, amount in carried_forward_of_expert(user=user).items()
        ],
        "page": page,
        "rows": _payout_rows(page.object_list),
        "error": error,
    }
    return render(request, "payouts/expert/payouts.html", context, status=status)


@expert_required
def expert_payouts(request):
    return _render_expert_payouts(request)


@expert_required
@require_POST
def expert_payout_onboarding(request):
    """Create the expert's Express account if needed, and send them to Stripe to set it up."""
    contributor = contributor_for_user(user=request.user)
    if contributor is None:
        return _render_expert_payouts(
            request,
            error="Fill in your profile first: your payout account is opened in the country you work from.",
            status=400,
        )
    back = request.build_absolute_uri(reverse("expert-payouts"))
    try:
        link = payout_account_onboarding_link(
            actor=request.user,
            contributor=contributor,
            return_url=settings.PAYOUT_ONBOARDING_RETURN_URL or back,
            refresh_url=settings.PAYOUT_ONBOARDING_REFRESH_URL or back,
        )
    except ApplicationError as error:
        return _render_expert_payouts(request, error=error.message, status=error.status_code)
    return redirect(link.url)


# --- operations: batches ----------------------------------------------------------------


def _progress(batch: PayoutBatch, figures: dict | None = None) -> dict:
    """The batch's live figures: counts by status, how far sending has got, and the amounts."""
    figures = figures or payout_batch_progress(batch=batch)
    counts = figures["counts"]
    to_send = sum(counts.values()) - counts[PayoutStatus.HELD]
    finished = counts[PayoutStatus.PAID] + counts[PayoutStatus.FAILED] + counts[PayoutStatus.REVERSED]
    # A draft has sent nothing; an approved batch with nothing to send is finished.
    percent = 0 if batch.status == PayoutBatchStatus.DRAFT else (finished * 100 // to_send if to_send else 100)
    amounts = [
        {
            "currency": currency,
            "due": money.format_money(
                sum(by_status[s] for s in (PayoutStatus.PENDING, PayoutStatus.SUBMITTED, PayoutStatus.PAID)), currency
            ),
            "sent": money.format_money(by_status["sent"], currency),
            "held": money.format_money(by_status[PayoutStatus.HELD], currency),
            "failed": money.format_money(by_status[PayoutStatus.FAILED], currency),
        }
        for currency, by_status in sorted(figures["amounts_minor"].items())
    ]
    line = f"{percent}% of the payouts due are finished"
    if figures["retrying"]:
        line += f" · {figures['retrying']} being retried after a temporary error"
    return {
        "line": line,
        # "Approved: sending" stops being true once every payout due has finished.
        "status_label": "Approved: sending finished" if figures["done"] else batch.get_status_display(),
        "counts": [
            {"status": status, "label": PayoutStatus(status).label, "count": counts[status]} for status in STATUS_ORDER
        ],
        "count_by_status": counts,
        "total": sum(counts.values()),
        "percent": percent,
        "done": figures["done"],
        "retrying": figures["retrying"],
        "held_by_reason": [
            {"reason": reason, "label": label, "count": figures["held_by_reason"][reason]}
            for reason, label in Payout._meta.get_field("hold_reason").choices
            if figures["held_by_reason"].get(reason)
        ],
        "carried_on": figures["carried_on"],
        "amounts": amounts,
    }


def _render_batches(request, form: PayoutBatchCreateForm | None = None, status: int = 200):
    page = Paginator(payout_batches(), BATCH_PAGE_SIZE).get_page(request.GET.get("page"))
    batches = list(page.object_list)
    figures = payout_batches_progress(batches=batches)
    rows = [
        {"batch": batch, "week": week_label(batch.run.period), "progress": _progress(batch, figures[batch.pk])}
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
        "progress": _progress(batch),
        "is_finance": is_ops_finance(user),
        "is_preparer": batch.prepared_by_id == user.pk,
        "action_error": action_error,
        "filter_form": form,
        "wanted": wanted,
        "wanted_label": PayoutStatus(wanted).label.lower() if wanted else "",
        "page": page,
        "rows": _payout_rows(page.object_list),
    }
    return render(request, "payouts/ops/batch_detail.html", context, status=status)


@ops_required
def ops_payout_batch(request, pk: int):
    return _render_batch(request, _batch_for_ops(pk))


@ops_required
def ops_payout_batch_progress(request, pk: int):
    """What the batch page polls while payouts are on their way."""
    batch = _batch_for_ops(pk)
    progress = _progress(batch)
    response = JsonResponse(
        {
            "status": batch.status,
            "finished": progress["done"],
            "percent": progress["percent"],
            "line": progress["line"],
            "done": progress["done"],
            "retrying": progress["retrying"],
            "counts": progress["count_by_status"],
            "amounts": progress["amounts"],
        }
    )
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
    messages.success(
        request,
        f"{money.format_money(retry.amount_minor, retry.currency)} for {payout.contributor.display_name} will be "
        "sent again with the next payout batch, once a second person approves it.",
    )
    return redirect("ops-payout-batch", pk=payout.batch_id)


# --- operations: holds ------------------------------------------------------------------


def _render_holds(
    request,
    *,
    form: PayoutHoldForm | None = None,
    release_forms: dict[int, PayoutHoldReleaseForm] | None = None,
    action_error: str = "",
    status: int = 200,
):
    show_all = request.GET.get("show") == "all"
    page = Paginator(payout_holds(active_only=not show_all), HOLD_PAGE_SIZE).get_page(request.GET.get("page"))
    finance = is_ops_finance(request.user)
    release_forms = release_forms or {}
    today = timezone.localdate()
    rows = [
        {
            "hold": hold,
            "overdue": hold.released_at is None and hold.review_by < today,
            "release_form": release_forms.get(hold.pk) or PayoutHoldReleaseForm(prefix=f"release-{hold.pk}"),
        }
        for hold in page
    ]
    if form is None and finance:
        form = PayoutHoldForm()
    context = {
        "page": page,
        "rows": rows,
        "form": form,
        "is_finance": finance,
        "show_all": show_all,
        "action_error": action_error,
    }
    return render(request, "payouts/ops/holds.html", context, status=status)


@ops_required
def ops_payout_holds(request):
    return _render_holds(request)


@ops_finance_required
@require_POST
def ops_payout_hold_place(request):
    form = PayoutHoldForm(request.POST)
    if form.is_valid():
        contributor = contributor_by_email(email=form.cleaned_data["expert_email"])
        if contributor is None:
            form.add_error("expert_email", "No expert has this email address.")
        else:
            try:
                hold = payout_hold_place(
                    actor=request.user,
                    contributor=contributor,
                    reason=form.cleaned_data["reason"],
                    review_by=form.cleaned_data["review_by"],
                )
            except ApplicationError as error:
                add_service_error(form, error)
                return _render_holds(request, form=form, status=error.status_code)
            messages.success(
                request,
                f"Payouts to {hold.contributor.display_name} are on hold until released; they have been told why.",
            )
            return redirect("ops-payout-holds")
    return _render_holds(request, form=form, status=400)


@ops_finance_required
@require_POST
def ops_payout_hold_release(request, pk: int):
    hold = PayoutHold.objects.select_related("contributor").filter(pk=pk).first()
    if hold is None:
        raise Http404
    form = PayoutHoldReleaseForm(request.POST, prefix=f"release-{hold.pk}")
    if form.is_valid():
        try:
            payout_hold_release(actor=request.user, hold=hold, note=form.cleaned_data["note"])
        except ApplicationError as error:
            # The hold may no longer be listed (released meanwhile), so the refusal goes on top.
            return _render_holds(request, action_error=error.message, status=error.status_code)
        messages.success(
            request,
            f"The hold on {hold.contributor.display_name}'s payouts is released; their pay goes out with the next batch.",
        )
        return redirect("ops-payout-holds")
    return _render_holds(request, release_forms={hold.pk: form}, status=400)
