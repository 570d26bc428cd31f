"""A pay statement read line by line, with its minimum-wage check and the top-up's workings.

The same statement is shown to the expert and to operations; only who the explanation
speaks to changes. Amounts are in the statement's currency: minor units, except the
day-by-day floor, which the pay run keeps exact (a ``Decimal`` in major units, shown with
``money_exact``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from marketplace.models import ReviewStatus
from payouts import money
from payouts.floors import (
    WEEK_UNITS,
    DayWork,
    after_costs,
    floor_due_exact,
    shortfall_exact,
    statement_floor_stretches,
    unit_shortfall,
)
from payouts.models import AveragingUnit, PayLine, PayLineKind, PayStatement
from payouts.payruns.selectors import WORK_LINE_KINDS, statement_unpaid_work

from .labels import day_span, decimal_text, duration, place_label, week_label

# The order a statement is read in: work first, then what is added on top of it.
LINE_ORDER = [
    PayLineKind.HOURLY,
    PayLineKind.TRAINING,
    PayLineKind.TASK,
    PayLineKind.BONUS,
    PayLineKind.ADJUSTMENT,
    PayLineKind.TOPUP,
]
RATE_UNIT = {PayLineKind.TASK: "a task", PayLineKind.HOURLY: "an hour", PayLineKind.TRAINING: "an hour"}


@dataclass(frozen=True)
class LineRow:
    """A line of the statement. A percentage bonus shows ``bonus_percent`` of ``bonus_base_minor``
    where other lines show ``rate_minor`` (``None`` when the line has no rate) and its unit."""

    kind: str
    description: str
    detail: str
    minutes: str
    quantity: str
    rate_minor: int | None
    rate_unit: str
    bonus_percent: str
    bonus_base_minor: int | None
    amount_minor: int


def _line_detail(line: PayLine) -> str:
    if line.kind == PayLineKind.BONUS and "quality_score" in line.source:
        return (
            f"Quality score {decimal_text(line.source['quality_score'], places=3)} reached the project's "
            f"bonus threshold of {decimal_text(line.source['threshold'], places=3)}."
        )
    if line.kind in (PayLineKind.HOURLY, PayLineKind.TRAINING):
        return "Approved time only; time approved after the week was run is paid in a later week as an adjustment."
    if line.kind == PayLineKind.TASK:
        return "Approved tasks at the price per task agreed for this project."
    if line.kind == PayLineKind.TOPUP:
        return "Every minute logged counts here, whatever its review outcome."
    if line.kind == PayLineKind.ADJUSTMENT and line.adjusts_period_id:
        corrected = PayLineKind(line.adjusts_kind).label.lower() if line.adjusts_kind else "pay"
        return (
            f"Corrects the {corrected} of the week of {week_label(line.adjusts_period)}, "
            "which changed after that week was approved."
        )
    return ""


def line_row(line: PayLine) -> LineRow:
    by_percent = line.kind == PayLineKind.BONUS and "percent" in line.source
    return LineRow(
        kind=line.kind,
        description=line.description,
        detail=_line_detail(line),
        minutes=duration(line.minutes) if line.minutes else "—",
        quantity=str(line.quantity) if line.quantity else "—",
        rate_minor=line.rate_minor,
        rate_unit=RATE_UNIT.get(line.kind, ""),
        bonus_percent=decimal_text(line.source["percent"]) if by_percent else "",
        bonus_base_minor=int(line.source["base_minor"]) if by_percent else None,
        amount_minor=line.amount_minor,
    )


# How each unit reads in a sentence and in a table cell.
UNIT_SENTENCE = {
    AveragingUnit.ITEM: "each time entry and each task on its own, with no averaging across them",
    AveragingUnit.DAY: "each day on its own",
    AveragingUnit.WORKWEEK: "over the workweek as a whole",
    AveragingUnit.PAY_PERIOD: "over the pay period (the pay week) as a whole",
}
UNIT_CELL = {
    AveragingUnit.ITEM: "Each item",
    AveragingUnit.DAY: "The day",
    AveragingUnit.WORKWEEK: "The week",
    AveragingUnit.PAY_PERIOD: "The pay period",
}


@dataclass(frozen=True)
class TopupDay:
    """A day of the top-up's workings. Amounts are exact major units: ``floor_hourly`` and
    ``owed`` are ``None`` when no minimum wage is on record that day; ``short`` is ``None``
    on a day measured with the rest of the week (its shortfall is the week's)."""

    day: date
    minutes: str
    unit: str
    floor_hourly: Decimal | None
    owed: Decimal | None
    pay: Decimal | None
    short: Decimal | None
    fx_rate: str
    source_url: str


@dataclass(frozen=True)
class TopupWorkings:
    days: list[TopupDay]
    owed_sum: Decimal | None
    # The days measured over the week together: what they owe, what paid them (with the
    # week's bonuses) and what they fell short by; None when no day is measured that way.
    week_owed: Decimal | None
    week_paid: Decimal | None
    week_bonus: Decimal | None
    week_short: Decimal | None
    shortfall: Decimal | None
    units: list[str]


def topup_days(line: PayLine | None, currency: str, *, bonus_minor: int = 0) -> TopupWorkings:
    """The top-up line's workings day by day, measured by ``payouts.floors`` as the pay run
    measured them: each day under its unit, and the exact shortfall before its rounding."""
    empty = TopupWorkings([], None, None, None, None, None, None, [])
    if line is None:
        return empty
    exponent = money.exponent(currency)

    def major(minor: Decimal) -> Decimal:
        return minor.scaleb(-exponent)

    days, works, owed_sum = [], [], Decimal(0)
    measured = all("pay" in entry for entry in line.source.get("days", []))
    # The floor is checked after the costs the expert bears: each hour's floor raised by them.
    cost_rate = Decimal(str(line.source.get("cost_rate") or 0))
    for entry in line.source.get("days", []):
        minutes = int(entry["minutes"])
        unit = entry.get("unit") or ""
        # Kept exact in minor units by the pay run (four decimals); str() keeps JSON's digits.
        floor_minor = Decimal(str(entry["floor_hourly"])) if entry.get("floor_hourly") is not None else None
        pay_minor = Decimal(str(entry.get("pay") or 0))
        item_short = Decimal(str(entry.get("item_short") or 0))
        owed = short = None
        if floor_minor is not None:
            owed_minor = floor_due_exact(day_minutes=[minutes], hourly_minor=[floor_minor])
            owed = major(owed_minor)
            owed_sum += owed
            after = after_costs(floor_minor, cost_rate)
            works.append(DayWork(unit or None, minutes, after, pay_minor, item_short))
            if unit == AveragingUnit.ITEM:
                short = major(item_short)
            elif unit == AveragingUnit.DAY:
                short = major(unit_shortfall(minutes=minutes, hourly=after, pay=pay_minor))
        days.append(
            TopupDay(
                day=date.fromisoformat(entry["day"]),
                minutes=duration(minutes),
                unit=UNIT_CELL.get(unit, "—"),
                floor_hourly=major(floor_minor) if floor_minor is not None else None,
                owed=owed,
                pay=major(pay_minor) if "pay" in entry else None,
                short=short,
                fx_rate=f"{Decimal(str(entry['fx_rate'])).normalize():f}" if entry.get("fx_rate") is not None else "",
                source_url=entry.get("source") or "",
            )
        )
    week = [work for work in works if work.unit in WEEK_UNITS]
    week_owed = week_paid = week_short = week_bonus = None
    if week:
        # What the week's days owe after costs: the sum the shortfall is measured against.
        week_owed = major(sum((Decimal(w.minutes) * w.hourly for w in week), Decimal(0)) / 60)
        week_paid = major(sum((w.pay for w in week), Decimal(0)))
        week_bonus = major(Decimal(bonus_minor))
        week_short = max(week_owed - week_paid - week_bonus, Decimal(0))
    units = sorted({work.unit for work in works if work.unit}, key=list(AveragingUnit).index)
    return TopupWorkings(
        days=days,
        owed_sum=owed_sum,
        week_owed=week_owed,
        week_paid=week_paid,
        week_bonus=week_bonus if bonus_minor else None,
        week_short=week_short,
        # Lines written before the pay run measured units carry no day's pay: no shortfall to show.
        shortfall=major(shortfall_exact(works, extra_pay=Decimal(bonus_minor))) if measured else None,
        units=[UNIT_SENTENCE[AveragingUnit(unit)] for unit in units],
    )


@dataclass(frozen=True)
class FloorRow:
    """The minimum wage of a stretch of the week: ``local_minor`` in ``local_currency``, and, when
    that is not the statement's currency, ``converted`` (exact major units) at ``fx_rate``."""

    days: str
    place: str
    local_minor: int
    local_currency: str
    converted: Decimal | None
    fx_rate: str
    source_url: str
    measured: str = ""
    legal_basis: str = ""


def floor_rows(statement: PayStatement) -> list[FloorRow | None]:
    """The week's minimum wages where the expert works, from ``payouts.floors``; ``None`` for a
    stretch of days with none on record."""
    rows = []
    for stretch in statement_floor_stretches(statement=statement):
        if stretch is None:
            rows.append(None)
            continue
        floor = stretch.floor
        rows.append(
            FloorRow(
                days=day_span(stretch.first_day, stretch.last_day),
                place=place_label(floor.country, floor.subdivision),
                local_minor=floor.hourly_minor,
                local_currency=floor.currency,
                converted=stretch.converted_hourly,
                fx_rate=f"{stretch.fx_rate.normalize():f}",
                source_url=floor.source_url,
                measured=UNIT_SENTENCE.get(floor.averaging_unit, ""),
                legal_basis=floor.legal_basis,
            )
        )
    return rows


@dataclass(frozen=True)
class UnpaidRow:
    day: date
    minutes: str
    what: str
    project: str
    standing: str


def _standing(item) -> str:
    """Where a piece of unpaid work stands, in a sentence."""
    if item.approved_late:
        return "Approved after this week's pay run read the work: paid as a correction in a later statement."
    if item.status == ReviewStatus.REJECTED:
        return (
            f"Rejected, with the reason “{item.rejection_reason}”: not paid as work, but counted for the minimum wage."
        )
    if item.status == ReviewStatus.APPEALED:
        return (
            f"Rejected, with the reason “{item.rejection_reason}”, and appealed: paid as a correction in a later statement if "
            "the appeal is upheld; counted for the minimum wage either way."
        )
    return (
        "Waiting for the lab's review: paid as a correction in a later statement once approved; "
        "counted for the minimum wage meanwhile."
    )


def hours_reconciled(statement: PayStatement) -> dict:
    """The week's hours worked split into what the lines pay and the work they do not, item by item."""
    lines_minutes = sum(line.minutes for line in statement.lines.all() if line.kind in WORK_LINE_KINDS)
    unpaid = statement_unpaid_work(statement=statement)
    rejected = sum(item.minutes for item in unpaid if item.status == ReviewStatus.REJECTED and not item.approved_late)
    return {
        "lines_hours": duration(lines_minutes),
        "unpaid_hours": duration(sum(item.minutes for item in unpaid)),
        "rejected_hours": duration(rejected) if rejected else "",
        "unpaid_rows": [
            UnpaidRow(
                day=item.work_date,
                minutes=duration(item.minutes),
                what=item.what,
                project=item.project,
                standing=_standing(item),
            )
            for item in unpaid
        ],
    }


def _payout_currency(statement: PayStatement) -> str:
    account = getattr(statement.contributor, "payout_account", None) if statement.cost_rate else None
    return account.default_currency.upper() if account and account.default_currency else ""


def statement_context(statement: PayStatement, *, for_ops: bool) -> dict:
    """What ``payouts/includes/statement_body.html`` reads; amounts in ``currency``."""
    currency = statement.currency
    lines = sorted(statement.lines.all(), key=lambda line: (LINE_ORDER.index(line.kind), line.pk))
    topup_line = next((line for line in lines if line.kind == PayLineKind.TOPUP), None)
    bonus_minor = sum(line.amount_minor for line in lines if line.kind == PayLineKind.BONUS)
    workings = topup_days(topup_line, currency, bonus_minor=bonus_minor)
    floors = floor_rows(statement)
    minutes = statement.minutes_worked
    worked_minor = statement.pay_minor + statement.topup_minor
    return {
        "statement": statement,
        "currency": currency,
        # The explanation is one text for both readers; only who it speaks to changes.
        "you": "the expert" if for_ops else "you",
        "your": "their" if for_ops else "your",
        "week": week_label(statement.run.period),
        "place": place_label(statement.country, statement.subdivision),
        "hours": duration(minutes),
        "withheld_hours": duration(statement.floor_withheld_minutes) if statement.floor_withheld_minutes else "",
        "worked_minor": worked_minor,
        "hourly_after_topup_minor": money.hourly_rate_minor(worked_minor, minutes) if minutes else None,
        "floor_rows": [row for row in floors if row is not None],
        "floor_converted": any(row is not None and row.converted is not None for row in floors),
        "days_without_floor": any(row is None for row in floors),
        "lines": [line_row(line) for line in lines],
        "topup_days": workings.days,
        "topup_days_sum": workings.owed_sum,
        "topup": workings,
        "shortfall_rounded_minor": money.to_minor(workings.shortfall, currency, rounding="ROUND_CEILING")
        if workings.shortfall is not None
        else None,
        "week_gap_minor": max(statement.floor_due_minor - statement.pay_minor, 0),
        "cost_percent": decimal_text(statement.cost_rate * 100) if statement.cost_rate else "",
        "payout_currency": _payout_currency(statement),
        **hours_reconciled(statement),
    }
