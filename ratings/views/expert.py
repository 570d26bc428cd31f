"""The expert rates the labs of their engagements."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from config.decorators import expert_required
from config.errors import ApplicationError
from contributors.forms import add_service_error

from .. import selectors
from ..forms import RatingForm
from ..services import lab_rate


def _contributor(user):
    return getattr(user, "contributor", None)


@expert_required
@require_GET
def due(request):
    contributor = _contributor(request.user)
    return render(
        request,
        "ratings/due.html",
        {
            "due": selectors.ratings_due_for(contributor=contributor),
            "receipts": selectors.receipts_of(contributor=contributor)[:50] if contributor else [],
        },
    )


@expert_required
@require_http_methods(["GET", "POST"])
def rate(request, pk: int):
    engagement = selectors.engagement_of_expert(user=request.user, pk=pk)
    if engagement is None:
        raise Http404
    form = RatingForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                lab_rate(actor=request.user, engagement=engagement, **form.cleaned_data)
            except ApplicationError as error:
                add_service_error(form, error)
                status = getattr(error, "status_code", 400)
            else:
                messages.success(
                    request,
                    f"Thank you. Your rating of {engagement.project.lab.name} counts in its next monthly average.",
                )
                return redirect("lab-ratings-due")
    return render(
        request,
        "ratings/rate.html",
        {"engagement": engagement, "due": selectors.rating_due(engagement=engagement), "form": form},
        status=status,
    )
