"""What several vetting pages share."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect


def profile_first(request):
    """An expert without a profile is sent to fill it in before anything that needs it."""
    messages.info(request, "Fill in your profile first.")
    return redirect("expert-profile")
