"""A person's automated decisions, asking for a person to review one, and reading the answer."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from config.decorators import expert_or_lab_member_required
from config.errors import ApplicationError
from contributors.forms import add_service_error

from .. import selectors
from ..decisions import decision_find
from ..forms import ReviewRequestForm
from ..services import review_request_open
from ..systems import REVIEW_DAYS


@expert_or_lab_member_required
def my_decisions(request):
    return render(
        request,
        "oversight/my_decisions.html",
        {
            "decisions": selectors.decisions_about(user=request.user),
            "requests": selectors.review_requests_of(user=request.user)[:100],
            "review_days": REVIEW_DAYS,
        },
    )


@expert_or_lab_member_required
def request_new(request, system: str, subject_id: int):
    decision = decision_find(user=request.user, system_key=system, subject_id=subject_id)
    form = ReviewRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                review = review_request_open(
                    actor=request.user,
                    system=system,
                    subject_id=subject_id,
                    statement=form.cleaned_data["statement"],
                )
            except ApplicationError as error:
                add_service_error(form, error)
                status = getattr(error, "status_code", 400)
            else:
                messages.success(request, f"Your request is with operations. They answer by {review.due_at:%d %B %Y}.")
                return redirect("oversight-my-request", pk=review.pk)
    return render(
        request,
        "oversight/request_new.html",
        {"decision": decision, "form": form, "review_days": REVIEW_DAYS},
        status=status,
    )


@expert_or_lab_member_required
def my_request(request, pk: int):
    review = selectors.review_request_of(user=request.user, pk=pk)
    if review is None:
        raise Http404
    overdue = review.is_open and timezone.now() > review.due_at
    return render(request, "oversight/my_request.html", {"review": review, "overdue": overdue})
