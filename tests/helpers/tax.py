"""Tax forms for tests: one signed through the service as an expert would, or many written at once."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from tax.crypto import tin_encrypt, tin_fingerprint
from tax.models import TaxForm, TaxFormKind, TinKind
from tax.services import tax_form_sign

W9_DATA = {
    "legal_name": "Ada Example",
    "tin_kind": TinKind.SSN,
    "tin": "536-90-4399",
    "address_line1": "1 Market Street",
    "city": "San Francisco",
    "region": "CA",
    "postal_code": "94105",
    "address_country": "US",
}

W8BEN_DATA = {
    "legal_name": "Ada Example",
    "tin": "36574261809",
    "tin_country": "DE",
    "citizenship_country": "DE",
    "date_of_birth": "1985-04-25",
    "address_line1": "Unter den Linden 1",
    "city": "Berlin",
    "postal_code": "10117",
    "address_country": "DE",
}


def own_ssn(contributor) -> str:
    """A valid SSN of the expert's own (area 536, group and serial from the profile's id)."""
    return f"536-{contributor.pk % 99 + 1:02d}-{contributor.pk // 99 % 9999 + 1:04d}"


def sign_tax_form(contributor, **overrides) -> TaxForm:
    """The form the expert's country asks for, signed through the service with the expert's legal name."""
    kind = TaxFormKind.W9 if contributor.country == "US" else TaxFormKind.W8BEN
    data = {**(W9_DATA if kind == TaxFormKind.W9 else W8BEN_DATA), "legal_name": contributor.legal_name, **overrides}
    return tax_form_sign(
        actor=contributor.user,
        contributor=contributor,
        kind=kind,
        data=data,
        certified=True,
        signed_name=data["legal_name"],
        ip="203.0.113.7",
    )


def tax_forms_in_bulk(contributors, *, signed_on: date | None = None) -> list[TaxForm]:
    """A W-9 for each (US) expert, written in bulk: the rows ``tax_form_sign`` would have written."""
    token = tin_encrypt("536904399")
    signed_at = (
        timezone.now() if signed_on is None else timezone.make_aware(timezone.datetime(*signed_on.timetuple()[:3]))
    )
    return TaxForm.objects.bulk_create(
        [
            TaxForm(
                contributor=contributor,
                kind=TaxFormKind.W9,
                legal_name=contributor.legal_name,
                tin_kind=TinKind.SSN,
                tin_encrypted=token,
                tin_last4="4399",
                # Each expert's own, as if each had given their own number.
                tin_fingerprint=tin_fingerprint(own_ssn(contributor).replace("-", ""), country="US"),
                tin_country="US",
                address_line1="1 Market Street",
                city="San Francisco",
                address_country="US",
                signed_name=contributor.legal_name,
                signed_at=signed_at,
                signed_by_id=contributor.user_id,
            )
            for contributor in contributors
        ],
        batch_size=2000,
    )
