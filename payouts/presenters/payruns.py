"""Pay runs for operations: the runs with their totals per currency, a run's statements, and
how far a computing run has got."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from payouts.models import PayRun, PayRunStatus, PayStatement
from payouts.payruns.selectors import CurrencyTotals, pay_run_totals
from payouts.payruns.services import pay_run_progress

from .labels import duration, place_label, week_label

# Until a worker takes a run up there is no step yet; say so rather than show a bare 0%.
WAITING_STEP = "waiting for a worker to start it"


@dataclass(frozen=True)
class CurrencyTotalsRow:
    """One currency's line of ``payouts/includes/currency_totals.html``; every ``*_minor`` is in ``currency``."""

    currency: str
    statements: int
    hours: str
    pay_minor: int
    topup_minor: int
    adjustment_minor: int
    total_minor: int
    topped_up: int

    @property
    def has_adjustments(self) -> bool:
        return bool(self.adjustment_minor)


def totals_rows(totals: list[CurrencyTotals]) -> list[CurrencyTotalsRow]:
    return [
        CurrencyTotalsRow(
            currency=t.currency,
            statements=t.statements,
            hours=duration(t.minutes_worked),
            pay_minor=t.pay_minor,
            topup_minor=t.topup_minor,
            adjustment_minor=t.adjustment_minor,
            total_minor=t.total_minor,
            topped_up=t.topped_up,
        )
        for t in totals
    ]


@dataclass(frozen=True)
class RunRow:
    run: PayRun
    week: str
    totals: list[CurrencyTotalsRow]


@dataclass(frozen=True)
class UpcomingWeekRow:
    starts_on: date
    ends_on: date
    label: str
    closes_at: datetime
    can_run: bool


def upcoming_weeks(weeks: list[tuple[date, datetime]], *, now: datetime) -> list[UpcomingWeekRow]:
    """The weeks not yet run (``weeks_not_yet_run``), each with when it can be run."""
    rows = []
    for start, closes_at in weeks:
        end = start + timedelta(days=6)
        first = f"{start:%-d %b}" if start.year == end.year else f"{start:%-d %b %Y}"
        rows.append(
            UpcomingWeekRow(
                starts_on=start,
                ends_on=end,
                label=f"{first} \N{EN DASH} {end:%-d %b %Y}",
                closes_at=closes_at,
                can_run=now >= closes_at,
            )
        )
    return rows


def run_rows(runs: list[PayRun]) -> list[RunRow]:
    """The runs of a page of the list, each with its totals per currency (one query for them all)."""
    totals = pay_run_totals(run_ids=[run.pk for run in runs])
    return [RunRow(run=run, week=week_label(run.period), totals=totals_rows(totals[run.pk])) for run in runs]


@dataclass(frozen=True)
class StatementRow:
    """A statement in a list; its amounts are read from ``statement`` in ``statement.currency``."""

    statement: PayStatement
    week: str
    place: str
    hours: str


def statement_row(statement: PayStatement) -> StatementRow:
    return StatementRow(
        statement=statement,
        week=week_label(statement.run.period),
        place=place_label(statement.country, statement.subdivision),
        hours=duration(statement.minutes_worked),
    )


@dataclass(frozen=True)
class RunProgress:
    percent: int
    step: str
    line: str


def run_progress(run: PayRun) -> RunProgress:
    """How far the run has got: live while it computes, else where it stopped and its status."""
    if run.status != PayRunStatus.COMPUTING:
        return RunProgress(
            percent=int(run.progress), step=run.step, line=f"{run.progress}% · {run.get_status_display()}"
        )
    progress = pay_run_progress(run=run)
    percent, step = int(progress["percent"]), progress["step"] or WAITING_STEP
    return RunProgress(percent=percent, step=step, line=f"{percent}% · {step}")


def run_progress_json(run: PayRun) -> dict:
    """What the run page's script polls (``static/js/live-progress.js``); it reloads once finished."""
    progress = run_progress(run)
    return {
        "status": run.status,
        "status_label": run.get_status_display(),
        "finished": run.status != PayRunStatus.COMPUTING,
        "percent": progress.percent,
        "step": progress.step,
        "line": progress.line,
    }
