"""A lab's published ratings and its public answer."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from config.decorators import lab_member_required
from config.errors import ApplicationError, NotPermitted
from contributors.forms import add_service_error
from marketplace import permissions
from marketplace.selectors import lab_for_member, lab_role_of

from .. import selectors
from ..forms import AnswerForm
from ..services import lab_rating_answer_write


@lab_member_required
@require_http_methods(["GET", "POST"])
def lab_ratings(request, pk: int):
    lab = lab_for_member(user=request.user, pk=pk)
    if lab is None:
        raise Http404
    can_answer = permissions.can_edit_projects(lab_role_of(user=request.user, lab=lab))
    answer = selectors.lab_answer(lab=lab)
    form = AnswerForm(request.POST or None, initial={"body": answer.body if answer else ""})
    status = 200
    if request.method == "POST":
        if not can_answer:
            raise PermissionDenied("Only the lab's owners and managers can answer its ratings.")
        status = 400
        if form.is_valid():
            try:
                lab_rating_answer_write(actor=request.user, lab=lab, body=form.cleaned_data["body"])
            except NotPermitted as error:
                raise PermissionDenied(error.message) from error
            except ApplicationError as error:
                add_service_error(form, error)
                status = getattr(error, "status_code", 400)
            else:
                messages.success(request, "Your answer is shown beside the lab's ratings.")
                return redirect("lab-ratings", pk=lab.pk)
    return render(
        request,
        "ratings/lab.html",
        {
            "lab": lab,
            "summary": selectors.lab_summary(lab=lab),
            "answer": answer,
            "form": form if can_answer else None,
            "min_raters": selectors.min_raters(),
        },
        status=status,
    )
