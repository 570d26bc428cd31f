"""An expert's assessments: starting an attempt and answering it within the time limit."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from config.decorators import expert_required
from config.errors import ApplicationError
from contributors.forms import add_service_error
from contributors.models import Contributor
from contributors.selectors import contributor_for_user

from .. import selectors, services
from ..forms import AttemptForm
from ..models import AttemptStatus
from .common import profile_first


def _render_assessments(request, contributor: Contributor | None, error: str = "", status: int = 200):
    attempts = list(selectors.attempts_of(contributor=contributor)) if contributor else []
    in_progress = {a.assessment_id: a for a in attempts if a.status == AttemptStatus.IN_PROGRESS}
    # Attempts are newest first, so the first submitted one of each assessment sets its wait.
    retake_from = {}
    for attempt in attempts:
        if attempt.status == AttemptStatus.SUBMITTED:
            retake_from.setdefault(attempt.assessment_id, attempt.retake_from)
    now = timezone.now()
    assessments = [
        (
            assessment,
            in_progress.get(assessment.pk),
            wait if (wait := retake_from.get(assessment.pk)) and wait > now else None,
        )
        for assessment in selectors.assessments_open()
    ]
    context = {"contributor": contributor, "assessments": assessments, "attempts": attempts, "error": error}
    return render(request, "vetting/expert/assessment_list.html", context, status=status)


@expert_required
def assessment_list(request):
    return _render_assessments(request, contributor_for_user(user=request.user))


@expert_required
@require_POST
def attempt_start(request, pk: int):
    contributor = contributor_for_user(user=request.user)
    if contributor is None:
        return profile_first(request)
    assessment = selectors.assessment_open(pk=pk)
    if assessment is None:
        raise Http404
    try:
        attempt = services.assessment_attempt_start(actor=request.user, contributor=contributor, assessment=assessment)
    except ApplicationError as error:
        return _render_assessments(request, contributor, error=error.message, status=400)
    return redirect("expert-attempt", pk=attempt.pk)


@expert_required
def attempt_detail(request, pk: int):
    attempt = selectors.attempt_of_expert(user=request.user, pk=pk)
    if attempt is None:
        raise Http404
    questions = attempt.questions
    status = 200
    form = None
    if attempt.status == AttemptStatus.IN_PROGRESS or request.method == "POST":
        form = AttemptForm(request.POST if request.method == "POST" else None, questions=questions)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.assessment_attempt_submit(actor=request.user, attempt=attempt, answers=form.answers())
            except ApplicationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, "Your answers are submitted.")
                return redirect("expert-attempt", pk=attempt.pk)
        status = 400
    context = {
        "attempt": attempt,
        "assessment": attempt.assessment,
        "form": form,
        "limit_at": attempt.started_at + timedelta(minutes=attempt.assessment.time_limit_minutes),
    }
    return render(request, "vetting/expert/attempt.html", context, status=status)
