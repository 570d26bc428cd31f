"""Operations place and release holds on an expert's payouts; a hold never stops their pay.

A refused action is shown on the holds page with what was typed kept: 409 when someone else
got there first, 400 for anything else.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import is_ops_finance
from config.decorators import ops_finance_required, ops_required
from config.errors import ApplicationError
from contributors.forms import add_service_error
from contributors.selectors import contributor_by_email
from payouts.forms import PayoutHoldForm, PayoutHoldReleaseForm
from payouts.models import PayoutHold
from payouts.transfers.holds import payout_hold_place, payout_hold_release
from payouts.transfers.selectors import payout_holds

HOLD_PAGE_SIZE = 50


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
