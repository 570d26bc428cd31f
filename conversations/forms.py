from django import forms

from .models import CLOSE_REASON_MAX_LENGTH, MESSAGE_MAX_LENGTH


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Your message",
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=f"Plain text, at most {MESSAGE_MAX_LENGTH:,} characters.",
    )
    attachment = forms.FileField(
        label="Attach a document (optional)",
        required=False,
        help_text="A PDF, PNG or JPEG file.",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
    )


class CloseForm(forms.Form):
    reason = forms.CharField(
        label="Why close this conversation",
        max_length=CLOSE_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Both sides read it. A closed conversation can be read but not answered.",
    )
