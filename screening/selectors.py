"""Reads of the sanctions lists, for screening and for operations."""

from __future__ import annotations

from datetime import date

from .models import SanctionsList


def sanctions_list_in_force(*, list_kind: str, on: date | None = None) -> SanctionsList | None:
    """The publication of ``list_kind`` to screen against on ``on`` (by default the latest):
    the one published last on or before that day, the last imported of a day published twice."""
    publications = SanctionsList.objects.filter(list_kind=list_kind)
    if on is not None:
        publications = publications.filter(published_on__lte=on)
    return publications.order_by("-published_on", "-imported_at", "-pk").first()
