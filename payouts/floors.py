"""The wage floor: minimum wages and rate-card floors, and what is owed against them.

The one module that says what the floor is and what it costs:

- the minimum wage in force for a jurisdiction on a day: the national row or the
  subdivision's, whichever is higher (``minimum_wage_on``, ``jurisdiction_floors``);
- that floor in a pay currency at the FX rate of that day, kept exact
  (``day_floor``); a rate preview rounds it against the lab (up), and the effective
  pay it is compared with down;
- the pay run's per-day floor table (``pay_run_floor_rows``) and the floor-due and
  top-up arithmetic over it, as SQL the pay run embeds (``floor_due_sql``,
  ``floor_due_minor_sql``, ``unit_shortfall_sql``, ``shortfall_sql``, ``topup_sql``) and
  the same in Python (``floor_due_exact``, ``floor_due_minor``, ``unit_shortfall``,
  ``shortfall_exact``, ``topup_minor``): minutes times each day's floor, summed exactly,
  divided by 60 and rounded up once, so nobody lands below the floor;
- how each law measures the floor (``AveragingUnit``, on the minimum-wage row in force
  that day): each item on its own, each day, or the workweek or pay period as a whole.
  A unit falls short by whatever its minutes at the floor exceed its pay; the top-up is
  the exact sum of the shortfalls of the week's units, rounded up once, and never less
  than the week's floor due less its pay;
- a statement's floor day by day for its pages (``statement_floor_stretches``), the
  average floor of a statement for compliance evidence (``average_floor_hourly_minor``),
  and the rate preview shown before a rate is saved (``rate_preview``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from django.conf import settings

from config.sql import sql_list, sql_literal
from contributors.models import Domain, JurisdictionPeriod
from payouts import money
from payouts.models import AveragingUnit, MinimumWage
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
    # The next floor known for the place after the preview's day (a minimum wage already
    # approved to take effect later), with the pay there at that day's exchange rate; None
    # when nothing later is on record. Falling below it is a warning, not a refusal.
    next_effective_from: date | None = None
    next_floor_local_minor: int | None = None
    next_floor_minor: int | None = None
    next_effective_hourly_local_minor: int | None = None
    next_source_url: str = ""

    @property
    def place(self) -> str:
        return self.subdivision or self.country

    @property
    def meets_next_floor(self) -> bool | None:
        if self.next_floor_local_minor is None or self.next_effective_hourly_local_minor is None:
            return None
        return self.next_effective_hourly_local_minor >= self.next_floor_local_minor

    def as_dict(self) -> dict:
        return {
            **asdict(self),
            # A string, so the dictionary can be stored as JSON (a rate change keeps its preview).
            "next_effective_from": self.next_effective_from.isoformat() if self.next_effective_from else None,
            "place": self.place,
            "meets_floor": self.effective_hourly_local_minor >= self.floor_local_minor,
            "meets_next_floor": self.meets_next_floor,
        }


@dataclass(frozen=True)
class RatePreview:
    currency: str
    effective_hourly_minor: int
    tier_floor_minor: int
    highest_minimum_wage_minor: int
    jurisdictions: list[JurisdictionFloor]
    problems: dict[str, list[str]]
    # Future floors the rate would fall below: shown beside the problems, never refusing.
    warnings: dict[str, list[str]] = field(default_factory=dict)

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
            "warnings": self.warnings,
        }


def jurisdiction_floors(*, countries: list[str], on: date) -> list[MinimumWage]:
    """The minimum wage row in force on ``on`` for each place in the given countries."""
    return list(
        MinimumWage.in_force.filter(country__in=countries, effective_from__lte=on)
        .order_by("country", "subdivision", "-effective_from")
        .distinct("country", "subdivision")
    )


def next_jurisdiction_floors(*, countries: list[str], places: list[tuple[str, str]], on: date) -> dict:
    """For each (country, subdivision) place, the first later day its floor changes and the
    rows in force that day, in one query: ``{place: (day, national row, subdivision row)}``.

    A place's floor changes when its national row or its own row does; the floor that day
    is the higher of the two in force then (as ``minimum_wage_on`` takes it).
    """
    current = {(row.country, row.subdivision): row for row in jurisdiction_floors(countries=countries, on=on)}
    later = list(
        MinimumWage.in_force.filter(country__in=countries, effective_from__gt=on).order_by("effective_from", "id")
    )
    found = {}
    for country, subdivision in places:
        own = {"", subdivision}
        changes = [row for row in later if row.country == country and row.subdivision in own]
        if not changes:
            continue
        day = changes[0].effective_from
        in_force = [
            _last([row for row in changes if row.subdivision == place and row.effective_from <= day])
            or current.get((country, place))
            for place in ("", subdivision)
        ]
        found[(country, subdivision)] = (day, in_force[0], in_force[1] if subdivision else None)
    return found


def _last(rows: list[MinimumWage]) -> MinimumWage | None:
    return rows[-1] if rows else None


def rate_preview(
    *,
    currency: str,
    hourly_minor: int,
    tier: str,
    domains: list[Domain],
    countries: list[str],
    on: date,
) -> RatePreview:
    """A rate's hourly worth (``marketplace.payable.effective_hourly_minor``) against the
    tier's floor and every allowed jurisdiction's minimum wage.

    The national row is the floor for every subdivision without a higher one of its own.
    """
    hourly = hourly_minor
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
    upcoming = next_jurisdiction_floors(
        countries=countries, places=[(row.country, row.subdivision) for row in rows], on=on
    )
    missing = sorted(set(countries) - {row.country for row in rows})
    for row in rows:
        local_floor = _higher(row, national.get(row.country)).hourly_minor
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
                **_next_floor(upcoming.get((row.country, row.subdivision)), hourly=hourly, currency=currency),
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
    warnings: dict[str, list[str]] = {}
    for floor in floors:
        if floor.meets_next_floor is False:
            warnings.setdefault("rate_minor", []).append(
                f"From {floor.next_effective_from:%d %B %Y} the minimum wage in {floor.place} is "
                f"{money.format_money(floor.next_floor_local_minor, floor.local_currency)} an hour; this rate, "
                f"{money.format_money(floor.next_effective_hourly_local_minor, floor.local_currency)} there, "
                "will be below it. Raise it before then."
            )
    return RatePreview(currency, hourly, tier_floor, highest, floors, problems, warnings)


def _next_floor(upcoming: tuple | None, *, hourly: int, currency: str) -> dict:
    """The next known floor of a place, converted at the rates on record for its first day."""
    if upcoming is None:
        return {}
    day, national, own = upcoming
    row = _higher(own, national)
    if row is None:
        return {}
    try:
        to_local = fx_rate_on(base=currency, quote=row.currency, on=day)
        to_rate_currency = fx_rate_on(base=row.currency, quote=currency, on=day)
    except ReferenceDataMissing:
        return {}
    return {
        "next_effective_from": day,
        "next_floor_local_minor": row.hourly_minor,
        "next_floor_minor": money.convert(
            row.hourly_minor,
            from_currency=row.currency,
            to_currency=currency,
            rate=to_rate_currency,
            rounding="ROUND_CEILING",
        ),
        "next_effective_hourly_local_minor": money.convert(
            hourly, from_currency=currency, to_currency=row.currency, rate=to_local, rounding="ROUND_FLOOR"
        ),
        "next_source_url": row.source_url,
    }


@dataclass(frozen=True)
class Floor:
    country: str
    subdivision: str
    currency: str
    hourly_minor: int
    effective_from: date
    source_url: str
    averaging_unit: str = AveragingUnit.ITEM
    legal_basis: str = ""


def minimum_wage_on(*, country: str, subdivision: str = "", on: date) -> Floor | None:
    """The higher of the national and the subdivision's minimum in force on ``on``.

    Taking the higher of the two means that a subdivision below a national floor (as some
    US states are below the federal rate) never lowers anyone's floor.
    """
    rows = [
        MinimumWage.in_force.filter(country=country, subdivision=place, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
        for place in ({"", subdivision} if subdivision else {""})
    ]
    best = _higher(*rows)
    if best is None:
        return None
    return Floor(
        best.country,
        best.subdivision,
        best.currency,
        best.hourly_minor,
        best.effective_from,
        best.source_url,
        best.averaging_unit,
        best.legal_basis,
    )


def _higher(*rows: MinimumWage | None) -> MinimumWage | None:
    """Of a place's national and subdivision rows in force, the one that is the floor: the
    higher (the subdivision's on a tie)."""
    present = [row for row in rows if row is not None]
    return max(present, key=lambda row: (row.hourly_minor, row.subdivision)) if present else None


@dataclass(frozen=True)
class DayFloor:
    """The floor in force on one day, and the FX rate that day into the pay currency.

    Without an exchange rate the pay run applies no floor that day, and neither do the pages.
    """

    floor: Floor | None
    fx_rate: Decimal | None
    currency: str

    @property
    def applies(self) -> bool:
        return self.floor is not None and self.fx_rate is not None

    @property
    def hourly(self) -> Decimal | None:
        """An hour at the floor in the pay currency, major units, exact."""
        if not self.applies:
            return None
        return money.from_minor(self.floor.hourly_minor, self.floor.currency) * self.fx_rate

    @property
    def hourly_minor(self) -> Decimal | None:
        """The same in the pay currency's minor units, exact: what the pay run multiplies by."""
        hourly = self.hourly
        return None if hourly is None else hourly * Decimal(1).scaleb(money.exponent(self.currency))


def day_floor(*, country: str, subdivision: str, currency: str, on: date) -> DayFloor:
    """The minimum wage in force where someone works on ``on``, converted into ``currency``."""
    floor = minimum_wage_on(country=country, subdivision=subdivision, on=on)
    rate = None
    if floor is not None:
        try:
            rate = fx_rate_on(base=floor.currency, quote=currency, on=on)
        except ReferenceDataMissing:
            rate = None
    return DayFloor(floor, rate, currency)


@dataclass(frozen=True)
class FloorStretch:
    """Consecutive days of a week with the same minimum wage and exchange rate."""

    first_day: date
    last_day: date
    floor: Floor | None
    fx_rate: Decimal | None
    # In the statement's currency, major units, exact: what the pay run multiplies by.
    hourly: Decimal | None
    currency: str = ""

    @property
    def applies(self) -> bool:
        return self.floor is not None and self.hourly is not None

    @property
    def converted_hourly(self) -> Decimal | None:
        """The floor in the pay currency, when it is set in another one."""
        if not self.applies or self.floor.currency == self.currency:
            return None
        return self.hourly


def week_minimum_wages(*, country: str, subdivision: str, currency: str, start: date, end: date) -> list[FloorStretch]:
    """The minimum wage in force on each day of a week where an expert works, in the pay currency."""
    stretches: list[FloorStretch] = []
    day = start
    while day <= end:
        today = day_floor(country=country, subdivision=subdivision, currency=currency, on=day)
        floor, rate = today.floor, today.fx_rate
        last = stretches[-1] if stretches else None
        if last is not None and (last.floor, last.fx_rate) == (floor, rate):
            stretches[-1] = FloorStretch(last.first_day, day, floor, rate, today.hourly, currency)
        else:
            stretches.append(FloorStretch(day, day, floor, rate, today.hourly, currency))
        day += timedelta(days=1)
    return stretches


def statement_floor_stretches(*, statement) -> list[FloorStretch | None]:
    """A statement's week in stretches of days with the same floor, as its pages show it;
    None for a stretch the pay run applied no floor to (no minimum wage or FX rate)."""
    period = statement.run.period
    return [
        stretch if stretch.applies else None
        for stretch in week_minimum_wages(
            country=statement.country,
            subdivision=statement.subdivision,
            currency=statement.currency,
            start=period.starts_on,
            end=period.ends_on,
        )
    ]


# --- what the floor costs: the pay run's table and arithmetic ------------------------


def pay_run_floor_rows(jurisdictions: list[tuple[str, str, str]], start: date, end: date) -> list[tuple]:
    """The pay run's floor table: (country, subdivision, currency, [hourly floor by day],
    [source by day], [averaging unit by day], [FX rate by day]), the hourly floor exact in
    the currency's minor units.

    A day without a known floor (no minimum wage, or no FX rate to the pay currency) has
    none: its minutes are owed nothing beyond their pay. A jurisdiction with no floor on
    any day is left out.
    """
    days = [start + timedelta(days=k) for k in range((end - start).days + 1)]
    rows = []
    for country, subdivision, currency in jurisdictions:
        hourly, sources, units, rates = [], [], [], []
        for day in days:
            today = day_floor(country=country, subdivision=subdivision, currency=currency, on=day)
            hourly.append(today.hourly_minor)
            sources.append(today.floor.source_url if today.applies else None)
            units.append(today.floor.averaging_unit if today.applies else None)
            rates.append(today.fx_rate if today.applies else None)
        if any(value is not None for value in hourly):
            rows.append((country, subdivision, currency, hourly, sources, units, rates))
    return rows


JURISDICTIONS_TABLE = JurisdictionPeriod._meta.db_table


def expert_jurisdiction_days_sql(*, contributors: str, days: int) -> str:
    """SQL for where each expert worked from on each day of a week: one row per expert
    (the ``contributor_id`` column of the relation ``contributors``) and day ``k`` (1-based)
    with the country and subdivision of the jurisdiction row in force that day, NULL when
    none is. Parameters: ``start``, ``end``, ``first`` and ``last`` (the range of expert ids).

    The history's rows are turned into ranges once (each until the next one begins), so the
    lookup is joins over whole sets, never a query per expert or day.
    """
    return f"""
SELECT x.contributor_id, d.k, h.country, h.subdivision
FROM {contributors} x
CROSS JOIN generate_series(1, {int(days)}) AS d(k)
LEFT JOIN (
    SELECT contributor_id, country, subdivision, effective_from,
           lead(effective_from) OVER (PARTITION BY contributor_id ORDER BY effective_from) AS until
    FROM {JURISDICTIONS_TABLE}
    WHERE contributor_id BETWEEN %(first)s AND %(last)s AND effective_from <= %(end)s
) h ON h.contributor_id = x.contributor_id AND h.effective_from <= %(start)s::date + d.k - 1
   AND (h.until IS NULL OR h.until > %(start)s::date + d.k - 1)
"""


def expert_jurisdiction_on_sql(*, contributor: str, day: str) -> str:
    """SQL for the jurisdiction (country, subdivision) in force for one expert on one day,
    for a LATERAL join over a handful of rows (``expert_jurisdiction_days_sql`` does a
    whole week of everyone)."""
    return (
        f"SELECT country, subdivision FROM {JURISDICTIONS_TABLE} "
        f"WHERE contributor_id = {contributor} AND effective_from <= {day} "
        "ORDER BY effective_from DESC LIMIT 1"
    )


def expert_jurisdiction_on(*, contributor_id: int, on: date) -> tuple[str, str] | None:
    """``expert_jurisdiction_days_sql`` in Python: the (country, subdivision) in force on ``on``."""
    row = (
        JurisdictionPeriod.objects.filter(contributor_id=contributor_id, effective_from__lte=on)
        .order_by("-effective_from")
        .values_list("country", "subdivision")
        .first()
    )
    return tuple(row) if row else None


def floor_rows_by_day(places: list[tuple[str, str, str, date]]) -> list[tuple]:
    """For (country, subdivision, currency, day) combinations, the hourly floor that day in
    that currency, exact in minor units, and its averaging unit (as ``pay_run_floor_rows``);
    those without one are left out."""
    rows = []
    for country, subdivision, currency, day in places:
        today = day_floor(country=country, subdivision=subdivision, currency=currency, on=day)
        if today.applies:
            rows.append((country, subdivision, currency, day, today.hourly_minor, today.floor.averaging_unit))
    return rows


def floor_due_sql(*, day_minutes: str, hourly: str, days: int) -> str:
    """SQL for the floor owed on a week, exact in minor units: each day's minutes at that
    day's floor (``hourly``, an array of the pay run's floor table; NULL is no floor),
    summed, over 60. ``day_minutes`` is an array of minutes per day (1-based)."""
    owed = " + ".join(f"{day_minutes}[{k}] * COALESCE({hourly}[{k}], 0)" for k in range(1, days + 1))
    return f"({owed}) / 60"


def floor_due_minor_sql(exact: str) -> str:
    """SQL for the floor due in whole minor units: the exact sum rounded up, once."""
    return f"ceil({exact})"


# --- costs the expert bears ------------------------------------------------------------
#
# The platform's fee is charged to the lab on top of the pay, and Stripe's transfer and
# payout fees are the platform's: neither comes out of what an expert is paid. What does is
# Stripe's currency conversion when the statement's currency is not the one of the expert's
# payout account (``PAYOUT_FX_SPREAD``). The floor is checked after it: each hour's floor is
# raised by the share lost on the way, so what reaches the expert meets the minimum wage.


def cost_rate(*, statement_currency: str, payout_currency: str) -> Decimal:
    """The share of a statement's pay the expert loses to costs before it reaches them."""
    payout = (payout_currency or "").upper()
    return Decimal(settings.PAYOUT_FX_SPREAD) if payout and payout != statement_currency.upper() else Decimal(0)


def cost_rate_sql(*, statement_currency: str, payout_currency: str) -> str:
    """``cost_rate`` in SQL, over the columns or expressions given."""
    spread = Decimal(settings.PAYOUT_FX_SPREAD)
    return (
        f"(CASE WHEN COALESCE(upper({payout_currency}), '') NOT IN ('', upper({statement_currency})) "
        f"THEN {spread}::numeric ELSE 0 END)"
    )


def after_costs(hourly: Decimal, rate: Decimal) -> Decimal:
    """An hour's floor raised so that, less the costs at ``rate``, it still reaches the floor."""
    return hourly / (1 - rate)


def after_costs_sql(hourly: str, rate: str) -> str:
    """``after_costs`` in SQL."""
    return f"({hourly} / (1 - {rate}))"


# The units measured over the week as a whole: the product's pay period is its pay week.
WEEK_UNITS = (AveragingUnit.WORKWEEK, AveragingUnit.PAY_PERIOD)


def unit_shortfall_sql(*, minutes: str, hourly: str, pay: str) -> str:
    """SQL for what one unit (an item, a day, or the week) falls short of the floor, exact in
    minor units: its minutes at the floor less its pay, never negative."""
    return f"GREATEST({minutes} * {hourly} / 60 - {pay}, 0)"


def shortfall_sql(*, unit: str, minutes: str, hourly: str, pay: str, item_short: str, extra_pay: str) -> str:
    """SQL aggregate over rows of one day each (``unit``, ``minutes`` counted for the floor,
    ``hourly`` floor, exact ``pay``, and ``item_short``, the sum of ``unit_shortfall_sql``
    over the day's items) for what a week falls short under each day's unit: the items of
    per-item days on their own, each per-day day, and the workweek / pay-period days
    together, whose pay also counts ``extra_pay`` (the week's bonuses, an aggregate)."""
    item, day, week = sql_literal(AveragingUnit.ITEM), sql_literal(AveragingUnit.DAY), sql_list(WEEK_UNITS)
    day_short = unit_shortfall_sql(minutes=minutes, hourly=hourly, pay=pay)
    return f"""(COALESCE(sum({item_short}) FILTER (WHERE {unit} = {item}), 0)
      + COALESCE(sum({day_short}) FILTER (WHERE {unit} = {day}), 0)
      + CASE WHEN bool_or({unit} IN ({week})) THEN {
        unit_shortfall_sql(
            minutes=f"sum({minutes} * {hourly}) FILTER (WHERE {unit} IN ({week}))",
            hourly="1",
            pay=f"(sum({pay}) FILTER (WHERE {unit} IN ({week})) + {extra_pay})",
        )
    } ELSE 0 END)"""


def shortfall_days_sql(
    *, days: int, units: str, minutes: str, hourly: str, pay: str, item_short: str, cost_rate: str, extra_pay: str
) -> str:
    """``shortfall_sql`` over a week kept as arrays (1-based, one element a day) rather than
    as rows: ``units``, ``minutes`` counted, ``hourly`` floor (before costs, raised here by
    ``cost_rate``), exact ``pay`` and ``item_short`` (NULL: no item measured alone)."""
    item, day, week = sql_literal(AveragingUnit.ITEM), sql_literal(AveragingUnit.DAY), sql_list(WEEK_UNITS)
    ks = range(1, int(days) + 1)

    def owed(k: int) -> str:
        return f"{minutes}[{k}] * {after_costs_sql(f'{hourly}[{k}]', cost_rate)} / 60"

    items = " + ".join(f"CASE WHEN {units}[{k}] = {item} THEN COALESCE({item_short}[{k}], 0) ELSE 0 END" for k in ks)
    whole_days = " + ".join(
        f"CASE WHEN {units}[{k}] = {day} THEN "
        f"{unit_shortfall_sql(minutes=f'{minutes}[{k}]', hourly=after_costs_sql(f'{hourly}[{k}]', cost_rate), pay=f'{pay}[{k}]')}"
        " ELSE 0 END"
        for k in ks
    )
    any_week = " OR ".join(f"{units}[{k}] IN ({week})" for k in ks)
    week_gap = " + ".join(f"CASE WHEN {units}[{k}] IN ({week}) THEN {owed(k)} - {pay}[{k}] ELSE 0 END" for k in ks)
    return (
        f"(({items}) + ({whole_days}) + CASE WHEN {any_week} THEN GREATEST(({week_gap}) - {extra_pay}, 0) ELSE 0 END)"
    )


def topup_sql(*, floor_due_minor: str, pay_minor: str, shortfall: str = "0") -> str:
    """SQL for the top-up: the week's exact shortfall under its units rounded up once, and
    never less than what the floor due exceeds the pay by (which covers the rounding of
    the pay lines); never negative."""
    return f"GREATEST(ceil({shortfall}), {floor_due_minor} - {pay_minor}, 0)"


def floor_day_hourly_sql(hourly: str) -> str:
    """SQL for a day's floor as a statement's top-up line shows it (minor units, four places)."""
    return f"round({hourly}, 4)"


def floor_due_exact(*, day_minutes: Sequence[int], hourly_minor: Sequence[Decimal | None]) -> Decimal:
    """``floor_due_sql`` in Python."""
    return sum((Decimal(m) * (h or 0) for m, h in zip(day_minutes, hourly_minor, strict=True)), Decimal(0)) / 60


def floor_due_minor(*, day_minutes: Sequence[int], hourly_minor: Sequence[Decimal | None]) -> int:
    """``floor_due_minor_sql`` in Python."""
    exact = floor_due_exact(day_minutes=day_minutes, hourly_minor=hourly_minor)
    return int(exact.to_integral_value(rounding=ROUND_CEILING))


@dataclass(frozen=True)
class DayWork:
    """One day of a week for the floor: its unit (None: no floor that day), minutes counted,
    hourly floor (exact minor units), exact pay, and the sum of its items' shortfalls."""

    unit: str | None
    minutes: int
    hourly: Decimal | None
    pay: Decimal
    item_short: Decimal = Decimal(0)


def unit_shortfall(*, minutes, hourly: Decimal, pay: Decimal) -> Decimal:
    """``unit_shortfall_sql`` in Python."""
    return max(Decimal(minutes) * hourly / 60 - pay, Decimal(0))


def shortfall_exact(days: Sequence[DayWork], *, extra_pay: Decimal = Decimal(0)) -> Decimal:
    """``shortfall_sql`` in Python."""
    total = sum((d.item_short for d in days if d.unit == AveragingUnit.ITEM), Decimal(0))
    total += sum(
        (unit_shortfall(minutes=d.minutes, hourly=d.hourly, pay=d.pay) for d in days if d.unit == AveragingUnit.DAY),
        Decimal(0),
    )
    week = [d for d in days if d.unit in WEEK_UNITS]
    if week:
        total += unit_shortfall(
            minutes=1,
            hourly=sum((Decimal(d.minutes) * d.hourly for d in week), Decimal(0)),
            pay=sum((d.pay for d in week), Decimal(0)) + extra_pay,
        )
    return total


def topup_minor(*, floor_due_minor: int, pay_minor: int, shortfall: Decimal = Decimal(0)) -> int:
    """``topup_sql`` in Python."""
    return max(int(shortfall.to_integral_value(rounding=ROUND_CEILING)), floor_due_minor - pay_minor, 0)


def average_floor_hourly_minor(floor_due_minor, minutes_worked):
    """A statement's floor per hour worked, for compliance evidence. Takes numbers or
    pandas columns alike (a column of minutes must have no zeros)."""
    average = floor_due_minor * 60 / minutes_worked
    return average.round() if hasattr(average, "round") else round(average)
