"""Reads of people's copies of their data."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import DataExport, ErasureRequest, ErasureStatus

RECENT_EXPORTS = 10


def data_exports_of(*, user) -> QuerySet[DataExport]:
    """The person's most recent requests, newest first."""
    return DataExport.objects.filter(user=user).order_by("-requested_at", "-id")[:RECENT_EXPORTS]


def erasure_requests_of(*, user) -> QuerySet[ErasureRequest]:
    return ErasureRequest.objects.filter(user=user).order_by("-requested_at", "-id")


def erasure_queue(*, include_decided: bool = False) -> QuerySet[ErasureRequest]:
    """Oldest first: the order operations answer in."""
    rows = ErasureRequest.objects.select_related("user", "decided_by")
    if not include_decided:
        rows = rows.filter(status=ErasureStatus.OPEN)
    return rows.order_by("requested_at", "id")


def erasure_request_get(*, pk: int) -> ErasureRequest | None:
    return ErasureRequest.objects.select_related("user", "decided_by").filter(pk=pk).first()
