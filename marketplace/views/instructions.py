"""A project's instructions: the lab publishes versions; experts read them, see what changed, and confirm reading."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from config.decorators import expert_required, lab_member_required
from config.errors import ApplicationError

from .. import permissions, selectors, services
from ..forms import InstructionPublishForm, place_service_error
from ..instruction_selectors import (
    instruction_current,
    instruction_numbers_read,
    instruction_version,
    instruction_versions,
)
from ..instructions import instructions_diff, instructions_html
from .common import member_project, raise_if_forbidden
from .timesheet import own_engagement


@lab_member_required
def lab_instructions(request, pk: int):
    """Every version, newest first, and (for owners and managers) the form to publish the next, with a preview."""
    project = member_project(request, pk)
    can_publish = permissions.can_edit_projects(selectors.lab_role_of(user=request.user, lab=project.lab))
    form = None
    preview = None
    status = 200
    if request.method == "POST":
        form = InstructionPublishForm(request.POST)
        if form.is_valid():
            if "preview" in request.POST:
                preview = instructions_html(form.cleaned_data["body"])
            else:
                try:
                    version = services.instruction_publish(actor=request.user, project=project, **form.cleaned_data)
                except ApplicationError as error:
                    raise_if_forbidden(error)
                    place_service_error(form, error)
                else:
                    messages.success(request, f"Published version {version.number} of the instructions.")
                    return redirect(reverse("lab-project-instructions", args=[project.pk]))
        if preview is None:
            status = 400
    versions = list(instruction_versions(project=project))
    context = {
        "project": project,
        "can_publish": can_publish,
        "form": form or (InstructionPublishForm() if can_publish else None),
        "preview": preview,
        "versions": [(version, instructions_html(version.body)) for version in versions],
    }
    return render(request, "lab/instructions.html", context, status=status)


def _expert_version(request, pk: int, number: int | None):
    _, engagement = own_engagement(request, pk)
    project = engagement.project
    version = (
        instruction_current(project=project) if number is None else instruction_version(project=project, number=number)
    )
    if number is not None and version is None:
        raise Http404
    return engagement, version


@expert_required
def expert_instructions(request, pk: int, number: int | None = None):
    """The current version (or the one asked for), with the list of versions and whether each was read."""
    engagement, version = _expert_version(request, pk, number)
    project = engagement.project
    current = instruction_current(project=project)
    read = instruction_numbers_read(contributor=engagement.contributor, project=project)
    context = {
        "engagement": engagement,
        "project": project,
        "version": version,
        "is_current": version is not None and current is not None and version.pk == current.pk,
        "html": instructions_html(version.body) if version is not None else None,
        "read": version is not None and version.number in read,
        "versions": [(each, each.number in read) for each in instruction_versions(project=project)],
    }
    return render(request, "marketplace/instructions.html", context)


@expert_required
def expert_instruction_diff(request, pk: int, number: int):
    """What changed from the version before, line by line, each line labelled added or removed."""
    engagement, version = _expert_version(request, pk, number)
    before = instruction_version(project=engagement.project, number=number - 1) if number > 1 else None
    context = {
        "engagement": engagement,
        "project": engagement.project,
        "version": version,
        "before": before,
        "lines": instructions_diff(before.body if before else "", version.body),
    }
    return render(request, "marketplace/instruction_diff.html", context)


@expert_required
@require_POST
def expert_instruction_read(request, pk: int, number: int):
    engagement, version = _expert_version(request, pk, number)
    try:
        reading = services.instruction_read(actor=request.user, engagement=engagement, version=version)
    except ApplicationError as error:
        raise_if_forbidden(error)
        messages.error(request, error.message + "".join(f" {m}" for ms in error.fields.values() for m in ms))
    else:
        messages.success(
            request,
            f"Thank you. {reading.time_entry.minutes} minutes of training are logged on your timesheet "
            f"for reading version {version.number}.",
        )
    return redirect(reverse("expert-instruction-version", args=[engagement.pk, version.number]))
