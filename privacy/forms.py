from django import forms

from .models import ErasureRequest, LegalHold


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


class LegalHoldForm(forms.Form):
    email = forms.EmailField(
        label="The person's email address", help_text="The address they sign in with.", max_length=254
    )
    reason = forms.CharField(
        max_length=LegalHold._meta.get_field("reason").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The claim, inquiry or order that requires the records to be kept. Operations read this; the person does not.",
    )


class LegalHoldReleaseForm(forms.Form):
    note = forms.CharField(
        label="Why the hold ends",
        max_length=LegalHold._meta.get_field("release_note").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LegalHoldFilterForm(forms.Form):
    email = forms.CharField(label="Person's email contains", required=False, max_length=254)
