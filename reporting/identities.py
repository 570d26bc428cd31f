"""Who a payee is for the forms: their tax form in force, and the account paid into.

Reads the tax forms experts sign (``tax``); the identifier itself is decrypted only when
a file is written, through ``tax.crypto.tin_reveal`` (audited), never for a dry run.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import date

from contributors.models import Contributor
from payouts.models import PayoutAccount
from tax.crypto import tin_reveal
from tax.identifiers import tin_masked
from tax.models import TaxForm, TaxFormKind
from tax.selectors import tax_forms_in_force

# Member States of the European Union (DAC7) and the United Kingdom (OECD model rules).
EU_MEMBER_STATES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
DAC7_JURISDICTIONS = EU_MEMBER_STATES | {"GB"}


@dataclass(frozen=True)
class Payee:
    contributor_id: int
    form_id: int
    form_kind: str
    legal_name: str
    business_name: str
    tin_kind: str
    tin_last4: str
    tin_country: str
    tin_fingerprint: str
    no_tin_reason: str
    vat_number: str
    date_of_birth: date | None
    address_line1: str
    address_line2: str
    city: str
    region: str
    postal_code: str
    address_country: str
    financial_account: str
    # The place of birth, given on a W-8BEN instead of a foreign identifier.
    birth_city: str = ""
    birth_country: str = ""

    @property
    def has_birth_place(self) -> bool:
        return bool(self.birth_city and self.birth_country)

    @property
    def first_name(self) -> str:
        return self.legal_name.rsplit(" ", 1)[0] if " " in self.legal_name.strip() else self.legal_name

    @property
    def last_name(self) -> str:
        return self.legal_name.rsplit(" ", 1)[1] if " " in self.legal_name.strip() else self.legal_name

    @property
    def tin_masked(self) -> str:
        return tin_masked(kind=self.tin_kind, last4=self.tin_last4)

    def shown(self) -> dict:
        """What a record keeps and a copy prints: everything but the identifier in clear."""
        data = asdict(self)
        data["date_of_birth"] = self.date_of_birth.isoformat() if self.date_of_birth else ""
        data["tin_masked"] = self.tin_masked
        data["financial_account"] = _masked_account(self.financial_account)
        data["financial_account_digest"] = hashlib.sha256(self.financial_account.encode()).hexdigest()[:16]
        del data["form_id"]
        # Kept only when given, so that records generated before places of birth were asked
        # for still compare equal and are not corrected for nothing.
        for key in ("birth_city", "birth_country"):
            if not data[key]:
                del data[key]
        return data


def _masked_account(value: str) -> str:
    return f"…{value[-4:]}" if value else ""


def payees(*, contributor_ids: list[int], on: date) -> dict[int, Payee]:
    """Each expert's tax form in force on ``on`` (``tax.selectors.tax_forms_in_force``)."""
    forms = tax_forms_in_force(contributor_ids=contributor_ids, on=on).values()
    accounts = dict(
        PayoutAccount.objects.filter(contributor_id__in=contributor_ids).values_list(
            "contributor_id", "stripe_account_id"
        )
    )
    return {
        form.contributor_id: Payee(
            contributor_id=form.contributor_id,
            form_id=form.pk,
            form_kind=form.kind,
            legal_name=form.legal_name,
            business_name=form.business_name,
            tin_kind=form.tin_kind,
            tin_last4=form.tin_last4,
            tin_country=form.tin_country,
            tin_fingerprint=form.tin_fingerprint,
            no_tin_reason=form.no_tin_reason,
            vat_number=form.vat_number,
            date_of_birth=form.date_of_birth,
            address_line1=form.address_line1,
            address_line2=form.address_line2,
            city=form.city,
            region=form.region,
            postal_code=form.postal_code,
            address_country=form.address_country,
            financial_account=accounts.get(form.contributor_id, ""),
            birth_city=form.birth_city,
            birth_country=form.birth_country,
        )
        for form in forms
    }


def payee_tin(*, payee: Payee, actor, purpose: str) -> str:
    """The identifier in clear, for a file about to be written (audited by ``tin_reveal``)."""
    return tin_reveal(TaxForm.objects.get(pk=payee.form_id), actor=actor, purpose=purpose)


def is_w9(payee: Payee | None) -> bool:
    return payee is not None and payee.form_kind == TaxFormKind.W9


def experts_resident_in(*, country: str, contributor_ids: list[int]) -> set[int]:
    return set(Contributor.objects.filter(pk__in=contributor_ids, country=country.upper()).values_list("pk", flat=True))
