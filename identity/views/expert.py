"""The expert's identity page, and the cases about their account."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from config.decorators import expert_required
from config.errors import ApplicationError
from contributors.forms import add_service_error
from contributors.selectors import contributor_for_user
from identity import selectors, services
from identity.forms import CaseAnswerForm


@expert_required
def my_identity(request):
    contributor = contributor_for_user(user=request.user)
    if contributor is None:
        messages.info(request, "Fill in your profile first.")
        return redirect("expert-profile")
    context = {
        "identity": selectors.identity_summary(contributor_id=contributor.pk),
        "cases": selectors.account_cases_of(contributor=contributor),
    }
    return render(request, "identity/expert/identity.html", context)


@expert_required
@require_POST
def my_identity_start(request):
    contributor = contributor_for_user(user=request.user)
    if contributor is None:
        return redirect("expert-profile")
    back = settings.IDENTITY_RETURN_URL or request.build_absolute_uri(reverse("expert-identity"))
    try:
        verification = services.identity_verification_start(
            actor=request.user, contributor=contributor, return_url=back
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("expert-identity")
    return redirect(verification.url)


def _own_case(request, pk: int):
    found = selectors.account_case_of_expert(user=request.user, pk=pk)
    if found is None:
        raise Http404
    return found


def _render_case(request, case, contributor, form=None, status=200):
    context = {
        "case": case,
        # Each account of a duplicate talks with operations in a thread of its own.
        "other_account": case.other_contributor_id == contributor.pk,
        "answers": selectors.answers_of(case=case, contributor=contributor),
        "form": form or CaseAnswerForm(),
    }
    return render(request, "identity/expert/case.html", context, status=status)


@expert_required
def my_account_case(request, pk: int):
    case, contributor = _own_case(request, pk)
    return _render_case(request, case, contributor)


@expert_required
@require_POST
def my_account_case_answer(request, pk: int):
    case, contributor = _own_case(request, pk)
    form = CaseAnswerForm(request.POST)
    if form.is_valid():
        try:
            services.account_case_answer(actor=request.user, case=case, text=form.cleaned_data["text"])
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Your answer is recorded. A reviewer reads it.")
            return redirect("expert-account-case", pk=case.pk)
    return _render_case(request, case, contributor, form=form, status=400)
