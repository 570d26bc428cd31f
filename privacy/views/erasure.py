"""Asking for one's data to be erased (on the "Your data" page), and operations' decision."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.decorators import ops_reviewer_required
from config.errors import ApplicationError

from ..erasure import erasure_blocks
from ..forms import ErasureDecisionForm
from ..models import ErasureStatus
from ..selectors import erasure_queue, erasure_request_get, erasure_requests_of, legal_holds_in_force_on
from ..services import erasure_request_decide, erasure_request_open, erasure_request_withdraw


@login_required
@require_POST
def your_data_erase(request):
    try:
        erasure_request_open(actor=request.user, statement=request.POST.get("statement", ""))
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("your-data")
    messages.success(request, "We received your request. Operations answer within a month; we will email you.")
    return redirect("your-data")


@login_required
@require_POST
def your_data_erase_withdraw(request, pk: int):
    own = erasure_requests_of(user=request.user).filter(pk=pk).first()
    if own is None:
        raise Http404("No such request.")
    try:
        erasure_request_withdraw(actor=request.user, request=own)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "You withdrew your request; nothing was erased.")
    return redirect("your-data")


@ops_reviewer_required
@require_GET
def ops_erasure_requests(request):
    return render(
        request,
        "privacy/ops/erasure_requests.html",
        {
            "open": list(erasure_queue()),
            "decided": list(erasure_queue(include_decided=True).exclude(status=ErasureStatus.OPEN).reverse()[:50]),
        },
    )


@ops_reviewer_required
@require_http_methods(["GET", "POST"])
def ops_erasure_request(request, pk: int):
    erasure = erasure_request_get(pk=pk)
    if erasure is None:
        raise Http404("No such request.")
    own = erasure.user_id == request.user.pk
    form = ErasureDecisionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                erasure_request_decide(
                    actor=request.user,
                    request=erasure,
                    erase=form.cleaned_data["decision"] == "erase",
                    reason=form.cleaned_data["reason"],
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
                for field, problems in (error.fields or {}).items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
            else:
                erased = form.cleaned_data["decision"] == "erase"
                messages.success(request, "Erased." if erased else "Refused; the person was told why.")
                return redirect("ops-erasure-requests")
        status = 400
    return render(
        request,
        "privacy/ops/erasure_request.html",
        {
            "erasure": erasure,
            "blocks": erasure_blocks(user=erasure.user) if erasure.status == ErasureStatus.OPEN and not own else [],
            # The legal holds that stop it, with their reasons (never on one's own request: the
            # person under a hold is not told).
            "holds": list(legal_holds_in_force_on(user=erasure.user)) if not own else [],
            "form": form,
        },
        status=status,
    )
