"""An expert's credentials: submitting one, following its review, answering a reviewer's question."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from config.decorators import expert_required
from config.errors import ApplicationError
from contributors.forms import add_service_error, country_label
from contributors.selectors import contributor_for_user

from .. import selectors, services
from ..forms import AnswerForm, CredentialForm
from ..models import Credential, CredentialStatus
from .common import profile_first


def _own_credential(request, pk: int) -> Credential:
    credential = selectors.credential_visible_to(user=request.user, pk=pk)
    if credential is None:
        raise Http404
    return credential


@expert_required
def credential_list(request):
    contributor = contributor_for_user(user=request.user)
    credentials = selectors.credentials_of(contributor=contributor) if contributor else []
    return render(
        request, "vetting/expert/credential_list.html", {"contributor": contributor, "credentials": credentials}
    )


@expert_required
def credential_new(request):
    contributor = contributor_for_user(user=request.user)
    if contributor is None:
        return profile_first(request)
    if request.method != "POST":
        form = CredentialForm(initial={"country": contributor.country})
        return render(request, "vetting/expert/credential_form.html", {"form": form})
    form = CredentialForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            credential = services.credential_submit(
                actor=request.user, contributor=contributor, **form.credential_data()
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Your credential is submitted. A reviewer will look at it soon.")
            return redirect("expert-credential", pk=credential.pk)
    return render(request, "vetting/expert/credential_form.html", {"form": form}, status=400)


def _render_own_credential(request, credential: Credential, answer_form: AnswerForm | None = None, status: int = 200):
    open_question = next((q for q in credential.questions.all() if q.answered_at is None), None)
    needs_answer = credential.status == CredentialStatus.NEEDS_INFO
    context = {
        "credential": credential,
        "country": country_label(credential.country),
        "documents": sorted(credential.documents.all(), key=lambda d: d.uploaded_at, reverse=True),
        "open_question": open_question,
        "answer_form": (answer_form or AnswerForm()) if needs_answer else None,
    }
    return render(request, "vetting/expert/credential_detail.html", context, status=status)


@expert_required
def credential_detail(request, pk: int):
    return _render_own_credential(request, _own_credential(request, pk))


@expert_required
@require_POST
def credential_answer(request, pk: int):
    credential = _own_credential(request, pk)
    form = AnswerForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.credential_answer(
                actor=request.user,
                credential=credential,
                answer=form.cleaned_data["answer"],
                document=form.cleaned_data["document"],
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Thank you. Your answer is with the reviewer.")
            return redirect("expert-credential", pk=credential.pk)
    return _render_own_credential(request, credential, answer_form=form, status=400)
