"""Tax forms for the demo experts: each signs the form their country asks for, with an
identifier of the right shape whose check digits pass, and no two experts share one.

The identifiers are made up: candidates of the country's layout are drawn from a random
generator seeded with the expert's email, and the first that the product's own check
(``tax.identifiers``, python-stdnum) accepts and no other demo expert holds is used. So the
demo never carries a number the product itself would refuse, and runs the same every time.
"""

from __future__ import annotations

import hashlib
import random
import string
from collections.abc import Callable

from tax.identifiers import InvalidIdentifier, foreign_tin_validate, us_tin_validate
from tax.models import TinKind

# Street, city, postal code and region for a demo address in each country the demo uses.
ADDRESSES = {
    "US": ("500 Howard Street", "San Francisco", "94105", "CA"),
    "BR": ("Avenida Paulista 1000", "São Paulo", "01310-100", "SP"),
    "CA": ("100 Queen Street West", "Toronto", "M5H 2N2", "ON"),
    "DE": ("Invalidenstraße 50", "Berlin", "10115", ""),
    "FR": ("12 rue de la République", "Lyon", "69002", ""),
    "GB": ("10 Oxford Road", "Manchester", "M1 5QA", ""),
    "IN": ("12 MG Road", "Bengaluru", "560001", "KA"),
    "MX": ("Paseo de la Reforma 222", "Ciudad de México", "06600", "CMX"),
    "PH": ("Osmeña Boulevard 15", "Cebu City", "6000", ""),
    "KE": ("Kenyatta Avenue 20", "Nairobi", "00100", ""),
}


def _digits(rng: random.Random, n: int, *, first: str = string.digits) -> str:
    return rng.choice(first) + "".join(rng.choice(string.digits) for _ in range(n - 1))


def _letters(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.ascii_uppercase) for _ in range(n))


# A candidate in each country's layout; the check digits are left to chance and the
# product's check keeps only those that pass.
_CANDIDATES: dict[str, Callable[[random.Random], str]] = {
    "BR": lambda rng: _digits(rng, 11, first="123456789"),
    "CA": lambda rng: _digits(rng, 9, first="1234567"),
    "DE": lambda rng: _digits(rng, 11, first="123456789"),
    "FR": lambda rng: _digits(rng, 13, first="123"),
    "GB": lambda rng: _digits(rng, 10, first="123456789"),
    "IN": lambda rng: _letters(rng, 3) + "P" + _letters(rng, 1) + _digits(rng, 4, first="123456789") + _letters(rng, 1),
    "MX": lambda rng: (
        _letters(rng, 4)
        + f"{rng.randint(60, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        + _letters(rng, 1)
        + _digits(rng, 2)
    ),
    "KE": lambda rng: "A" + _digits(rng, 9) + _letters(rng, 1),
    "PH": lambda rng: f"{_digits(rng, 3)}-{_digits(rng, 3)}-{_digits(rng, 3)}-000",
}


def demo_tin(*, email: str, country: str, taken: set[str]) -> tuple[str, str]:
    """(kind, identifier) for a demo expert: an SSN for a US person, else their country's own."""
    rng = random.Random(hashlib.sha256(email.encode()).digest())
    for _ in range(200_000):
        if country == "US":
            # Area 536 is issued; group and serial drawn (never 00 or 0000).
            candidate = f"536-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
            kind = TinKind.SSN
            check = lambda value: us_tin_validate(value, kind=TinKind.SSN)  # noqa: E731
        else:
            candidate = _CANDIDATES[country](rng)
            kind = TinKind.FOREIGN
            check = lambda value: foreign_tin_validate(value, country=country)  # noqa: E731
        try:
            compact = check(candidate).compact
        except InvalidIdentifier:
            continue
        if compact not in taken:
            taken.add(compact)
            return kind, candidate
    raise RuntimeError(f"no demo identifier found for {country}")


def demo_birth_date(email: str) -> str:
    """A date of birth between 1962 and 1996, the same for an expert every time."""
    seed = int(hashlib.sha256(email.encode()).hexdigest()[:8], 16)
    return f"{1962 + seed % 35}-{seed // 35 % 12 + 1:02d}-{seed // 420 % 28 + 1:02d}"


def demo_tax_form_data(
    *, email: str, legal_name: str, country: str, subdivision: str, taken: set[str]
) -> tuple[str, dict]:
    """(form kind, the fields the expert types) for ``tax.services.tax_form_sign``."""
    street, city, postal_code, region = ADDRESSES[country]
    if country == "US" and subdivision:
        # The state the profile names (a W-9's address is where the person lives).
        region = subdivision.split("-", 1)[1]
    kind, tin = demo_tin(email=email, country=country, taken=taken)
    data = {
        "legal_name": legal_name,
        "tin": tin,
        "address_line1": street,
        "city": city,
        "postal_code": postal_code,
        "region": region,
        "address_country": country,
    }
    if country == "US":
        return "w9", {**data, "tin_kind": kind}
    return "w8ben", {
        **data,
        "tin_country": country,
        "citizenship_country": country,
        "date_of_birth": demo_birth_date(email),
    }
