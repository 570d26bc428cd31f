"""Reviewing work: the lab approves or rejects time entries and tasks and decides appeals;
the expert appeals a rejection."""

from __future__ import annotations

import re
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from config.decorators import expert_required, lab_member_required
from config.errors import ApplicationError, NotPermitted
from payouts.weeks import week_of

from .. import permissions, selectors, services
from ..evidence import late_evidence_response
from ..forms import AppealDecisionForm, ReasonForm, RejectForm, ReviewFilterForm, place_service_error
from ..instruction_selectors import instruction_version
from ..models import APPROVED_STATUSES, Project
from ..presenters.review import DECIDE_LABEL, REJECT_LABEL, item_label, review_rows
from ..presenters.work import APPEAL_LABEL, zone
from .common import error_text, member_project, raise_if_forbidden
from .tasks import render_tasks
from .timesheet import render_timesheet, timesheet_url

WORK_KINDS = {"time-entries": "time entry", "tasks": "task"}
_BULK_KEY = re.compile(r"^(time-entries|tasks):([0-9]{1,18})$")


def _project_item_lookup(kind: str):
    return selectors.time_entry_of_project if kind == "time-entries" else selectors.task_of_project


def _review_item(project: Project, kind: str, pk: int):
    if kind not in WORK_KINDS:
        raise Http404
    item = _project_item_lookup(kind)(project=project, pk=pk)
    if item is None:
        raise Http404
    return item


def _review_filters(request, project: Project) -> ReviewFilterForm:
    projects = list(selectors.projects_of_lab(user=request.user, lab=project.lab).values_list("pk", "title"))
    data = request.GET.copy() if request.GET else None
    if data is not None and not data.get("project"):
        data["project"] = str(project.pk)
    return ReviewFilterForm(
        data,
        initial={"project": str(project.pk)},
        projects=projects,
        experts=selectors.review_queue_experts(project=project),
    )


def _render_review(
    request,
    project: Project,
    *,
    error: tuple[str, int, str, object] | None = None,
    bulk: dict | None = None,
    status: int = 200,
):
    """The queue; ``error`` is (kind, pk, which form, the form or a message) for the item that failed."""
    role = selectors.lab_role_of(user=request.user, lab=project.lab)
    filters = _review_filters(request, project)
    wanted = {"expert": None, "kind": "", "waiting": None}
    if filters.is_bound and filters.is_valid():
        wanted = filters.cleaned_data
    elif filters.is_bound:
        status = 400
    entries, tasks = selectors.review_queue(
        project=project,
        contributor_id=wanted["expert"],
        waiting_since=timezone.now() - timedelta(days=wanted["waiting"]) if wanted["waiting"] else None,
    )
    rows = review_rows(
        project, entries, tasks, reviewer_id=request.user.pk, viewer_tz=zone(request.user.timezone), error=error
    )
    kind = wanted["kind"]
    sections = {"routed": "routed", "appeals": "appeals", "entries": "time-entries", "tasks": "tasks"}
    shown = {name: rows[name] if kind in ("", wanted_kind) else [] for name, wanted_kind in sections.items()}
    approvable = [row["key"] for name in ("routed", "entries", "tasks") for row in shown[name]]
    context = {
        "project": project,
        "lab": project.lab,
        "role_label": permissions.role_label(role),
        "can_review": permissions.can_review_work(role),
        **shown,
        "kind": kind,
        "filters": filters,
        "filtered": any(wanted.get(name) for name in ("expert", "kind", "waiting")),
        "query": _query(request),
        "approvable": approvable,
        "queue_max": selectors.REVIEW_QUEUE_MAX,
        "window_days": project.review_window_days,
        "appeal_days": project.appeal_window_days,
        "bulk": bulk,
    }
    return render(request, "lab/review_queue.html", context, status=status)


def _query(request) -> str:
    """The queue's filters, kept on the forms' addresses and on the way back."""
    query = request.GET.copy()
    query.pop("project", None)
    return query.urlencode()


@lab_member_required
def lab_review(request, pk: int):
    project = member_project(request, pk)
    wanted = request.GET.get("project", "")
    if wanted.isdigit() and int(wanted) != project.pk:
        # Another of the lab's projects chosen in the filters: its queue, with the same filters.
        other = selectors.projects_of_lab(user=request.user, lab=project.lab).filter(pk=int(wanted)).first()
        if other is not None:
            query = _query(request)
            return redirect(reverse("lab-review", kwargs={"pk": other.pk}) + (f"?{query}" if query else ""))
    return _render_review(request, project)


def _review_redirect(project: Project, anchor: str = "", query: str = "") -> object:
    address = reverse("lab-review", kwargs={"pk": project.pk}) + (f"?{query}" if query else "")
    return redirect(address + (f"#{anchor}" if anchor else ""))


@lab_member_required
@require_POST
def lab_review_approve(request, pk: int, kind: str, item_pk: int):
    project = member_project(request, pk)
    item = _review_item(project, kind, item_pk)
    try:
        services.work_approve(actor=request.user, item=item)
    except ApplicationError as error:
        raise_if_forbidden(error)
        return _render_review(request, project, error=(kind, item.pk, "approve", error_text(error)), status=400)
    messages.success(request, f"Approved: {item_label(kind, item)}.")
    return _review_redirect(project, query=_query(request))


