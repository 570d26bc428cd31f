"""Operations: the queue of possible sanctions matches and the four-eyes review of each."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from audit.selectors import audit_event_list
from config.decorators import ops_required, ops_reviewer_required
from config.errors import ApplicationError
from contributors.forms import add_service_error

from .. import selectors
from ..forms import ProposeForm, SecondForm
from ..models import ReviewStatus, ScreeningReview
from ..services import screening_review_propose, screening_review_second


@ops_required
def ops_screening_queue(request):
    reviews = selectors.screening_reviews_open()
    return render(request, "screening/ops/review_queue.html", {"reviews": reviews[:500]})


def _review(pk: int) -> ScreeningReview:
    try:
        return selectors.screening_review_get(review_id=pk)
    except ScreeningReview.DoesNotExist:
        raise Http404 from None


def _render(request, review: ScreeningReview, status: int = 200, *, propose_form=None, second_form=None):
    proposed = review.status in (ReviewStatus.PROPOSED_CLEAR, ReviewStatus.PROPOSED_CONFIRM)
    context = {
        "review": review,
        "subject": review.subject,
        "matches": review.record.matches.all(),
        "records": selectors.screening_records_of(subject=review.subject, limit=20),
        "history": audit_event_list(target_type="screening.screeningreview", target_id=str(review.pk))[:50],
        "propose_form": propose_form or (ProposeForm() if review.status == ReviewStatus.POSSIBLE_MATCH else None),
        "second_form": second_form or (SecondForm() if proposed else None),
        "own_proposal": proposed and review.proposed_by_id == request.user.pk,
    }
    return render(request, "screening/ops/review.html", context, status=status)


@ops_required
def ops_screening_review(request, pk: int):
    return _render(request, _review(pk))


@ops_reviewer_required
@require_POST
def ops_screening_propose(request, pk: int):
    review = _review(pk)
    form = ProposeForm(request.POST)
    if form.is_valid():
        try:
            screening_review_propose(actor=request.user, review=review, **form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Proposal recorded; a second reviewer has to agree.")
            return redirect("ops-screening-review", pk=review.pk)
    return _render(request, review, status=400, propose_form=form)


@ops_reviewer_required
@require_POST
def ops_screening_second(request, pk: int):
    review = _review(pk)
    form = SecondForm(request.POST)
    if form.is_valid():
        try:
            review = screening_review_second(actor=request.user, review=review, **form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Review {review.get_status_display().lower()}.")
            return redirect("ops-screening-review", pk=review.pk)
    return _render(request, review, status=400, second_form=form)
