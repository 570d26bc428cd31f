"""Forms of the pay pages: starting a pay run, and finding an expert's statement in one."""

from __future__ import annotations

import calendar

from django import forms
from django.conf import settings


class PayRunStartForm(forms.Form):
    period_start = forms.DateField(
        label="A day in the week to pay",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        first_day = calendar.day_name[settings.PAY_WEEK_START]
        self.fields["period_start"].help_text = (
            f"Pay weeks start on {first_day}; any day picks its whole week. Only a week that is over can be run, "
            "and running a week again replaces its draft."
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
