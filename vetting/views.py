"""Vetting pages: an expert's credentials, assessments and cases, and the operations back office.

Every change goes through ``vetting.services``; a refused change is shown on the form it
came from, with what was typed kept, and answered with 400.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from accounts.models import Role
from audit.selectors import audit_event_list
from config.decorators import expert_required, ops_required, ops_reviewer_required
from config.errors import ApplicationError
from contributors.forms import add_service_error, country_label, language_labels, subdivision_label
from contributors.models import Contributor, Tier
from contributors.reference import SensitiveContent
from contributors.selectors import contributor_detail, contributor_for_user, contributor_list

from . import selectors, services
from .documents import credential_document_view
from .forms import (
    AnswerForm,
    AttemptForm,
    AuditFilterForm,
    CaseAppealDecisionForm,
    CaseAppealForm,
    CaseDecisionForm,
    CaseFilterForm,
    CaseNoticeForm,
    CaseOpenForm,
    CaseResponseForm,
    ContributorFilterForm,
    CredentialForm,
    DeclineForm,
    QuestionForm,
    QueueFilterForm,
    RejectForm,
    TierDecisionForm,
    VerifyForm,
)
from .models import AttemptStatus, CaseStatus, Credential, CredentialStatus, DeactivationCase, TierDecisionStatus

PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 50

# The same response as /api/credentials/<pk>/document/, allowed inside a same-origin
# frame: XFrameOptionsMiddleware answers DENY by default, which would leave the embedded
# PDF viewer blank.
_document_in_frame = xframe_options_sameorigin(credential_document_view)
expert_credential_document = expert_required(_document_in_frame)
ops_credential_document = ops_required(_document_in_frame)


def _page(request, items, size: int | None = None):
    return Paginator(items, size or PAGE_SIZE).get_page(request.GET.get("page"))


def _is_reviewer(user) -> bool:
    return user.role == Role.OPS_REVIEWER


# --- expert: credentials -------------------------------------------------------------


def _own_credential(request, pk: int) -> Credential:
    credential = selectors.credential_visible_to(user=request.user, pk=pk)
    if credential is None:
        raise Http404
    return credential


def _profile_first(request):
    messages.info(request, "Fill in your profile first.")
    return redirect("expert-profile")


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
        return _profile_first(request)
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


# --- expert: assessments -------------------------------------------------------------


def _render_assessments(request, contributor: Contributor | None, error: str = "", status: int = 200):
    attempts = list(selectors.attempts_of(contributor=contributor)) if contributor else []
    in_progress = {a.assessment_id: a for a in attempts if a.status == AttemptStatus.IN_PROGRESS}
    assessments = [(assessment, in_progress.get(assessment.pk)) for assessment in selectors.assessments_open()]
    context = {"contributor": contributor, "assessments": assessments, "attempts": attempts, "error": error}
    return render(request, "vetting/expert/assessment_list.html", context, status=status)


@expert_required
def assessment_list(request):
    return _render_assessments(request, contributor_for_user(user=request.user))


@expert_required
@require_POST
def attempt_start(request, pk: int):
    contributor = contributor_for_user(user=request.user)
    if contributor is None:
        return _profile_first(request)
    assessment = selectors.assessment_open(pk=pk)
    if assessment is None:
        raise Http404
    try:
        attempt = services.assessment_attempt_start(actor=request.user, contributor=contributor, assessment=assessment)
    except ApplicationError as error:
        return _render_assessments(request, contributor, error=error.message, status=400)
    return redirect("expert-attempt", pk=attempt.pk)


@expert_required
def attempt_detail(request, pk: int):
    attempt = selectors.attempt_of_expert(user=request.user, pk=pk)
    if attempt is None:
        raise Http404
    questions = attempt.assessment.questions
    status = 200
    form = None
    if attempt.status == AttemptStatus.IN_PROGRESS or request.method == "POST":
        form = AttemptForm(request.POST if request.method == "POST" else None, questions=questions)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.assessment_attempt_submit(actor=request.user, attempt=attempt, answers=form.answers())
            except ApplicationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, "Your answers are submitted.")
                return redirect("expert-attempt", pk=attempt.pk)
        status = 400
    context = {
        "attempt": attempt,
        "assessment": attempt.assessment,
        "form": form,
        "limit_at": attempt.started_at + timedelta(minutes=attempt.assessment.time_limit_minutes),
    }
    return render(request, "vetting/expert/attempt.html", context, status=status)


# --- expert: deactivation cases ------------------------------------------------------


def _own_case(request, pk: int) -> DeactivationCase:
    case = selectors.case_of_expert(user=request.user, pk=pk)
    if case is None:
        raise Http404
    return case


@expert_required
def my_case_list(request):
    contributor = contributor_for_user(user=request.user)
    cases = selectors.cases_of(contributor=contributor) if contributor else []
    return render(request, "vetting/expert/case_list.html", {"cases": cases})


def _render_own_case(request, case: DeactivationCase, status: int = 200, **forms_given):
    now = timezone.now()
    can_respond = case.status == CaseStatus.NOTICE and case.response_due_at and now <= case.response_due_at
    can_appeal = case.status == CaseStatus.DEACTIVATED and case.appeal_due_at and now <= case.appeal_due_at
    context = {
        "case": case,
        "respond_form": forms_given.get("respond_form") or (CaseResponseForm() if can_respond else None),
        "appeal_form": forms_given.get("appeal_form") or (CaseAppealForm() if can_appeal else None),
    }
    return render(request, "vetting/expert/case_detail.html", context, status=status)


@expert_required
def my_case_detail(request, pk: int):
    return _render_own_case(request, _own_case(request, pk))


@expert_required
@require_POST
def my_case_respond(request, pk: int):
    case = _own_case(request, pk)
    form = CaseResponseForm(request.POST)
    if form.is_valid():
        try:
            services.deactivation_case_respond(actor=request.user, case=case, response=form.cleaned_data["response"])
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Your response is recorded. A reviewer will read it before deciding.")
            return redirect("expert-case", pk=case.pk)
    return _render_own_case(request, case, status=400, respond_form=form)


@expert_required
@require_POST
def my_case_appeal(request, pk: int):
    case = _own_case(request, pk)
    form = CaseAppealForm(request.POST)
    if form.is_valid():
        try:
            services.deactivation_case_appeal(actor=request.user, case=case, statement=form.cleaned_data["statement"])
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Your appeal is recorded. A different reviewer will decide it.")
            return redirect("expert-case", pk=case.pk)
    return _render_own_case(request, case, status=400, appeal_form=form)


# --- operations: dashboard and credential review -------------------------------------


@ops_required
def ops_dashboard(request):
    context = {"counts": selectors.vetting_counts(), "is_reviewer": _is_reviewer(request.user)}
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
    context = {"form": form, "page": _page(request, credentials)}
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
        "document_is_image": bool(document and document.content_type.startswith("image/")),
        "documents": sorted(credential.documents.all(), key=lambda d: d.uploaded_at, reverse=True),
        "history": audit_event_list(target_type="vetting.credential", target_id=str(credential.pk))[:50],
        "can_act": _is_reviewer(request.user),
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


# --- operations: contributors and tiers ----------------------------------------------


@ops_required
def ops_contributor_list(request):
    form = ContributorFilterForm(request.GET)
    if form.is_valid():
        contributors, status = contributor_list(**form.cleaned_data), 200
    else:
        contributors, status = contributor_list().none(), 400
    context = {"form": form, "page": _page(request, contributors)}
    return render(request, "vetting/ops/contributor_list.html", context, status=status)


def _contributor_for_ops(pk: int) -> Contributor:
    contributor = contributor_detail(pk=pk)
    if contributor is None:
        raise Http404
    return contributor


def _render_contributor(request, contributor: Contributor, status: int = 200, **forms_given):
    context = {
        "contributor": contributor,
        "tier_label": Tier(contributor.tier).label if contributor.tier else "",
        "country": country_label(contributor.country),
        "subdivision": subdivision_label(contributor.subdivision, contributor.country),
        "languages": language_labels(contributor.languages),
        "opt_outs": [SensitiveContent(value).label for value in contributor.content_opt_outs],
        "credentials": selectors.credentials_of(contributor=contributor),
        "tier_history": selectors.tier_history(contributor=contributor),
        "cases": selectors.cases_of(contributor=contributor),
        "can_act": _is_reviewer(request.user),
        "tier_form": forms_given.get("tier_form") or TierDecisionForm(),
        "case_form": forms_given.get("case_form") or CaseOpenForm(),
    }
    return render(request, "vetting/ops/contributor_detail.html", context, status=status)


@ops_required
def ops_contributor(request, pk: int):
    return _render_contributor(request, _contributor_for_ops(pk))


@ops_reviewer_required
@require_POST
def ops_tier_propose(request, pk: int):
    contributor = _contributor_for_ops(pk)
    form = TierDecisionForm(request.POST)
    if form.is_valid():
        try:
            decision = services.tier_decision_propose(
                actor=request.user,
                contributor=contributor,
                tier=form.cleaned_data["tier"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            if decision.status == TierDecisionStatus.PENDING_APPROVAL:
                messages.success(request, "Proposed. Another reviewer has to approve the move to the Expert tier.")
            else:
                messages.success(request, f"Tier set to {decision.get_to_tier_display()}.")
            return redirect("ops-contributor", pk=contributor.pk)
    return _render_contributor(request, contributor, status=400, tier_form=form)


@ops_reviewer_required
@require_POST
def ops_case_open(request, pk: int):
    contributor = _contributor_for_ops(pk)
    form = CaseOpenForm(request.POST)
    if form.is_valid():
        try:
            case = services.deactivation_case_open(
                actor=request.user, contributor=contributor, concern=form.cleaned_data["concern"]
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Case opened; the expert has been warned.")
            return redirect("ops-case", pk=case.pk)
    return _render_contributor(request, contributor, status=400, case_form=form)


def _render_pending_tiers(request, status: int = 200, failed_pk: int | None = None, **forms_given):
    rows = []
    for decision in selectors.tier_decisions_pending():
        failed = decision.pk == failed_pk
        rows.append(
            {
                "decision": decision,
                "own": decision.proposed_by_id == request.user.pk,
                "approve_form": (failed and forms_given.get("approve_form")) or forms.Form(),
                "decline_form": (failed and forms_given.get("decline_form"))
                or DeclineForm(auto_id=f"decline{decision.pk}_%s"),
            }
        )
    return render(request, "vetting/ops/tier_pending.html", {"rows": rows}, status=status)


@ops_reviewer_required
def ops_tier_pending(request):
    return _render_pending_tiers(request)


def _pending_decision(pk: int):
    decision = selectors.tier_decision_pending(pk=pk)
    if decision is None:
        raise Http404
    return decision


@ops_reviewer_required
@require_POST
def ops_tier_approve(request, pk: int):
    decision = _pending_decision(pk)
    form = forms.Form(request.POST)
    form.is_valid()
    try:
        decision = services.tier_decision_approve(actor=request.user, decision=decision)
    except ApplicationError as error:
        add_service_error(form, error)
        return _render_pending_tiers(request, status=400, failed_pk=pk, approve_form=form)
    messages.success(
        request, f"Approved: {decision.contributor.display_name} is now in the {decision.get_to_tier_display()} tier."
    )
    return redirect("ops-tiers")


@ops_reviewer_required
@require_POST
def ops_tier_decline(request, pk: int):
    decision = _pending_decision(pk)
    form = DeclineForm(request.POST, auto_id=f"decline{pk}_%s")
    if form.is_valid():
        try:
            services.tier_decision_decline(actor=request.user, decision=decision, reason=form.cleaned_data["reason"])
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Declined the proposal for {decision.contributor.display_name}.")
            return redirect("ops-tiers")
    return _render_pending_tiers(request, status=400, failed_pk=pk, decline_form=form)


# --- operations: deactivation cases --------------------------------------------------


@ops_reviewer_required
def ops_case_list(request):
    form = CaseFilterForm(request.GET)
    if form.is_valid():
        cases, status = selectors.case_list(status=form.cleaned_data["status"]), 200
    else:
        cases, status = selectors.case_list().none(), 400
    context = {"form": form, "page": _page(request, cases)}
    return render(request, "vetting/ops/case_list.html", context, status=status)


def _case_for_ops(pk: int) -> DeactivationCase:
    case = selectors.case_for_ops(pk=pk)
    if case is None:
        raise Http404
    return case


def _render_case(request, case: DeactivationCase, status: int = 200, **forms_given):
    warned = case.status == CaseStatus.WARNED
    decidable = case.status in (CaseStatus.WARNED, CaseStatus.NOTICE, CaseStatus.RESPONDED)
    context = {
        "case": case,
        "window_open": bool(
            case.status == CaseStatus.NOTICE and case.response_due_at and timezone.now() <= case.response_due_at
        ),
        "history": audit_event_list(target_type="vetting.deactivationcase", target_id=str(case.pk))[:50],
        "notice_form": forms_given.get("notice_form") or (CaseNoticeForm() if warned else None),
        "decide_form": forms_given.get("decide_form") or (CaseDecisionForm(dismiss_only=warned) if decidable else None),
        "appeal_form": forms_given.get("appeal_form")
        or (CaseAppealDecisionForm() if case.status == CaseStatus.APPEALED else None),
        "failed_form": next(iter(forms_given.values()), None),
    }
    return render(request, "vetting/ops/case_detail.html", context, status=status)


@ops_reviewer_required
def ops_case(request, pk: int):
    return _render_case(request, _case_for_ops(pk))


def _case_action(request, case: DeactivationCase, *, form_name: str, form: forms.Form, act, done: str):
    if form.is_valid():
        try:
            act(form)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, done)
            return redirect("ops-case", pk=case.pk)
    return _render_case(request, case, status=400, **{form_name: form})


@ops_reviewer_required
@require_POST
def ops_case_notice(request, pk: int):
    case = _case_for_ops(pk)
    return _case_action(
        request,
        case,
        form_name="notice_form",
        form=CaseNoticeForm(request.POST),
        act=lambda form: services.deactivation_case_give_notice(
            actor=request.user,
            case=case,
            evidence=form.cleaned_data["evidence"],
            response_days=form.cleaned_data["response_days"],
        ),
        done="Notice given. The expert has been sent the evidence.",
    )


@ops_reviewer_required
@require_POST
def ops_case_decide(request, pk: int):
    case = _case_for_ops(pk)
    return _case_action(
        request,
        case,
        form_name="decide_form",
        form=CaseDecisionForm(request.POST, dismiss_only=case.status == CaseStatus.WARNED),
        act=lambda form: services.deactivation_case_decide(
            actor=request.user, case=case, deactivate=form.deactivate, reason=form.cleaned_data["reason"]
        ),
        done="Decision recorded and sent to the expert.",
    )


@ops_reviewer_required
@require_POST
def ops_case_decide_appeal(request, pk: int):
    case = _case_for_ops(pk)
    return _case_action(
        request,
        case,
        form_name="appeal_form",
        form=CaseAppealDecisionForm(request.POST),
        act=lambda form: services.deactivation_case_decide_appeal(
            actor=request.user, case=case, reinstate=form.reinstate, reason=form.cleaned_data["reason"]
        ),
        done="Appeal decided and sent to the expert.",
    )


# --- operations: audit trail ---------------------------------------------------------


@ops_required
def ops_audit(request):
    form = AuditFilterForm(request.GET)
    if form.is_valid():
        data = form.cleaned_data
        events, status = (
            audit_event_list(
                action_prefix=data["action"],
                target_type=data["target_type"],
                target_id=data["target_id"],
                actor_label=data["actor"],
            ),
            200,
        )
    else:
        events, status = audit_event_list().none(), 400
    context = {"form": form, "page": _page(request, events, AUDIT_PAGE_SIZE)}
    return render(request, "vetting/ops/audit.html", context, status=status)
