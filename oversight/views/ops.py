"""Operations' queue of review requests, oldest first, and deciding one with reasons."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from config.decorators import ops_required, ops_reviewer_required
from config.errors import ApplicationError
from contributors.forms import add_service_error

from .. import selectors
from ..decisions import NO_AUTOMATIC_EFFECT, SUBJECTS, decision_find
from ..forms import ReviewDecisionForm
from ..services import review_request_decide
from ..systems import BY_KEY

PAGE_SIZE = 50


@ops_required
def queue(request):
    show_all = request.GET.get("all") == "1"
    overdue_only = request.GET.get("overdue") == "1"
    rows = selectors.review_queue_overdue() if overdue_only else selectors.review_queue(include_decided=show_all)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "oversight/ops_queue.html",
        {
            "page": page,
            "rows": selectors.queue_rows(page.object_list),
            "show_all": show_all,
            "overdue_only": overdue_only,
            "overdue_count": selectors.review_queue_overdue().count(),
        },
    )


def _render_request(request, review, *, form=None, status: int = 200):
    row = selectors.queue_rows([review])[0]
    can_decide = review.is_open and request.user.pk not in (review.configured_by_id, review.requester_id)
    system = BY_KEY[review.system]
    subject = SUBJECTS.get(system.subject)
    decision = None
    if review.is_open:
        try:
            decision = decision_find(user=review.requester, system_key=review.system, subject_id=review.subject_id)
        except Http404:
            decision = None
    return render(
        request,
        "oversight/ops_request.html",
        {
            "row": row,
            "review": review,
            "system": system,
            "figure": subject.figure if subject else "",
            "overturn_does": (decision.overturn_does or NO_AUTOMATIC_EFFECT.get(system.key, "")) if decision else "",
            "still_applies": decision is not None,
            "form": form or (ReviewDecisionForm() if review.is_open else None),
            "can_decide": can_decide,
        },
        status=status,
    )


def _get(pk: int):
    review = selectors.review_request_get(pk=pk)
    if review is None:
        raise Http404
    return review


@ops_required
def request_detail(request, pk: int):
    return _render_request(request, _get(pk))


@ops_reviewer_required
@require_POST
def decide(request, pk: int):
    review = _get(pk)
    form = ReviewDecisionForm(request.POST)
    if form.is_valid():
        try:
            review_request_decide(
                actor=request.user,
                request=review,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
                corrected_score=form.cleaned_data.get("corrected_score"),
            )
        except ApplicationError as error:
            add_service_error(form, error)
            return _render_request(request, _get(pk), form=form, status=getattr(error, "status_code", 400))
        messages.success(request, "Decided. The person is told, with your reasons.")
        return redirect("oversight-ops-request", pk=review.pk)
    return _render_request(request, review, form=form, status=400)
