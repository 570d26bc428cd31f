"""An expert's payouts: their payout account at Stripe, any hold, and each week's payout.

Experts see only their own payouts. A refused onboarding is shown on the page (400 without a
profile, 503 when Stripe cannot be reached).
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from config.decorators import expert_required
from config.errors import ApplicationError
from contributors.selectors import contributor_for_user
from payouts.models import PayoutHoldReason
from payouts.presenters.payouts import ACCOUNT_STATUS_LABEL, ONBOARDING_BUTTON, payout_rows
from payouts.transfers.accounts import payout_account_onboarding_link
from payouts.transfers.compliance import compliance_blocks
from payouts.transfers.selectors import (
    carried_forward_of_expert,
    payout_account_of_expert,
    payout_hold_of_expert,
    payouts_of_expert,
)

PAYOUT_PAGE_SIZE = 50


def _compliance_hold(user) -> dict | None:
    """The legal requirement holding this expert's payouts today, if any, in their words."""
    contributor = contributor_for_user(user=user)
    if contributor is None:
        return None
    found = compliance_blocks(contributor_ids=[contributor.pk], on=timezone.now().date()).get(contributor.pk)
    if found is None:
        return None
    reason, words = found
    return {"label": PayoutHoldReason(reason).label, "words": words, "contributor_id": contributor.pk}


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
        "compliance_hold": _compliance_hold(user),
        # (currency, minor units) pairs.
        "carried": list(carried_forward_of_expert(user=user).items()),
        "page": page,
        "rows": payout_rows(page.object_list),
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
