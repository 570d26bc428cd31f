"""The pay floor: minimum wages and rate-card floors, and how a rate compares with them.

One place answers "is this hourly pay at least the floor where this person works?" for
project publishing, rate-change previews, and (later) the pay run and compliance reports.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal

from contributors.models import Domain
from payouts import money
from payouts.models import MinimumWage
from payouts.reference.lookups import ReferenceDataMissing, fx_rate_on, rate_card_on


@dataclass(frozen=True)
class JurisdictionFloor:
    country: str
    subdivision: str
    local_currency: str
    floor_local_minor: int
    floor_minor: int  # in the rate's currency
    effective_hourly_local_minor: int
    source_url: str

    @property
    def place(self) -> str:
        return self.subdivision or self.country

    def as_dict(self) -> dict:
        return {
            **asdict(self),
            "place": self.place,
            "meets_floor": self.effective_hourly_local_minor >= self.floor_local_minor,
        }


@dataclass(frozen=True)
class RatePreview:
    currency: str
    effective_hourly_minor: int
    tier_floor_minor: int
    highest_minimum_wage_minor: int
    jurisdictions: list[JurisdictionFloor]
    problems: dict[str, list[str]]

    @property
    def acceptable(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "currency": self.currency,
            "effective_hourly_minor": self.effective_hourly_minor,
            "tier_floor_minor": self.tier_floor_minor,
            "highest_minimum_wage_minor": self.highest_minimum_wage_minor,
            "jurisdictions": [j.as_dict() for j in self.jurisdictions],
            "problems": self.problems,
        }


def effective_hourly_minor(*, pay_model: str, rate_minor: int, task_estimate_minutes: int | None) -> int:
    """What a rate pays per hour: the hourly rate, or a task's price over its time estimate."""
    if pay_model == "per_task":
        return money.hourly_rate_minor(rate_minor, task_estimate_minutes or 0)
    return rate_minor


def jurisdiction_floors(*, countries: list[str], on: date) -> list[MinimumWage]:
    """The minimum wage row in force on ``on`` for each place in the given countries."""
    return list(
        MinimumWage.objects.filter(country__in=countries, effective_from__lte=on)
        .order_by("country", "subdivision", "-effective_from")
        .distinct("country", "subdivision")
    )


