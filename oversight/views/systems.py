"""The public page of every automated system in the product; no sign-in needed."""

from django.shortcuts import render

from ..systems import NOT_PROCESSED, REVIEW_DAYS, SYSTEMS


def systems_page(request):
    return render(
        request,
        "oversight/systems.html",
        {"systems": SYSTEMS, "not_processed": NOT_PROCESSED, "review_days": REVIEW_DAYS},
    )
