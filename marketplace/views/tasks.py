"""An expert's per-task work on an engagement: submitting tasks and following their review."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from config.decorators import expert_required
from config.errors import ApplicationError
from payouts.weeks import week_of

from .. import services
from ..forms import ReasonForm, TaskSubmitForm, place_service_error
from ..instruction_selectors import instruction_unread
from ..models import Engagement, EngagementStatus, PayModel, ReviewStatus
from ..presenters.pay import Pay
from ..presenters.work import HELD_EXPLANATION, local_today, stop_notice, task_rows
from ..running import engagement_stops
from .common import raise_if_forbidden
from .timesheet import own_engagement


def render_tasks(
    request,
    engagement: Engagement,
    *,
    form: TaskSubmitForm | None = None,
    appeal: tuple[int, ReasonForm] | None = None,
    status: int = 200,
):
    per_task = engagement.pay_model == PayModel.PER_TASK
    active = engagement.status == EngagementStatus.ACTIVE
    estimate = engagement.task_estimate_minutes
    context = {
        "engagement": engagement,
        "project": engagement.project,
        "pay": Pay.of_engagement(engagement),
        "instructions_unread": instruction_unread(engagement=engagement),
        "per_task": per_task,
        "active": active,
        "stop_notice": stop_notice(engagement, engagement_stops(engagement), request.user.timezone),
        "estimate": estimate,
        "half_estimate": (estimate + 1) // 2 if estimate else None,
        "form": form or (TaskSubmitForm() if per_task and active else None),
        "rows": task_rows(engagement, appeal),
        "held_explanation": HELD_EXPLANATION,
        "this_week": week_of(local_today(request.user.timezone))[0],
    }
    return render(request, "marketplace/tasks.html", context, status=status)


@expert_required
def expert_tasks(request, pk: int):
    _, engagement = own_engagement(request, pk)
    return render_tasks(request, engagement)


@expert_required
@require_POST
def expert_task_submit(request, pk: int):
    _, engagement = own_engagement(request, pk)
    form = TaskSubmitForm(request.POST)
    if form.is_valid():
        try:
            task = services.task_submit(
                actor=request.user,
                engagement=engagement,
                task_reference=form.cleaned_data["task_reference"],
                minutes=form.cleaned_data["minutes"],
                answer=form.answer(),
            )
        except ApplicationError as error:
            raise_if_forbidden(error)
            place_service_error(form, error)
        else:
            if task.status == ReviewStatus.HELD:
                messages.info(request, f"Task {task.task_reference} is submitted and held: {HELD_EXPLANATION}")
            else:
                messages.success(request, f"Task {task.task_reference} is submitted and waits for review.")
            return redirect(reverse("expert-tasks", kwargs={"pk": engagement.pk}) + f"#task-{task.pk}")
    return render_tasks(request, engagement, form=form, status=400)
