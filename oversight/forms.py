from django import forms

from .models import REASON_MAX, STATEMENT_MAX, RequestStatus


class ReviewRequestForm(forms.Form):
    statement = forms.CharField(
        label="What should a person look at again?",
        max_length=STATEMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"In your own words, up to {STATEMENT_MAX} characters.",
    )


class ReviewDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Decision",
        choices=[(s.value, s.label) for s in RequestStatus if s != RequestStatus.OPEN],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reasons the person will read",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    # Only for decisions with a figure (a quality or assessment score); the service checks its range.
    corrected_score = forms.DecimalField(
        label="Corrected score",
        required=False,
        min_value=0,
        max_value=100,
        max_digits=6,
        decimal_places=3,
        help_text="Only for a score: the figure that replaces it (a quality score from 0 to 1, an assessment in %).",
    )
