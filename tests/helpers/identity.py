"""Verified identities for tests whose experts are paid or promoted: what Stripe Identity would have left."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from identity.fingerprints import document_fingerprint
from identity.models import IdentityVerification, VerificationStatus


def make_verified_identity(contributor, *, document_number: str | None = None) -> IdentityVerification:
    """A verified identity in the profile's legal name, with a document of its own."""
    number = document_number or f"P{contributor.pk:08d}"
    return IdentityVerification.objects.create(
        contributor=contributor,
        stripe_session_id=f"vs_test_{contributor.pk}_{IdentityVerification.objects.count()}",
        status=VerificationStatus.VERIFIED,
        verified_name=contributor.legal_name,
        document_country="US",
        document_type="passport",
        document_fingerprint=document_fingerprint(issuing_country="US", document_type="passport", number=number),
        name_score=100,
        verified_at=timezone.now(),
    )


def verified_identities_in_bulk(contributors: Iterable) -> None:
    now = timezone.now()
    IdentityVerification.objects.bulk_create(
        [
            IdentityVerification(
                contributor=contributor,
                stripe_session_id=f"vs_bulk_{contributor.pk}",
                status=VerificationStatus.VERIFIED,
                verified_name=contributor.legal_name,
                name_score=100,
                verified_at=now,
            )
            for contributor in contributors
        ],
        batch_size=2000,
    )
