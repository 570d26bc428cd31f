"""Lookups of effective-dated pay reference data, by the date the work is done."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from contributors.models import Domain
from payouts import money
from payouts.models import FxRate, RateCard


class ReferenceDataMissing(LookupError):
    pass


def fx_rate_on(*, base: str, quote: str, on: date) -> Decimal:
    """Units of ``quote`` per ``base`` in force on ``on``; the inverse row is used if needed.

    The row in force is the latest from ``on`` or before it, so a weekend or a holiday with
    no publication takes the last working day's rate. Imported rates are stored in both
    directions for each day, so the direct row wins whenever both are of the same day.
    """
    if base == quote:
        return Decimal(1)
    direct = FxRate.in_force.filter(base=base, quote=quote, effective_from__lte=on).order_by("-effective_from").first()
    inverse = FxRate.in_force.filter(base=quote, quote=base, effective_from__lte=on).order_by("-effective_from").first()
    # The newer of the two wins, so adding either direction updates the rate.
    if direct and (not inverse or direct.effective_from >= inverse.effective_from):
        return direct.rate
    if inverse:
        return money.fx_inverse_rate(inverse.rate)
    raise ReferenceDataMissing(f"no FX rate from {base} to {quote} on {on}")


def rate_card_on(*, tier: str, domain: Domain | None, on: date) -> RateCard:
    """The rate card row for a tier (and domain, or its parent, or all domains) on a date."""
    candidates = [domain, domain.parent if domain and domain.parent_id else None, None] if domain else [None]
    for scope in candidates:
        query = RateCard.objects.filter(tier=tier, effective_from__lte=on)
        query = query.filter(domain=scope) if scope else query.filter(domain__isnull=True)
        row = query.order_by("-effective_from").first()
        if row is not None:
            return row
    raise ReferenceDataMissing(f"no rate card for tier {tier} on {on}")
