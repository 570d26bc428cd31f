"""Funding a draft project by card; Stripe's webhook confirms it (``payouts.webhooks``)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from config.decorators import lab_member_required
from config.errors import ApplicationError
from payouts.gateway.stripe_api import TEST_PAYMENT_METHODS

from .. import services
from ..forms import FundingForm
from .common import error_text, member_project, raise_if_forbidden, test_cards_allowed
from .projects import render_project


@lab_member_required
@require_POST
def project_fund(request, pk: int):
    project = member_project(request, pk)
    form = FundingForm(request.POST)
    if not form.is_valid():
        return render_project(request, project, status=400, errors={"funding": "Choose one of the test cards."})
    if not test_cards_allowed():
        return render_project(request, project, status=400, errors={"funding": "Test cards work only in test mode."})
    method = TEST_PAYMENT_METHODS[form.cleaned_data["card"]]
    try:
        services.project_funding_start(actor=request.user, project=project, payment_method=method)
    except ApplicationError as error:
        raise_if_forbidden(error)
        return render_project(request, project, status=400, errors={"funding": error_text(error)})
    messages.info(request, "Payment sent. Waiting for Stripe to confirm; refresh in a moment.")
    return redirect(reverse("lab-project", kwargs={"pk": project.pk}) + "#funding")
