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
from payouts.floors import floor_due_exact, statement_floor_stretches
from payouts.models import PayLine, PayLineKind, PayStatement
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


@dataclass(frozen=True)
class TopupDay:
    """A day of the top-up's workings; ``floor_hourly`` and ``owed`` are exact major units, or
    ``None`` when no minimum wage is on record that day."""

    day: date
    minutes: str
    floor_hourly: Decimal | None
    owed: Decimal | None
    source_url: str


def topup_days(line: PayLine | None, currency: str) -> tuple[list[TopupDay], Decimal | None]:
    """The top-up line's day-by-day floor, and the exact sum of the days before rounding."""
    if line is None:
        return [], None
    days, total = [], Decimal(0)
    for entry in line.source.get("days", []):
        minutes = int(entry["minutes"])
        floor_minor = entry.get("floor_hourly")
        floor_hourly = owed = None
        if floor_minor is not None:
            # Kept exact in minor units by the pay run (four decimals); str() keeps JSON's digits.
            floor_hourly = Decimal(str(floor_minor)).scaleb(-money.exponent(currency))
            # The day's share of the floor due, by the formula the pay run used (in major units).
            owed = floor_due_exact(day_minutes=[minutes], hourly_minor=[floor_hourly])
            total += owed
        days.append(
            TopupDay(
                day=date.fromisoformat(entry["day"]),
                minutes=duration(minutes),
                floor_hourly=floor_hourly,
                owed=owed,
                source_url=entry.get("source") or "",
            )
        )
    return days, total


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


def statement_context(statement: PayStatement, *, for_ops: bool) -> dict:
    """What ``payouts/includes/statement_body.html`` reads; amounts in ``currency``."""
    currency = statement.currency
    lines = sorted(statement.lines.all(), key=lambda line: (LINE_ORDER.index(line.kind), line.pk))
    topup_line = next((line for line in lines if line.kind == PayLineKind.TOPUP), None)
    days, days_sum = topup_days(topup_line, currency)
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
        "topup_days": days,
        "topup_days_sum": days_sum,
        **hours_reconciled(statement),
    }
