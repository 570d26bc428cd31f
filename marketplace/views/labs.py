"""A lab member's labs: creating one, its page, and adding members."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from config.decorators import lab_member_required
from config.errors import ApplicationError
from screening.selectors import lab_funding_block

from .. import permissions, selectors, services
from ..forms import InvitationSignUpForm, LabForm, MemberForm, place_service_error
from ..models import Lab
from .common import error_text, member_lab, raise_if_forbidden


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
        "invitations": selectors.lab_invitations_pending(lab=lab) if permissions.can_add_lab_members(role) else None,
        "invitation_days": settings.LAB_INVITATION_DAYS,
        "now_moment": timezone.now(),
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


@lab_member_required
@require_POST
def lab_invitation_resend(request, pk: int, invitation_pk: int):
    lab = member_lab(request, pk)
    try:
        invitation = services.lab_invitation_resend(
            actor=request.user, lab=lab, invitation_id=invitation_pk, absolute_url=request.build_absolute_uri
        )
    except ApplicationError as error:
        raise_if_forbidden(error)
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"A new link is on its way to {invitation.email}; the earlier one no longer works.")
    return redirect(reverse("lab-detail", args=[lab.pk]) + "#invitations-heading")


@lab_member_required
@require_POST
def lab_invitation_revoke(request, pk: int, invitation_pk: int):
    lab = member_lab(request, pk)
    try:
        invitation = services.lab_invitation_revoke(actor=request.user, lab=lab, invitation_id=invitation_pk)
    except ApplicationError as error:
        raise_if_forbidden(error)
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"The invitation to {invitation.email} is withdrawn; its link no longer works.")
    return redirect(reverse("lab-detail", args=[lab.pk]) + "#invitations-heading")


def _render_invitation(request, token: str, *, form=None, error: str = "", status: int = 200):
    invitation = selectors.lab_invitation_by_token(token=token)
    state = services.lab_invitation_state(invitation)
    if state != "pending":
        status = 410 if status == 200 and state != "unknown" else (404 if state == "unknown" else status)
    signed_in = request.user.is_authenticated
    context = {
        "state": state,
        "invitation": invitation if state == "pending" else None,
        "lab_name": invitation.lab.name if state == "pending" else "",
        "role_label": permissions.role_label(invitation.role) if state == "pending" else "",
        "signed_in": signed_in,
        "same_address": signed_in and state == "pending" and request.user.email.lower() == invitation.email.lower(),
        "form": form or (InvitationSignUpForm() if not signed_in else None),
        "error": error,
        "token": token,
    }
    return render(request, "lab/invitation.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def lab_invitation(request, token: str):
    """The link's page: sign up (no account) or accept (signed in with the invited address).

    Everyone who opens it is asked the same, so it never says whether the address has an
    account; only signing up with an address that has one is told to sign in instead.
    """
    token = token[:100]
    if request.method != "POST":
        return _render_invitation(request, token)
    if request.user.is_authenticated:
        try:
            invitation = services.lab_invitation_accept(actor=request.user, token=token)
        except ApplicationError as error:
            return _render_invitation(request, token, error=error.message, status=400)
        messages.success(request, f"You joined {invitation.lab.name}.")
        return redirect("lab-detail", pk=invitation.lab_id)
    form = InvitationSignUpForm(request.POST)
    if form.is_valid():
        try:
            user = services.lab_invitation_sign_up(token=token, **form.cleaned_data)
        except ApplicationError as error:
            if error.code.startswith("invitation_"):
                return _render_invitation(request, token, error=error.message, status=400)
            place_service_error(form, error)
        else:
            login(request, user, backend="allauth.account.auth_backends.AuthenticationBackend")
            invitation = selectors.lab_invitation_by_token(token=token)
            messages.success(request, f"Welcome. Your account is ready and you joined {invitation.lab.name}.")
            return redirect("lab-detail", pk=invitation.lab_id)
    return _render_invitation(request, token, form=form, status=400)
