"""Operations' list of labs by their published ratings, and one lab's comments."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from config.decorators import ops_required
from marketplace.models import Lab

from .. import selectors


@ops_required
@require_GET
def lab_list(request):
    summaries = list(selectors.summaries_for_operations()[:500])
    answers = selectors.answers_by_lab([summary.lab_id for summary in summaries])
    rows = [
        {
            "summary": summary,
            "answer": answers.get(summary.lab_id),
            "alert": summary.lowest < settings.RATINGS_ALERT_BELOW,
        }
        for summary in summaries
    ]
    return render(
        request,
        "ratings/ops_list.html",
        {
            "rows": rows,
            "threshold": settings.RATINGS_ALERT_BELOW,
            "unpublished": selectors.labs_without_summary_count(),
            "min_raters": selectors.min_raters(),
        },
    )


@ops_required
@require_GET
def lab_detail(request, pk: int):
    lab = get_object_or_404(Lab, pk=pk)
    summary = selectors.lab_summary(lab=lab)
    return render(
        request,
        "ratings/ops_lab.html",
        {
            "lab": lab,
            "summary": summary,
            "answer": selectors.lab_answer(lab=lab),
            "comments": selectors.published_comments(lab=lab),
            "threshold": settings.RATINGS_ALERT_BELOW,
        },
    )
