"""Forms of the pay pages: starting a pay run, and finding an expert's statement in one."""

from __future__ import annotations

import calendar

from django import forms
from django.conf import settings

from payouts.models import REFERENCE_TEXT_MAX, AveragingUnit
from payouts.money import FX_RATE_MAX, RATE_MINOR_MAX


class PayRunStartForm(forms.Form):
    period_start = forms.DateField(
        label="A day in the week to pay",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        first_day = calendar.day_name[settings.PAY_WEEK_START]
        self.fields["period_start"].help_text = (
            f"Pay weeks start on {first_day}; any day picks its whole week. Only a week that has closed can be run "
            "(see when each closes above), and running a week again replaces its draft."
        )


class StatementSearchForm(forms.Form):
    search = forms.CharField(
        required=False,
        max_length=200,
        label="Expert name contains",
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class RevenueReportForm(forms.Form):
    since = forms.DateField(label="From the pay week starting", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="To the pay week starting", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", "Must be on or after the first week.")
        elif since and until and (until - since).days > 3660:
            self.add_error("until", "Ask for at most ten years at a time.")
        return cleaned


# --- payouts ---------------------------------------------------------------------------


class PayoutBatchCreateForm(forms.Form):
    pay_run = forms.ModelChoiceField(
        queryset=None,
        label="Approved pay run",
        empty_label="Choose a pay week",
        error_messages={"invalid_choice": "Choose an approved pay run that has no payout batch yet."},
        help_text="One payout per statement; whatever cannot go out yet is carried forward with its reason.",
    )

    def __init__(self, *args, **kwargs):
        from payouts.models import PayRun, PayRunStatus

        super().__init__(*args, **kwargs)
        self.fields["pay_run"].queryset = (
            PayRun.objects.filter(status=PayRunStatus.APPROVED, payout_batch__isnull=True)
            .select_related("period")
            .order_by("-period__starts_on")
        )
        self.fields["pay_run"].label_from_instance = lambda run: (
            f"Week of {run.period.starts_on:%-d %b %Y} (run #{run.pk})"
        )


class PayoutStatusFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, label="Status")

    def __init__(self, *args, **kwargs):
        from payouts.models import PayoutStatus

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "Every status"), *PayoutStatus.choices]


class PayoutHoldForm(forms.Form):
    expert_email = forms.EmailField(label="Expert's email address", max_length=254)
    reason = forms.CharField(
        max_length=500,
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The expert is shown this reason, word for word.",
    )
    review_by = forms.DateField(
        label="Review by",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="When the hold is looked at again. Held pay is kept and carried forward, never dropped.",
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why pay is held.")
        return reason


class PayoutHoldReleaseForm(forms.Form):
    note = forms.CharField(
        max_length=500,
        required=False,
        label="Note",
        widget=forms.TextInput(),
        help_text="Optional: what was resolved.",
    )


# --- reference data: what operations propose, and the second person's decision ---------------

_DATE = forms.DateInput(attrs={"type": "date"})
_REASON = forms.Textarea(attrs={"rows": 3})


class _WageFiguresForm(forms.Form):
    currency = forms.CharField(max_length=3, help_text="ISO 4217, e.g. USD, EUR.")
    hourly_minor = forms.IntegerField(
        label="Hourly minimum in minor units",
        min_value=1,
        max_value=RATE_MINOR_MAX,
        help_text="In cents (or the currency's minor unit): 1800 is 18.00.",
    )
    averaging_unit = forms.ChoiceField(label="Measured over", choices=AveragingUnit.choices)
    effective_from = forms.DateField(label="In force from", widget=_DATE)
    source_url = forms.URLField(label="Official source", max_length=500, assume_scheme="https")
    legal_basis = forms.CharField(max_length=300, required=False, help_text="The law or decision, in words.")
    note = forms.CharField(max_length=500, required=False)


class MinimumWageProposalForm(_WageFiguresForm):
    field_order = ["country", "subdivision"]
    country = forms.CharField(max_length=2, help_text="ISO 3166-1, e.g. US.")
    subdivision = forms.CharField(
        max_length=6, required=False, help_text="ISO 3166-2, e.g. US-CA; blank for the national minimum."
    )


class MinimumWageCorrectionForm(_WageFiguresForm):
    reason = forms.CharField(widget=_REASON, max_length=REFERENCE_TEXT_MAX, help_text="What was wrong.")


class FxRateProposalForm(forms.Form):
    base = forms.CharField(max_length=3, help_text="ISO 4217, e.g. EUR.")
    quote = forms.CharField(max_length=3, help_text="ISO 4217, e.g. USD.")
    rate = forms.DecimalField(
        max_digits=20,
        decimal_places=10,
        max_value=FX_RATE_MAX,
        help_text="Units of the quote currency for one of the base.",
    )
    effective_from = forms.DateField(label="In force from", widget=_DATE)
    reason = forms.CharField(widget=_REASON, max_length=REFERENCE_TEXT_MAX, help_text="Why the rate is set by hand.")


class RetirementForm(forms.Form):
    reason = forms.CharField(widget=_REASON, max_length=REFERENCE_TEXT_MAX, help_text="Why it should no longer apply.")


class ReferenceDecisionForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=REFERENCE_TEXT_MAX,
        required=False,
        help_text="Required to reject; optional to approve.",
    )
