"""Fingerprints and masks: how an identity document is recognised without being kept."""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings


def document_fingerprint(*, issuing_country: str, document_type: str, number: str) -> str:
    """HMAC-SHA256 of the document's issuing country, type and number (spaces, dashes and case ignored).

    The same document on two accounts gives the same fingerprint; the number cannot be read back.
    """
    canonical_number = re.sub(r"[^0-9A-Za-z]", "", number or "").upper()
    if not canonical_number:
        return ""
    message = f"{(issuing_country or '').upper()}|{(document_type or '').lower()}|{canonical_number}".encode()
    return hmac.new(settings.IDENTITY_FINGERPRINT_KEY.encode(), message, hashlib.sha256).hexdigest()


def fingerprint_hint(fingerprint: str) -> str:
    """Enough of a fingerprint for a person to see two are the same, no more."""
    return f"{fingerprint[:8]}…" if fingerprint else ""
