"""Quality: an expert's scores with what went into them, and a project's scores, agreement,
reviewers and gold tasks for its lab."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from config.decorators import expert_required, lab_member_required
from config.errors import ApplicationError
from contributors.selectors import contributor_for_user

from .. import permissions, selectors, services
from ..forms import GoldAnswerForm, place_service_error
from ..models import Project
from ..presenters.quality import alpha_text, alpha_verdict, quality_row, reviewer_rows
from ..services.quality import WEIGHTS as QUALITY_WEIGHTS
from .common import error_text, member_project, raise_if_forbidden


@expert_required
def expert_quality(request):
    contributor = contributor_for_user(user=request.user)
    scores = list(selectors.quality_scores_of_expert(contributor=contributor)) if contributor else []
    context = {
        "contributor": contributor,
        "rows": [quality_row(score) for score in scores],
        "weights": QUALITY_WEIGHTS,
    }
    return render(request, "marketplace/expert_quality.html", context)


def _render_lab_quality(request, project: Project, *, gold_form: GoldAnswerForm | None = None, status: int = 200):
    can_edit = permissions.can_edit_projects(selectors.lab_role_of(user=request.user, lab=project.lab))
    scores = list(selectors.quality_scores_of_project(project=project))
    alpha = scores[0].inputs.get("project_alpha") if scores and isinstance(scores[0].inputs, dict) else None
    context = {
        "project": project,
        "lab": project.lab,
        "can_edit": can_edit,
        "alpha": alpha_text(alpha),
        "alpha_verdict": alpha_verdict(alpha),
        "scored": bool(scores),
        "computed_at": max((score.computed_at for score in scores), default=None),
        "rows": [quality_row(score) for score in scores],
        "reviewers": reviewer_rows(selectors.reviewer_scores(project=project)),
        "gold_answers": list(selectors.gold_answers_of(project=project)[:500]),
        "gold_form": gold_form or (GoldAnswerForm(auto_id="id_gold_%s") if can_edit else None),
        "weights": QUALITY_WEIGHTS,
        "overlap": project.overlap,
    }
    return render(request, "lab/project_quality.html", context, status=status)


@lab_member_required
def lab_quality(request, pk: int):
    return _render_lab_quality(request, member_project(request, pk))


@lab_member_required
@require_POST
def lab_gold_add(request, pk: int):
    project = member_project(request, pk)
    form = GoldAnswerForm(request.POST, auto_id="id_gold_%s")
    if form.is_valid():
        try:
            gold = services.gold_answer_add(actor=request.user, project=project, **form.cleaned_data)
        except ApplicationError as error:
            raise_if_forbidden(error)
            place_service_error(form, error)
        else:
            messages.success(
                request, f"Task {gold.task_reference} is now a gold task. Recompute to see it in the scores."
            )
            return redirect(reverse("lab-quality", kwargs={"pk": project.pk}) + "#gold")
    return _render_lab_quality(request, project, gold_form=form, status=400)


@lab_member_required
@require_POST
def lab_quality_recompute(request, pk: int):
    project = member_project(request, pk)
    try:
        result = services.quality_scores_compute(actor=request.user, project=project)
    except ApplicationError as error:
        raise_if_forbidden(error)
        messages.error(request, error_text(error))
        return _render_lab_quality(request, project, status=400)
    experts = result["experts"]
    if experts:
        messages.success(request, f"Scores recomputed for {experts} expert{'s' if experts != 1 else ''}.")
    else:
        messages.info(request, "No task submissions yet, so there is nothing to score.")
    return redirect("lab-quality", pk=project.pk)
