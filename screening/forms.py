"""Forms of operations' sanctions review pages."""

from django import forms

from .models import ScreeningReview


class ProposeForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("clear", "Not the same person: clear"), ("confirm", "The same person: confirm the match")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=ScreeningReview._meta.get_field("proposed_reason").max_length,
        help_text="The evidence you relied on: identity documents, dates and places of birth, nationality.",
    )


class SecondForm(forms.Form):
    agree = forms.TypedChoiceField(
        choices=[("true", "Agree: decide it"), ("false", "Disagree: send it back")],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=ScreeningReview._meta.get_field("decided_reason").max_length,
    )
