"""A rate against every floor, as ``marketplace/includes/rate_preview.html`` shows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from contributors.forms import country_label, subdivision_label
from payouts.floors import JurisdictionFloor, RatePreview


@dataclass(frozen=True)
class FloorRow:
    """One allowed place: its minimum wage (in its own currency and in the rate's) and the pay there."""

    place: str
    name: str
    subdivision: str
    source_url: str
    currency: str
    local_currency: str
    floor_local_minor: int
    floor_minor: int
    pay_local_minor: int
    # The next floor on record for the place, from ``next_on``, and the pay there then.
    next_on: date | None = None
    next_floor_local_minor: int | None = None
    next_pay_local_minor: int | None = None
    next_meets: bool | None = None

    @property
    def meets(self) -> bool:
        return self.pay_local_minor >= self.floor_local_minor

    @property
    def converted(self) -> bool:
        """Whether the floor reads differently in the rate's currency, so both are shown."""
        return self.currency != self.local_currency or self.floor_minor != self.floor_local_minor

    @classmethod
    def of(cls, row: JurisdictionFloor, currency: str) -> FloorRow:
        return cls(
            place=row.place,
            name=subdivision_label(row.subdivision, row.country) if row.subdivision else country_label(row.country),
            subdivision=row.subdivision,
            source_url=row.source_url,
            currency=currency,
            local_currency=row.local_currency,
            floor_local_minor=row.floor_local_minor,
            floor_minor=row.floor_minor,
            pay_local_minor=row.effective_hourly_local_minor,
            next_on=row.next_effective_from,
            next_floor_local_minor=row.next_floor_local_minor,
            next_pay_local_minor=row.next_effective_hourly_local_minor,
            next_meets=row.meets_next_floor,
        )


@dataclass(frozen=True)
class RatePreviewView:
    currency: str
    hourly_minor: int
    tier_floor_minor: int
    problems: list[str]
    rows: list[FloorRow]
    warnings: list[str]

    @property
    def any_next(self) -> bool:
        return any(row.next_on for row in self.rows)

    @property
    def meets_tier(self) -> bool:
        return self.hourly_minor >= self.tier_floor_minor


def rate_preview_view(preview: RatePreview) -> RatePreviewView:
    return RatePreviewView(
        currency=preview.currency,
        hourly_minor=preview.effective_hourly_minor,
        tier_floor_minor=preview.tier_floor_minor,
        problems=[message for messages_ in preview.problems.values() for message in messages_],
        rows=[FloorRow.of(row, preview.currency) for row in preview.jurisdictions],
        warnings=[message for messages_ in preview.warnings.values() for message in messages_],
    )