@lab_member_required
@require_POST
def lab_review_reject(request, pk: int, kind: str, item_pk: int):
    project = member_project(request, pk)
    item = _review_item(project, kind, item_pk)
    form = RejectForm(request.POST, label=REJECT_LABEL, auto_id=f"id_reject_{kind}_{item.pk}_%s")
    if form.is_valid():
        number = form.cleaned_data["cites_version"]
        cites = instruction_version(project=project, number=number) if number else None
        try:
            if number and cites is None:
                raise ApplicationError(
                    "No such version.", fields={"cites_version": ["This project has no version with that number."]}
                )
            services.work_reject(
                actor=request.user,
                item=item,
                reason=form.cleaned_data["reason"],
                cites=cites,
                cited_passage=form.cleaned_data["cited_passage"],
            )
        except ApplicationError as error:
            raise_if_forbidden(error)
            place_service_error(form, error)
        else:
            messages.success(
                request, f"Rejected: {item_label(kind, item)}. The expert reads your reason and may appeal."
            )
            return _review_redirect(project, query=_query(request))
    return _render_review(request, project, error=(kind, item.pk, "reject", form), status=400)


@lab_member_required
@require_POST
def lab_review_decide(request, pk: int, kind: str, item_pk: int):
    project = member_project(request, pk)
    item = _review_item(project, kind, item_pk)
    form = AppealDecisionForm(request.POST, label=DECIDE_LABEL, auto_id=f"id_decide_{kind}_{item.pk}_%s")
    status = 400
    if form.is_valid():
        try:
            decided = services.work_decide_appeal(
                actor=request.user,
                item=item,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            if isinstance(error, NotPermitted) and error.code != "four_eyes":
                raise PermissionDenied(error.message) from None
            # The reviewer who rejected it is told so where they tried to decide.
            if isinstance(error, NotPermitted):
                status = 403
            place_service_error(form, error)
        else:
            outcome = "upheld: the work is approved" if decided.status in APPROVED_STATUSES else "refused"
            messages.success(request, f"The appeal on {item_label(kind, item)} is {outcome}. The expert is told why.")
            return _review_redirect(project, query=_query(request))
    return _render_review(request, project, error=(kind, item.pk, "decide", form), status=status)


@lab_member_required
@require_POST
def lab_review_bulk_approve(request, pk: int):
    project = member_project(request, pk)
    keys = list(dict.fromkeys(request.POST.getlist("items")))[:500]
    if not keys:
        return _render_review(
            request,
            project,
            bulk={"approved": [], "failed": [("", "Select at least one item to approve.")]},
            status=400,
        )
    approved, failed, refusals = [], [], []
    for key in keys:
        match = _BULK_KEY.match(key)
        item = None
        if match:
            kind = match.group(1)
            item = _project_item_lookup(kind)(project=project, pk=int(match.group(2)))
        if item is None:
            failed.append((key[:60], "There is no such item on this project."))
            continue
        label = item_label(kind, item)
        try:
            services.work_approve(actor=request.user, item=item)
        except NotPermitted as error:
            refusals.append(error)
            failed.append((label, error.message))
        except ApplicationError as error:
            failed.append((label, error_text(error)))
        else:
            approved.append(label)
    if refusals and not approved and len(refusals) == len(failed):
        raise PermissionDenied(refusals[0].message)
    if not failed:
        messages.success(request, f"Approved {len(approved)} item{'s' if len(approved) != 1 else ''}.")
        return _review_redirect(project, query=_query(request))
    return _render_review(request, project, bulk={"approved": approved, "failed": failed}, status=400)


# --- the expert's appeal -----------------------------------------------------------------


@expert_required
@require_POST
def expert_work_appeal(request, kind: str, pk: int):
    if kind not in WORK_KINDS:
        raise Http404
    lookup = selectors.time_entry_of_expert if kind == "time-entries" else selectors.task_of_expert
    item = lookup(user=request.user, pk=pk)
    if item is None:
        raise Http404
    form = ReasonForm(request.POST, label=APPEAL_LABEL, auto_id=f"id_appeal_{item.pk}_%s")
    if form.is_valid():
        try:
            services.work_appeal(actor=request.user, item=item, reason=form.cleaned_data["reason"])
        except ApplicationError as error:
            raise_if_forbidden(error)
            place_service_error(form, error)
        else:
            messages.success(request, "Your appeal is sent. A different reviewer from the one who rejected it decides.")
            if kind == "tasks":
                return redirect(reverse("expert-tasks", kwargs={"pk": item.engagement_id}) + f"#task-{item.pk}")
            return redirect(timesheet_url(item.engagement, week_of(item.work_date)[0], f"entry-{item.pk}"))
    if kind == "tasks":
        return render_tasks(request, item.engagement, appeal=(item.pk, form), status=400)
    return render_timesheet(request, item.engagement, week_of(item.work_date)[0], appeal=(item.pk, form), status=400)


@lab_member_required
def lab_late_evidence(request, pk: int):
    """The evidence of an adjustment request, for the reviewers of its lab; 404 for anyone else."""
    return late_evidence_response(user=request.user, pk=pk)
