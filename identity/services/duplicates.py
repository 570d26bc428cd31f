"""Finding two accounts of one person: the same identity document, bank account or tax identifier.

Each check runs inside the transaction that learned the fact (a verification, a payout
account's sync, a signed tax form) and opens one case per pair of accounts and signal,
with masked evidence (``identity.services.cases``). Nothing is blocked here.
"""

from __future__ import annotations

from django.apps import apps

from identity.fingerprints import fingerprint_hint
from identity.models import AccountReviewCase, DuplicateSignal, IdentityVerification
from identity.services.cases import account_case_open_duplicate
from payouts.models import PayoutAccount


def _when(value) -> str | None:
    return value.isoformat() if value else None


def duplicate_check_document(*, verification: IdentityVerification) -> list[AccountReviewCase]:
    """Other experts whose verified identity document has the same fingerprint."""
    if not verification.document_fingerprint:
        return []
    others = (
        IdentityVerification.objects.filter(document_fingerprint=verification.document_fingerprint)
        .exclude(contributor_id=verification.contributor_id)
        .order_by("contributor_id", "-verified_at")
        .distinct("contributor_id")
    )
    opened = []
    for other in others:
        case = account_case_open_duplicate(
            signal=DuplicateSignal.IDENTITY_DOCUMENT,
            contributor_ids=(verification.contributor_id, other.contributor_id),
            evidence={
                "matched": "identity document (issuing country, type and number)",
                "document_type": verification.document_type,
                "issuing_country": verification.document_country,
                "fingerprint": fingerprint_hint(verification.document_fingerprint),
                "records": [
                    {
                        "contributor": item.contributor_id,
                        "verification": item.pk,
                        "verified_name": item.verified_name,
                        "verified_at": _when(item.verified_at),
                    }
                    for item in (verification, other)
                ],
            },
        )
        if case is not None:
            opened.append(case)
    return opened


def duplicate_check_bank_account(*, account: PayoutAccount) -> list[AccountReviewCase]:
    """Other experts whose payout account pays into the bank account with the same fingerprint."""
    if not account.bank_fingerprint:
        return []
    opened = []
    others = PayoutAccount.objects.filter(bank_fingerprint=account.bank_fingerprint).exclude(pk=account.pk)
    for other in others:
        case = account_case_open_duplicate(
            signal=DuplicateSignal.BANK_ACCOUNT,
            contributor_ids=(account.contributor_id, other.contributor_id),
            evidence={
                "matched": "payout bank account",
                "bank_last4": account.bank_last4,
                "fingerprint": fingerprint_hint(account.bank_fingerprint),
                "records": [
                    {
                        "contributor": item.contributor_id,
                        "stripe_account": item.stripe_account_id,
                        "synced_at": _when(item.synced_at),
                    }
                    for item in (account, other)
                ],
            },
        )
        if case is not None:
            opened.append(case)
    return opened


def duplicate_check_tin(*, contributor_id: int, tin_fingerprint: str) -> list[AccountReviewCase]:
    """Other experts who signed a tax form with the same tax identifier (its HMAC fingerprint).

    Reads ``tax.models.TaxForm`` (``contributor``, ``tin_fingerprint``); without the tax
    app installed there is nothing to compare with.
    """
    if not tin_fingerprint or not apps.is_installed("tax"):
        return []
    tax_form = apps.get_model("tax", "TaxForm")
    others = (
        tax_form.objects.filter(tin_fingerprint=tin_fingerprint, superseded_at__isnull=True)
        .exclude(contributor_id=contributor_id)
        .order_by("contributor_id", "-pk")
        .distinct("contributor_id")
    )
    opened = []
    for other in others:
        case = account_case_open_duplicate(
            signal=DuplicateSignal.TIN,
            contributor_ids=(contributor_id, other.contributor_id),
            evidence={
                "matched": "tax identifier on a signed tax form",
                "fingerprint": fingerprint_hint(tin_fingerprint),
                "records": [
                    {"contributor": contributor_id, "tax_form": None},
                    {
                        "contributor": other.contributor_id,
                        "tax_form": other.pk,
                        "signed_at": _when(getattr(other, "signed_at", None)),
                    },
                ],
            },
        )
        if case is not None:
            opened.append(case)
    return opened
