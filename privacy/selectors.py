"""Reads of people's copies of their data, their erasure requests and the legal holds on them."""

from __future__ import annotations

from django.db.models import F, QuerySet

from accounts.models import User

from .models import DataExport, ErasureRequest, ErasureStatus, LegalHold

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


def legal_holds(*, viewer, email: str = "") -> QuerySet[LegalHold]:
    """Holds in force first (newest first), then released ones (latest released first).

    ``email`` narrows to people whose address contains it. Holds on the viewer themselves are
    left out: the person under a hold is not told while it is in force, even if they work in
    operations (docs/privacy.md)."""
    rows = LegalHold.objects.select_related("user", "placed_by", "released_by").exclude(user=viewer)
    if email := email.strip():
        rows = rows.filter(user__email__icontains=email)
    return rows.order_by(F("released_at").desc(nulls_first=True), "-placed_at", "-id")


def legal_hold_get(*, pk: int, viewer) -> LegalHold | None:
    return legal_holds(viewer=viewer).filter(pk=pk).first()


def legal_holds_in_force_on(*, user) -> QuerySet[LegalHold]:
    return (
        LegalHold.objects.select_related("placed_by").filter(user=user, released_at__isnull=True).order_by("placed_at")
    )


def person_by_email(*, email: str) -> User | None:
    """Anyone with an account, by their sign-in address (any case)."""
    return User.objects.filter(email__iexact=email.strip()).first()
