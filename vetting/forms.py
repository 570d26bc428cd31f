"""Page forms for vetting; they parse input, the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db import models
from django.template.defaultfilters import filesizeformat

from audit.models import AuditEvent
from contributors.forms import domain_choice_groups
from contributors.models import ContributorStatus, Tier
from contributors.reference import country_choices
from contributors.selectors import domain_tree

from .models import (
    CaseStatus,
    Credential,
    CredentialKind,
    CredentialQuestion,
    CredentialStatus,
    DeactivationCase,
    TierDecision,
)

DOCUMENT_ACCEPT = ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"


def _document_help() -> str:
    return f"A PDF, PNG or JPEG file of at most {filesizeformat(settings.CREDENTIAL_DOCUMENT_MAX_BYTES)}."


def _text(
    label: str, *, stored_in: tuple[type[models.Model], str], required: bool = True, rows: int = 4, help_text: str = ""
) -> forms.CharField:
    """A text box no longer than the column (model, field name) the text is stored in."""
    model, name = stored_in
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=model._meta.get_field(name).max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


# --- expert --------------------------------------------------------------------------


class CredentialForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "Choose a kind"), *CredentialKind.choices], label="Kind of credential")
    field = forms.ChoiceField(label="Field it proves expertise in")
    title = forms.CharField(max_length=200, label="Title", help_text="For example: Medical license, PhD in Physics.")
    issuer = forms.CharField(max_length=200, label="Issued by", help_text="The university, board or employer.")
    identifier = forms.CharField(
        max_length=100, required=False, label="Number or identifier", help_text="Licence or certificate number, if any."
    )
    country = forms.ChoiceField(label="Country of issue")
    issued_on = forms.DateField(label="Issued on", widget=DateInput())
    expires_on = forms.DateField(
        required=False, label="Expires on", help_text="Leave empty if it does not expire.", widget=DateInput()
    )
    document = forms.FileField(label="Document", widget=forms.FileInput(attrs={"accept": DOCUMENT_ACCEPT}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.domains = {domain.slug: domain for domain in domain_tree()}
        self.fields["field"].choices = [("", "Choose a field"), *domain_choice_groups(self.domains.values())]
        self.fields["country"].choices = [("", "Choose a country"), *country_choices()]
        self.fields["document"].help_text = _document_help()

    def clean_field(self):
        return self.domains[self.cleaned_data["field"]]

    def credential_data(self) -> dict:
        return dict(self.cleaned_data)


class AnswerForm(forms.Form):
    answer = _text("Your answer", stored_in=(CredentialQuestion, "answer"))
    document = forms.FileField(
        required=False,
        label="New document (optional)",
        widget=forms.FileInput(attrs={"accept": DOCUMENT_ACCEPT}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kept = "It replaces the current one; the old one is kept for the record."
        self.fields["document"].help_text = f"{_document_help()} {kept}"


class AttemptForm(forms.Form):
    """One multiple-choice question per field; a question left blank counts as not answered."""

    def __init__(self, *args, questions: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        for number, question in enumerate(questions):
            self.fields[f"q{number}"] = forms.TypedChoiceField(
                label=f"{number + 1}. {question['prompt']}",
                choices=[(str(index), text) for index, text in enumerate(question["choices"])],
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )

    def answers(self) -> list[int | None]:
        return [self.cleaned_data[name] for name in self.fields]


class CaseResponseForm(forms.Form):
    response = _text(
        "Your response",
        stored_in=(DeactivationCase, "expert_response"),
        rows=6,
        help_text="Explain your side; the reviewer reads it before deciding.",
    )


class CaseAppealForm(forms.Form):
    statement = _text(
        "Your appeal",
        rows=6,
        stored_in=(DeactivationCase, "appeal_statement"),
        help_text="Say why the decision should change. A different reviewer decides.",
    )


# --- operations ----------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        label="Status",
        choices=[("", "Waiting (submitted, in review, needs information)"), *CredentialStatus.choices],
    )


class QuestionForm(forms.Form):
    question = _text(
        "Question for the expert",
        stored_in=(CredentialQuestion, "question"),
        help_text="The expert is emailed and answers on their page.",
    )


class VerifyForm(forms.Form):
    note = _text(
        "Note (optional)",
        stored_in=(AuditEvent, "reason"),
        required=False,
        rows=2,
        help_text="Kept in the audit trail.",
    )


class RejectForm(forms.Form):
    reason = _text(
        "Reason for rejecting", stored_in=(Credential, "rejection_reason"), help_text="The expert reads this."
    )


class ContributorFilterForm(forms.Form):
    search = forms.CharField(required=False, max_length=200, label="Name or email contains")
    status = forms.ChoiceField(required=False, label="Status", choices=[("", "Any"), *ContributorStatus.choices])
    tier = forms.ChoiceField(required=False, label="Tier", choices=[("", "Any"), *Tier.choices])


class TierDecisionForm(forms.Form):
    tier = forms.ChoiceField(
        choices=[("", "Choose a tier"), *Tier.choices],
        label="New tier",
        help_text="Moving someone into the Expert tier waits for a second reviewer's approval.",
    )
    reason = _text(
        "Reason",
        stored_in=(TierDecision, "reason"),
        rows=3,
        help_text="Why this tier is right for this expert; the expert is told.",
    )


class DeclineForm(forms.Form):
    reason = _text("Reason for declining", stored_in=(TierDecision, "decline_reason"), rows=2)


class CaseOpenForm(forms.Form):
    concern = _text(
        "Concern",
        stored_in=(DeactivationCase, "concern"),
        help_text="The expert is warned with this text. Nothing is decided by opening a case.",
    )


class _CaseActionForm(forms.Form):
    """Several case forms can share a page; their own id prefix keeps labels pointing at the right input."""

    id_prefix = "case"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class CaseNoticeForm(_CaseActionForm):
    id_prefix = "notice"
    evidence = _text(
        "Evidence",
        stored_in=(DeactivationCase, "evidence"),
        rows=6,
        help_text="The expert sees exactly this and can respond to it.",
    )
    response_days = forms.IntegerField(
        required=False,
        min_value=3,
        max_value=60,
        label="Days to respond",
        help_text="3 to 60; leave empty for the standard window.",
    )


class CaseDecisionForm(_CaseActionForm):
    id_prefix = "decide"
    outcome = forms.ChoiceField(
        label="Decision",
        widget=forms.RadioSelect,
        choices=[("dismiss", "Dismiss: no action"), ("deactivate", "Deactivate the account")],
    )
    reason = _text("Reason", stored_in=(DeactivationCase, "decision_reason"), help_text="The expert reads this.")

    def __init__(self, *args, dismiss_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if dismiss_only:
            # A warning can only be dismissed; deactivating needs notice with evidence first.
            self.fields["outcome"].choices = [("dismiss", "Dismiss: no action")]
            self.fields["outcome"].initial = "dismiss"

    @property
    def deactivate(self) -> bool:
        return self.cleaned_data["outcome"] == "deactivate"


class CaseAppealDecisionForm(_CaseActionForm):
    id_prefix = "appeal"
    outcome = forms.ChoiceField(
        label="Appeal decision",
        widget=forms.RadioSelect,
        choices=[("reinstate", "Uphold the appeal: reinstate the expert"), ("refuse", "Refuse: deactivation stands")],
    )
    reason = _text("Reason", stored_in=(DeactivationCase, "appeal_decision_reason"), help_text="The expert reads this.")

    @property
    def reinstate(self) -> bool:
        return self.cleaned_data["outcome"] == "reinstate"


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False, label="Status", choices=[("", "Open cases"), ("all", "All cases"), *CaseStatus.choices]
    )


class AuditFilterForm(forms.Form):
    action = forms.CharField(
        required=False,
        max_length=100,
        label="Action starts with",
        help_text="For example vetting.credential or vetting.tier.",
    )
    target_type = forms.CharField(
        required=False,
        max_length=100,
        label="Target type",
        help_text="For example vetting.credential, contributors.contributor, vetting.deactivationcase.",
    )
    target_id = forms.CharField(required=False, max_length=64, label="Target id")
    actor = forms.CharField(required=False, max_length=254, label="Actor email contains")
