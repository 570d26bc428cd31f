from django import forms

from identity.models import AccountCaseAnswer, AccountReviewCase, CaseStatus


class CaseAnswerForm(forms.Form):
    text = forms.CharField(
        label="Your answer",
        max_length=AccountCaseAnswer._meta.get_field("text").max_length,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Explain what you know about this; the reviewer reads it.",
    )


class CaseDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[
            (CaseStatus.CLEARED, "Cleared: nothing wrong"),
            (CaseStatus.CONFIRMED, "Confirmed: the name does not match / the accounts are one person's"),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reasons (the expert reads them)",
        max_length=AccountReviewCase._meta.get_field("decision_reason").max_length,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    kept_contributor = forms.TypedChoiceField(
        label="For a confirmed duplicate: the account that stays",
        coerce=int,
        required=False,
        empty_value=None,
        choices=[],
    )

    def __init__(self, *args, case: AccountReviewCase, **kwargs):
        super().__init__(*args, **kwargs)
        if case.other_contributor_id:
            self.fields["kept_contributor"].choices = [("", "—")] + [
                (contributor.pk, f"{contributor.display_name} (#{contributor.pk})")
                for contributor in (case.contributor, case.other_contributor)
            ]
        else:
            del self.fields["kept_contributor"]
