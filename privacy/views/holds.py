"""Operations' legal holds: every operations account reads them, reviewers place and release them.

A refused action is shown on the holds page with what was typed kept: 409 when someone else
got there first, 400 (403 for a hold on oneself) for anything else.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import is_ops_reviewer
from config.decorators import ops_required, ops_reviewer_required
from config.errors import ApplicationError
from contributors.forms import add_service_error

from ..forms import LegalHoldFilterForm, LegalHoldForm, LegalHoldReleaseForm
from ..selectors import legal_hold_get, legal_holds, person_by_email
from ..services import legal_hold_place, legal_hold_release

HOLD_PAGE_SIZE = 50


def _render_holds(
    request,
    *,
    form: LegalHoldForm | None = None,
    release_forms: dict[int, LegalHoldReleaseForm] | None = None,
    action_error: str = "",
    status: int = 200,
):
    # Its own ids: the place form on the same page has an email field too.
    filters = LegalHoldFilterForm(request.GET, auto_id="filter_%s")
    email = filters.cleaned_data["email"] if filters.is_valid() else ""
    page = Paginator(legal_holds(viewer=request.user, email=email), HOLD_PAGE_SIZE).get_page(request.GET.get("page"))
    reviewer = is_ops_reviewer(request.user)
    release_forms = release_forms or {}
    rows = [
        {
            "hold": hold,
            "release_form": release_forms.get(hold.pk) or LegalHoldReleaseForm(prefix=f"release-{hold.pk}"),
        }
        for hold in page
    ]
    if form is None and reviewer:
        form = LegalHoldForm()
    context = {
        "page": page,
        "rows": rows,
        "form": form,
        "filters": filters,
        "email": email,
        "is_reviewer": reviewer,
        "action_error": action_error,
    }
    return render(request, "privacy/ops/legal_holds.html", context, status=status)


@ops_required
@require_GET
def ops_legal_holds(request):
    return _render_holds(request)


@ops_reviewer_required
@require_POST
def ops_legal_hold_place(request):
    form = LegalHoldForm(request.POST)
    if form.is_valid():
        person = person_by_email(email=form.cleaned_data["email"])
        if person is None:
            form.add_error("email", "Nobody has an account with this email address.")
        else:
            try:
                legal_hold_place(actor=request.user, user=person, reason=form.cleaned_data["reason"])
            except ApplicationError as error:
                add_service_error(form, error)
                return _render_holds(request, form=form, status=error.status_code)
            messages.success(
                request,
                f"{person.email}'s records are kept until the hold is released; they have not been told.",
            )
            return redirect("ops-legal-holds")
    return _render_holds(request, form=form, status=400)


@ops_reviewer_required
@require_POST
def ops_legal_hold_release(request, pk: int):
    hold = legal_hold_get(pk=pk, viewer=request.user)
    if hold is None:
        raise Http404("No such hold.")
    form = LegalHoldReleaseForm(request.POST, prefix=f"release-{hold.pk}")
    if form.is_valid():
        try:
            legal_hold_release(actor=request.user, hold=hold, note=form.cleaned_data["note"])
        except ApplicationError as error:
            # The hold may no longer be in force (released meanwhile), so the refusal goes on top.
            return _render_holds(request, action_error=error.message, status=error.status_code)
        messages.success(
            request, f"The hold on {hold.user.email}'s records is released; the retention schedule applies again."
        )
        return redirect("ops-legal-holds")
    return _render_holds(request, release_forms={hold.pk: form}, status=400)
