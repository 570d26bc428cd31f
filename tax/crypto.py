"""The taxpayer identifier at rest: encrypted, fingerprinted, and decrypted only with a trace.

The identifier is encrypted with Fernet (AES-128-CBC with HMAC-SHA256) under the keys of
``TAX_DATA_KEYS``: the first key encrypts, every key listed decrypts, so a key is rotated
by putting a new one first, re-encrypting (``tin_reencrypt``) and later dropping the old
one. The fingerprint is an HMAC-SHA256 under a separate key (``TAX_FINGERPRINT_KEY``) of
the compact identifier with its issuing country: the same number on two accounts has the
same fingerprint, which can be compared without decrypting anything, and without the key
nobody can test guesses against it (a US SSN has only a billion values).

Decrypting is for filing with a tax authority (year-end reporting): ``tin_reveal`` allows
it to the system and to operations finance only, and records each time in the audit trail.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import transaction

from accounts.permissions import is_ops_finance
from audit.services import audit_record
from config.errors import ApplicationError, NotPermitted

from .identifiers import tin_masked
from .models import TaxForm

REVEAL_PURPOSE_MAX_LENGTH = 500


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.TAX_DATA_KEYS])


def tin_encrypt(compact: str) -> str:
    return _fernet().encrypt(compact.encode()).decode()


def tin_decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        # A key dropped from TAX_DATA_KEYS while rows still used it, or a damaged row.
        raise ApplicationError(
            "This tax identifier cannot be decrypted with the keys configured.", code="tin_undecryptable"
        ) from None


def tin_reencrypt(token: str) -> str:
    """The same identifier encrypted under the first (newest) key, for key rotation."""
    return _fernet().rotate(token.encode()).decode()


def tin_fingerprint(compact: str, *, country: str) -> str:
    message = f"{country.upper()}:{compact.upper()}".encode()
    return hmac.new(settings.TAX_FINGERPRINT_KEY.encode(), message, hashlib.sha256).hexdigest()


def tax_form_tin_masked(form: TaxForm) -> str:
    return tin_masked(kind=form.tin_kind, last4=form.tin_last4)


def tin_reveal(form: TaxForm, *, actor, purpose: str) -> str:
    """The identifier in clear, for filing (1099-NEC, DAC7): the system or operations finance only, audited."""
    if actor is not None and not is_ops_finance(actor):
        raise NotPermitted("Only operations finance may read a tax identifier.", code="tin_reveal_forbidden")
    purpose = purpose.strip()
    if not purpose or len(purpose) > REVEAL_PURPOSE_MAX_LENGTH:
        raise ApplicationError(
            "Say why the identifier is needed.",
            code="purpose_required",
            fields={"purpose": [f"Give the purpose, in at most {REVEAL_PURPOSE_MAX_LENGTH} characters."]},
        )
    if not form.tin_encrypted:
        return ""
    plain = tin_decrypt(form.tin_encrypted)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="tax.tin.revealed",
            target=form,
            after={"tin": tax_form_tin_masked(form), "tin_country": form.tin_country},
            reason=purpose,
        )
    return plain
