"""What the identity app does when other apps announce something."""

from __future__ import annotations

from django.db import transaction


def _tax_form_signed(sender, *, contributor_id: int, tin_fingerprint: str, **kwargs) -> None:
    # Sent after the tax form's transaction committed: the check runs in a transaction of its own.
    from identity.services.duplicates import duplicate_check_tin

    with transaction.atomic():
        duplicate_check_tin(contributor_id=contributor_id, tin_fingerprint=tin_fingerprint)


def connect_tax_signals() -> None:
    from tax.signals import tax_form_signed

    tax_form_signed.connect(_tax_form_signed, dispatch_uid="identity.duplicate_check_tin")
