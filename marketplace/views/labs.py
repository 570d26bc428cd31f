"""A lab member's labs: creating one, its page, and adding members."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from config.decorators import lab_member_required
from config.errors import ApplicationError
from screening.selectors import lab_funding_block

from .. import permissions, selectors, services
from ..forms import LabForm, MemberForm, place_service_error
from ..models import Lab
from .common import member_lab, raise_if_forbidden


def _render_lab_home(request, form: LabForm, status: int = 200):
    context = {
        "labs": selectors.labs_of(user=request.user),
        "projects": selectors.projects_visible_to(user=request.user),
        "lab_form": form,
    }
    return render(request, "lab/home.html", context, status=status)


@lab_member_required
def lab_home(request):
    if request.method != "POST":
        return _render_lab_home(request, LabForm())
    form = LabForm(request.POST)
    if form.is_valid():
        try:
            lab = services.lab_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            raise_if_forbidden(error)
            place_service_error(form, error)
        else:
            messages.success(request, f"{lab.name} is created, and you are its owner.")
            return redirect("lab-detail", pk=lab.pk)
    return _render_lab_home(request, form, status=400)


def _render_lab(request, lab: Lab, member_form: MemberForm | None = None, status: int = 200):
    role = selectors.lab_role_of(user=request.user, lab=lab)
    context = {
        "lab": lab,
        "role_label": permissions.role_label(role),
        "can_edit": permissions.can_edit_projects(role),
        "members": selectors.lab_members(lab=lab),
        "projects": selectors.projects_of_lab(user=request.user, lab=lab),
        "member_form": member_form or (MemberForm() if permissions.can_add_lab_members(role) else None),
        "funding_block": lab_funding_block(lab_id=lab.pk),
    }
    return render(request, "lab/lab_detail.html", context, status=status)


@lab_member_required
def lab_detail(request, pk: int):
    return _render_lab(request, member_lab(request, pk))


@lab_member_required
@require_POST
def lab_member_add(request, pk: int):
    lab = member_lab(request, pk)
    form = MemberForm(request.POST)
    if form.is_valid():
        try:
            services.lab_member_add(
                actor=request.user, lab=lab, absolute_url=request.build_absolute_uri, **form.cleaned_data
            )
        except ApplicationError as error:
            raise_if_forbidden(error)
            place_service_error(form, error)
        else:
            # The same message whether or not the address has an account.
            messages.success(request, services.lab_member_add_message(form.cleaned_data["email"].strip().lower()))
            return redirect("lab-detail", pk=lab.pk)
    return _render_lab(request, lab, member_form=form, status=400)
