from django import forms

from .models import ErasureRequest


class ErasureDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("erase", "Erase their data"), ("refuse", "Refuse, with reasons the person reads")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        max_length=ErasureRequest._meta.get_field("decision_reason").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The person reads this.",
    )


class ErasureRequestForm(forms.Form):
    statement = forms.CharField(
        required=False,
        max_length=ErasureRequest._meta.get_field("statement").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Anything you want operations to know (optional)",
    )
