"""Reads of people's copies of their data."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import DataExport

RECENT_EXPORTS = 10


def data_exports_of(*, user) -> QuerySet[DataExport]:
    """The person's most recent requests, newest first."""
    return DataExport.objects.filter(user=user).order_by("-requested_at", "-id")[:RECENT_EXPORTS]
