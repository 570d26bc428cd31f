"""The one place where money is converted and rounded.

Amounts are integers in a currency's minor unit (cents, pence, paise) with an ISO 4217
code beside them; rates, multipliers and FX rates are ``Decimal``. Nothing here ever
passes through ``float`` or truncates.

Rounding rules (applied once per pay line, never to intermediate sums):

- a line's amount (hours x rate, FX conversion, a percentage bonus or fee) rounds half
  up to the nearest minor unit (``ROUND_HALF_UP``);
- a minimum-wage top-up rounds *up* (``ROUND_CEILING``), so that rounding can never leave
  a person below the floor;
- fees charged to a lab round half up; the platform never rounds in its own favour
  against a worker;
- an FX rate is kept to ``FX_RATE_PLACES`` (10) decimal places, the precision of
  ``FxRate.rate``. A rate derived from others (a cross rate through the euro, the inverse
  of a rate) is computed exactly, as a fraction, and rounded once, half to even
  (``ROUND_HALF_EVEN``): a rate is not an amount owed to anyone, so there is no side to
  round against, and half to even carries no bias in either direction over many rates.
  Both directions of a pair are rounded from the exact figures, never one from the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pycountry

# Minor-unit exponents that differ from 2 (ISO 4217). Everything else has 2.
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip

_SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "INR": "₹",
    "PHP": "₱",
    "JPY": "¥",
    "BRL": "R$",
    "MXN": "MX$",
    "CAD": "CA$",
    "KES": "KSh ",
}


# The largest amounts the product accepts, in minor units of any currency
# (docs/api.md, "Upper bounds"). Forms, the API (read from the models' validators) and
# database check constraints all enforce them. They keep every sum the pay run and
# funding compute far inside PostgreSQL's bigint: the largest budget plus the largest
# platform fee (a markup below 100) is about 10^14; a week's pay at the largest rate,
# 168 hours, about 2 x 10^10; bigint ends at 9.2 x 10^18.
RATE_MINOR_MAX = 100_000_000  # an hourly rate or a task price: 1,000,000.00 in a two-decimal currency
BUDGET_MINOR_MAX = 1_000_000_000_000  # a project's budget: 10,000,000,000.00 in a two-decimal currency
# The largest exchange rate operations may set by hand (units of the quote currency per one
# unit of the base): the weakest currencies trade at about 10^5 to the US dollar, so a rate
# above 10^6 is a typing mistake; the inverse pair is stored for anything the other way.
FX_RATE_MAX = Decimal("1000000")


# FX rates: the decimal places ``FxRate.rate`` keeps; a derived rate is rounded to them half
# to even (``fx_cross_rate``).
FX_RATE_PLACES = 10


class MoneyError(ValueError):
    pass


def exponent(currency: str) -> int:
    code = normalise_currency(currency)
    return _EXPONENTS.get(code, 2)


def normalise_currency(currency: str) -> str:
    code = (currency or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise MoneyError(f"'{currency}' is not an ISO 4217 currency code")
    return code


def is_known_currency(currency: str) -> bool:
    """Whether ``currency`` is an ISO 4217 code in use (not merely three letters)."""
    try:
        code = normalise_currency(currency)
    except MoneyError:
        return False
    return pycountry.currencies.get(alpha_3=code) is not None


def _as_decimal(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        raise MoneyError("money is never a float; pass a Decimal or a string")
    return value if isinstance(value, Decimal) else Decimal(value)


def to_minor(amount: Decimal | int | str, currency: str, *, rounding: str = ROUND_HALF_UP) -> int:
    """A major-unit amount (``Decimal("12.345")`` USD) in minor units (``1235``)."""
    scaled = _as_decimal(amount).scaleb(exponent(currency))
    return int(scaled.quantize(Decimal(1), rounding=rounding))


def from_minor(amount_minor: int, currency: str) -> Decimal:
    """Minor units back to an exact major-unit ``Decimal``."""
    places = exponent(currency)
    return Decimal(int(amount_minor)).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def round_minor(amount_minor: Decimal, *, rounding: str = ROUND_HALF_UP) -> int:
    """An exact amount already in minor units (a sum of rates times minutes), rounded once."""
    return int(_as_decimal(amount_minor).quantize(Decimal(1), rounding=rounding))


def multiply(amount_minor: int, factor: Decimal | int | str, *, rounding: str = ROUND_HALF_UP) -> int:
    """An amount times a rate or multiplier, rounded once to whole minor units."""
    product = Decimal(int(amount_minor)) * _as_decimal(factor)
    return int(product.quantize(Decimal(1), rounding=rounding))


def pay_for_minutes(hourly_rate_minor: int, minutes: int, *, rounding: str = ROUND_HALF_UP) -> int:
    """Pay for a number of minutes at an hourly rate, rounded once."""
    return multiply(hourly_rate_minor, Decimal(int(minutes)) / Decimal(60), rounding=rounding)


def hourly_rate_minor(amount_minor: int, minutes: int, *, rounding: str = ROUND_HALF_UP) -> int:
    """The hourly rate that an amount for a number of minutes works out to."""
    if minutes <= 0:
        raise MoneyError("an hourly rate needs a positive number of minutes")
    return int((Decimal(int(amount_minor)) * 60 / Decimal(int(minutes))).quantize(Decimal(1), rounding=rounding))


def convert(
    amount_minor: int, *, from_currency: str, to_currency: str, rate: Decimal | str, rounding: str = ROUND_HALF_UP
) -> int:
    """Convert with ``rate`` = units of ``to_currency`` per one unit of ``from_currency``."""
    source, target = normalise_currency(from_currency), normalise_currency(to_currency)
    if source == target:
        return int(amount_minor)
    rate = _as_decimal(rate)
    if rate <= 0:
        raise MoneyError("an FX rate must be positive")
    major = from_minor(amount_minor, source) * rate
    return to_minor(major, target, rounding=rounding)


def fx_cross_rate(*, base_per_pivot: Decimal | int | str, quote_per_pivot: Decimal | int | str) -> Decimal:
    """Units of the quote currency per one unit of the base, from two rates against one pivot.

    ``base_per_pivot`` and ``quote_per_pivot`` are units of each per one unit of the pivot
    (the European Central Bank publishes units of each currency per euro). The quotient is
    exact (a fraction) and rounded once to ``FX_RATE_PLACES``, half to even. The inverse of
    a rate is the cross rate with ``quote_per_pivot=1``.
    """
    base, quote = _as_decimal(base_per_pivot), _as_decimal(quote_per_pivot)
    if not (base.is_finite() and quote.is_finite()) or base <= 0 or quote <= 0:
        raise MoneyError("an FX rate must be positive")
    scaled = Fraction(quote) / Fraction(base) * 10**FX_RATE_PLACES
    whole, remainder = divmod(scaled.numerator, scaled.denominator)
    # Half to even: more than half a unit of the last place rounds up, exactly half only to an even digit.
    twice = 2 * remainder
    if twice > scaled.denominator or (twice == scaled.denominator and whole % 2):
        whole += 1
    if whole == 0:
        raise MoneyError(f"the rate is below {Decimal(1).scaleb(-FX_RATE_PLACES):f} and cannot be kept")
    return Decimal(whole).scaleb(-FX_RATE_PLACES)


def fx_inverse_rate(rate: Decimal | int | str) -> Decimal:
    """Units of ``base`` per one ``quote`` for a rate of units of ``quote`` per ``base``, rounded once."""
    return fx_cross_rate(base_per_pivot=rate, quote_per_pivot=1)


@dataclass(frozen=True)
class Money:
    amount_minor: int
    currency: str

    def __post_init__(self):
        object.__setattr__(self, "currency", normalise_currency(self.currency))
        if not isinstance(self.amount_minor, int) or isinstance(self.amount_minor, bool):
            raise MoneyError("amount_minor must be an int")

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise MoneyError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __str__(self) -> str:
        return format_money(self.amount_minor, self.currency)


def format_money(amount_minor: int, currency: str) -> str:
    code = normalise_currency(currency)
    value = from_minor(amount_minor, code)
    return _labelled(value < 0, f"{abs(value):,.{exponent(code)}f}", code)


def format_exact(amount: Decimal | int | str, currency: str, *, max_places: int = 4) -> str:
    """A major-unit amount that is not a whole number of minor units, for reading.

    Minimum wages converted at an FX rate, or a day's share of one, are kept exact until a
    statement rounds them once; showing them to the cent would hide why the rounded total
    is what it is. Shows the currency's usual places, and more (up to ``max_places``) only
    where the value has them.
    """
    code = normalise_currency(currency)
    places = exponent(code)
    shown = max(places, max_places)
    value = _as_decimal(amount).quantize(Decimal(1).scaleb(-shown), rounding=ROUND_HALF_UP)
    number = f"{abs(value):,.{shown}f}"
    if shown > places:
        whole, fraction = number.split(".")
        fraction = fraction.rstrip("0").ljust(places, "0")
        number = f"{whole}.{fraction}" if fraction else whole
    return _labelled(value < 0, number, code)


def _labelled(negative: bool, number: str, code: str) -> str:
    sign = "-" if negative else ""
    symbol = _SYMBOLS.get(code)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {code}"
