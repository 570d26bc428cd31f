"""The rules of the forms themselves: which form an expert gives, and until when it holds."""

from __future__ import annotations

from datetime import date

from django.db.models import Q

from .models import TaxFormKind

US_PERSON_COUNTRY = "US"


def tax_form_kind_for(country: str) -> str:
    """A US person (an expert whose country is the United States) gives a W-9; everyone else a W-8BEN."""
    return TaxFormKind.W9 if country.upper() == US_PERSON_COUNTRY else TaxFormKind.W8BEN


def tax_form_kind_fits_q(contributor_prefix: str = "contributor__") -> Q:
    """``tax_form_kind_for`` for a query over tax forms: the form's kind is the one its expert's
    country asks for (tests/tax check that the two agree)."""
    us = {f"{contributor_prefix}country": US_PERSON_COUNTRY}
    return Q(kind=TaxFormKind.W9, **us) | (Q(kind=TaxFormKind.W8BEN) & ~Q(**us))


def tax_form_expires_on(*, kind: str, signed_on: date) -> date | None:
    """A W-8BEN holds until the last day of the third calendar year after the year it was signed.

    Signed on 1 March 2026, it expires on 31 December 2029 (26 CFR 1.1441-1(e)(4)(ii)(A)). A W-9
    does not expire; a new one is asked for when something on it changes.
    """
    if kind != TaxFormKind.W8BEN:
        return None
    return date(signed_on.year + 3, 12, 31)
