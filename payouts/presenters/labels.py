"""Pay in words: durations, pay weeks, places, spans of days and shares."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from contributors.forms import country_label, subdivision_label
from payouts.models import PayPeriod


def duration(minutes: int) -> str:
    """Minutes as people read them: "3 h 30 min", "2 h", "45 min"."""
    hours, rest = divmod(int(minutes or 0), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def week_label(period: PayPeriod) -> str:
    start, end = period.starts_on, period.ends_on
    first = f"{start:%-d %b}" if start.year == end.year else f"{start:%-d %b %Y}"
    return f"{first} \N{EN DASH} {end:%-d %b %Y}"


def place_label(country: str, subdivision: str) -> str:
    if subdivision:
        return f"{subdivision_label(subdivision, country)}, {country_label(country)}"
    return country_label(country)


def jurisdiction_label(code: str) -> str:
    # Compliance groups by the subdivision code where there is one ("US-CA"), else the country.
    country, _, _ = code.partition("-")
    return place_label(country, code if "-" in code else "")


def day_span(first: date, last: date) -> str:
    if first == last:
        return f"{first:%a %-d %b}"
    return f"{first:%a %-d %b} \N{EN DASH} {last:%a %-d %b}"


def percent(share: float | None) -> str | None:
    if share is None:
        return None
    # Through str(): the share is a pandas float, and money-like figures never use float maths.
    return f"{(Decimal(str(share)) * 100).quantize(Decimal('0.1'))}%"


def decimal_text(value, places: int | None = None) -> str:
    """A number from a pay line's JSON source as written on the page: 10 (%), 0.900 (a score)."""
    number = Decimal(str(value))
    if places is not None:
        return f"{number.quantize(Decimal(1).scaleb(-places)):f}"
    return f"{number.normalize():f}"
