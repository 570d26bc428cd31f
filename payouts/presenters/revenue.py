"""Gross volume, expert earnings and net revenue per currency, by week and in total."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .labels import percent


@dataclass(frozen=True)
class RevenueRow:
    """A week's (or the window's) figures in one currency, every ``*_minor`` in ``currency``."""

    week: date | None
    currency: str
    gross_minor: int
    experts_minor: int
    revenue_minor: int
    take_rate: str | None


def revenue_row(values: dict) -> RevenueRow:
    """A row of ``revenue_report``'s ``weeks`` or ``totals``."""
    return RevenueRow(
        # The report speaks ISO dates (as its CSV and API do); the page formats a date.
        week=date.fromisoformat(values["week"]) if values.get("week") else None,
        currency=values["currency"],
        gross_minor=values["gross_volume_minor"],
        experts_minor=values["expert_earnings_minor"],
        revenue_minor=values["net_revenue_minor"],
        take_rate=percent(values["take_rate"]),
    )
