from django import forms

from .models import ANSWER_MAX, COMMENT_MAX, DIMENSION_LABELS, SCORE_MAX, SCORE_MIN

SCORE_CHOICES = [(value, str(value)) for value in range(SCORE_MIN, SCORE_MAX + 1)]


def _score(label: str, help_text: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=SCORE_CHOICES, coerce=int, widget=forms.RadioSelect, help_text=help_text
    )


class RatingForm(forms.Form):
    clarity = _score(DIMENSION_LABELS["clarity"], "1: unclear, often contradicted; 5: clear and complete.")
    fairness = _score(DIMENSION_LABELS["fairness"], "1: reviews felt arbitrary; 5: fair and explained.")
    speed = _score(DIMENSION_LABELS["speed"], "1: questions went unanswered; 5: answered within a day.")
    comment = forms.CharField(
        label="Anything operations should know (optional)",
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"Up to {COMMENT_MAX} characters. Read by operations only; never shown to the lab.",
    )


class AnswerForm(forms.Form):
    body = forms.CharField(
        label="The lab's answer",
        max_length=ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"Shown publicly beside the lab's ratings, up to {ANSWER_MAX} characters.",
    )
