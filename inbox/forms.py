from django import forms

from accounts.models import NOTICE_KINDS_ALWAYS_MAILED, NoticeKind


class NoticePreferencesForm(forms.Form):
    """One box per kind of notice (ticked: mailed), security shown ticked and fixed, and the digest."""

    daily_digest = forms.BooleanField(
        required=False,
        label="Send me one digest a day instead of one mail per notice",
        help_text="Security notices still come at once.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in NoticeKind:
            always = kind in NOTICE_KINDS_ALWAYS_MAILED
            self.fields[f"email_{kind.value}"] = forms.BooleanField(
                required=False,
                label=kind.label,
                disabled=always,
                initial=True,
                help_text="Always mailed: they are about your account's safety." if always else "",
            )
        # The digest last, after the kinds.
        self.order_fields([*(f"email_{kind.value}" for kind in NoticeKind), "daily_digest"])

    def kind_fields(self):
        return [self[f"email_{kind.value}"] for kind in NoticeKind]

    def email_off(self) -> list[str]:
        return [
            kind.value
            for kind in NoticeKind
            if kind not in NOTICE_KINDS_ALWAYS_MAILED and not self.cleaned_data[f"email_{kind.value}"]
        ]

    @classmethod
    def initial_from(cls, preferences: dict) -> dict:
        initial = {f"email_{row['kind']}": row["email"] for row in preferences["kinds"]}
        initial["daily_digest"] = preferences["daily_digest"]
        return initial
