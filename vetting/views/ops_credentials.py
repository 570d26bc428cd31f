"""Operations: the dashboard, the credential queue and a credential's review."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import can_read_credential_documents, is_ops_reviewer
from audit.selectors import audit_event_list
from config.decorators import ops_required, ops_reviewer_required
from config.errors import ApplicationError
from contributors.forms import add_service_error, country_label

from .. import selectors, services
from ..forms import QuestionForm, QueueFilterForm, RejectForm, VerifyForm
from ..models import Credential
from .paging import page_of


@ops_required
def ops_dashboard(request):
    context = {"counts": selectors.vetting_counts(), "is_reviewer": is_ops_reviewer(request.user)}
    if context["is_reviewer"]:
        context["pending_tiers"] = selectors.tier_decisions_pending().count()
        context["open_cases"] = selectors.cases_open().count()
    return render(request, "vetting/ops/dashboard.html", context)


@ops_required
def ops_credential_queue(request):
    form = QueueFilterForm(request.GET)
    if form.is_valid():
        credentials, status = selectors.credential_review_queue(status=form.cleaned_data["status"]), 200
    else:
        credentials, status = selectors.credential_review_queue().none(), 400
    context = {"form": form, "page": page_of(request, credentials)}
    return render(request, "vetting/ops/credential_queue.html", context, status=status)


def _credential_for_ops(request, pk: int) -> Credential:
    credential = selectors.credential_visible_to(user=request.user, pk=pk)
    if credential is None:
        raise Http404
    return credential


def _render_review(request, credential: Credential, status: int = 200, **forms_given):
    document = credential.current_document
    context = {
        "credential": credential,
        "contributor": credential.contributor,
        "country": country_label(credential.country),
        "document": document,
        "can_read_documents": can_read_credential_documents(request.user),
        "document_is_image": bool(document and document.content_type.startswith("image/")),
        "documents": sorted(credential.documents.all(), key=lambda d: d.uploaded_at, reverse=True),
        "history": audit_event_list(target_type="vetting.credential", target_id=str(credential.pk))[:50],
        "can_act": is_ops_reviewer(request.user),
        "start_form": forms_given.get("start_form") or forms.Form(),
        "question_form": forms_given.get("question_form") or QuestionForm(),
        "verify_form": forms_given.get("verify_form") or VerifyForm(),
        "reject_form": forms_given.get("reject_form") or RejectForm(),
        # Shown above the actions: the form that failed may no longer be on the page once
        # the credential has moved on (someone else acted first).
        "failed_form": next(iter(forms_given.values()), None),
    }
    return render(request, "vetting/ops/credential_review.html", context, status=status)


@ops_required
def ops_credential_review(request, pk: int):
    return _render_review(request, _credential_for_ops(request, pk))


def _credential_action(request, pk: int, *, form_name: str, form: forms.Form, act, done: str):
    credential = _credential_for_ops(request, pk)
    if form.is_valid():
        try:
            act(credential, form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, done)
            return redirect("ops-credential", pk=credential.pk)
    return _render_review(request, credential, status=400, **{form_name: form})


@ops_reviewer_required
@require_POST
def ops_credential_start(request, pk: int):
    return _credential_action(
        request,
        pk,
        form_name="start_form",
        form=forms.Form(request.POST),
        act=lambda credential, data: services.credential_review_start(actor=request.user, credential=credential),
        done="Review started. You are the reviewer of this credential.",
    )


@ops_reviewer_required
@require_POST
def ops_credential_ask(request, pk: int):
    return _credential_action(
        request,
        pk,
        form_name="question_form",
        form=QuestionForm(request.POST),
        act=lambda credential, data: services.credential_request_info(
            actor=request.user, credential=credential, question=data["question"]
        ),
        done="Question sent to the expert.",
    )


@ops_reviewer_required
@require_POST
def ops_credential_verify(request, pk: int):
    return _credential_action(
        request,
        pk,
        form_name="verify_form",
        form=VerifyForm(request.POST),
        act=lambda credential, data: services.credential_verify(
            actor=request.user, credential=credential, note=data["note"]
        ),
        done="Credential verified.",
    )


@ops_reviewer_required
@require_POST
def ops_credential_reject(request, pk: int):
    return _credential_action(
        request,
        pk,
        form_name="reject_form",
        form=RejectForm(request.POST),
        act=lambda credential, data: services.credential_reject(
            actor=request.user, credential=credential, reason=data["reason"]
        ),
        done="Credential rejected. The expert can read your reason.",
    )
