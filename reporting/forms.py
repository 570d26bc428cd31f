"""Operations finance start a year's run from the tax reporting page."""

from django import forms

from .identities import DAC7_JURISDICTIONS
from .models import ReportForm

RUNS = [(ReportForm.FORM_1099_NEC, "Form 1099-NEC (US)"), (ReportForm.DAC7, "DAC7")]


class ReportRunForm(forms.Form):
    year = forms.IntegerField(widget=forms.HiddenInput)
    form = forms.ChoiceField(label="Report", choices=RUNS)
    jurisdiction = forms.ChoiceField(
        label="DAC7 jurisdiction",
        choices=[("", "—"), *((code, code) for code in sorted(DAC7_JURISDICTIONS))],
        required=False,
        help_text="The EU Member State (or GB) whose residents are reported; DAC7 only.",
    )
    dry_run = forms.BooleanField(label="Dry run: build and check the file, keep nothing", required=False, initial=True)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("form") == ReportForm.DAC7 and not cleaned.get("jurisdiction"):
            self.add_error("jurisdiction", "Choose the jurisdiction DAC7 is run for.")
        return cleaned