def rate_preview(
    *,
    currency: str,
    pay_model: str,
    rate_minor: int,
    task_estimate_minutes: int | None,
    tier: str,
    domains: list[Domain],
    countries: list[str],
    on: date,
) -> RatePreview:
    """A rate against the tier's floor and every allowed jurisdiction's minimum wage.

    The national row is the floor for every subdivision without a higher one of its own.
    """
    hourly = effective_hourly_minor(
        pay_model=pay_model, rate_minor=rate_minor, task_estimate_minutes=task_estimate_minutes
    )
    problems: dict[str, list[str]] = {}

    tier_floor = 0
    for domain in domains or [None]:
        try:
            card = rate_card_on(tier=tier, domain=domain, on=on)
            rate = fx_rate_on(base=card.currency, quote=currency, on=on)
        except ReferenceDataMissing:
            problems.setdefault("currency", []).append(
                f"No rate card or exchange rate to {currency} is on record for {on}; choose another currency."
            )
            break
        tier_floor = max(
            tier_floor,
            money.convert(
                card.floor_hourly_minor,
                from_currency=card.currency,
                to_currency=currency,
                rate=rate,
                rounding="ROUND_CEILING",
            ),
        )

    rows = jurisdiction_floors(countries=countries, on=on)
    national = {row.country: row for row in rows if not row.subdivision}
    floors: list[JurisdictionFloor] = []
    missing = sorted(set(countries) - {row.country for row in rows})
    for row in rows:
        local_floor = (
            max(row.hourly_minor, national[row.country].hourly_minor) if row.country in national else row.hourly_minor
        )
        try:
            to_local = fx_rate_on(base=currency, quote=row.currency, on=on)
            to_rate_currency = fx_rate_on(base=row.currency, quote=currency, on=on)
        except ReferenceDataMissing:
            missing.append(row.subdivision or row.country)
            continue
        floors.append(
            JurisdictionFloor(
                country=row.country,
                subdivision=row.subdivision,
                local_currency=row.currency,
                floor_local_minor=local_floor,
                floor_minor=money.convert(
                    local_floor,
                    from_currency=row.currency,
                    to_currency=currency,
                    rate=to_rate_currency,
                    rounding="ROUND_CEILING",
                ),
                effective_hourly_local_minor=money.convert(
                    hourly, from_currency=currency, to_currency=row.currency, rate=to_local, rounding="ROUND_FLOOR"
                ),
                source_url=row.source_url,
            )
        )
    highest = max((f.floor_minor for f in floors), default=0)

    if missing:
        problems.setdefault("allowed_countries", []).append(
            "No minimum wage (or exchange rate) is on record for: "
            + ", ".join(sorted(set(missing)))
            + ". Operations must add it before a project can pay people there."
        )
    if hourly < tier_floor:
        problems.setdefault("rate_minor", []).append(
            f"The effective hourly pay, {money.format_money(hourly, currency)}, is below the "
            f"{tier} tier's floor of {money.format_money(tier_floor, currency)}."
        )
    below = [f for f in floors if f.effective_hourly_local_minor < f.floor_local_minor]
    if below:
        worst = max(below, key=lambda f: f.floor_minor)
        problems.setdefault("rate_minor", []).append(
            f"The effective hourly pay, {money.format_money(hourly, currency)}, is below the minimum wage in "
            f"{worst.place} ({money.format_money(worst.floor_local_minor, worst.local_currency)} an hour, "
            f"{money.format_money(worst.floor_minor, currency)} in {currency})."
        )
    return RatePreview(currency, hourly, tier_floor, highest, floors, problems)


@dataclass(frozen=True)
class Floor:
    country: str
    subdivision: str
    currency: str
    hourly_minor: int
    effective_from: date
    source_url: str


def minimum_wage_on(*, country: str, subdivision: str = "", on: date) -> Floor | None:
    """The higher of the national and the subdivision's minimum in force on ``on``.

    Taking the higher of the two means that a subdivision below a national floor (as some
    US states are below the federal rate) never lowers anyone's floor.
    """
    rows = [
        MinimumWage.objects.filter(country=country, subdivision=place, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
        for place in ({"", subdivision} if subdivision else {""})
    ]
    rows = [row for row in rows if row is not None]
    if not rows:
        return None
    best = max(rows, key=lambda row: (row.hourly_minor, row.subdivision))
    return Floor(best.country, best.subdivision, best.currency, best.hourly_minor, best.effective_from, best.source_url)


@dataclass(frozen=True)
class FloorStretch:
    """Consecutive days of a week with the same minimum wage and exchange rate."""

    first_day: date
    last_day: date
    floor: Floor | None
    fx_rate: Decimal | None
    # In the statement's currency, major units, exact: what the pay run multiplies by.
    hourly: Decimal | None


def week_minimum_wages(*, country: str, subdivision: str, currency: str, start: date, end: date) -> list[FloorStretch]:
    """The minimum wage in force on each day of a week where an expert works, in the pay currency."""
    stretches: list[FloorStretch] = []
    day = start
    while day <= end:
        floor = minimum_wage_on(country=country, subdivision=subdivision, on=day)
        rate = hourly = None
        if floor is not None:
            try:
                rate = fx_rate_on(base=floor.currency, quote=currency, on=day)
            except ReferenceDataMissing:
                rate = None
            else:
                hourly = money.from_minor(floor.hourly_minor, floor.currency) * rate
        last = stretches[-1] if stretches else None
        if last is not None and (last.floor, last.fx_rate) == (floor, rate):
            stretches[-1] = FloorStretch(last.first_day, day, floor, rate, hourly)
        else:
            stretches.append(FloorStretch(day, day, floor, rate, hourly))
        day += timedelta(days=1)
    return stretches
