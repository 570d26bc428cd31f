"""A project's budget: how much is funded, committed, spent and left, and the burn chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.safestring import SafeString, mark_safe

from .. import selectors
from ..charts import BurnWeek, budget_burn_chart
from ..models import Project


def _percent(part: int, whole: int) -> Decimal:
    if whole <= 0:
        return Decimal(0)
    return min(Decimal(100), max(Decimal(0), Decimal(part) * 100 / Decimal(whole))).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class BurnChartView:
    svg: SafeString
    runs_out_on: date | None
    forecast_end_minor: int
    weeks: list[BurnWeek]


@dataclass(frozen=True)
class Budget:
    """The budget card of a project page; every ``*_minor`` is in ``currency``."""

    currency: str
    cap_minor: int
    funded_minor: int
    committed_minor: int
    spent_minor: int
    remaining_minor: int
    weekly_minor: int
    # Plain strings, so the widths never pick up a locale's decimal comma.
    spent_width: str
    committed_width: str
    remaining_width: str
    used_percent: str
    active: int
    weeks_left: Decimal | None
    weeks_to_end: int
    chart: BurnChartView | None

    @property
    def is_funded(self) -> bool:
        return self.funded_minor > 0

    @property
    def runs_short(self) -> bool:
        return self.weeks_left is not None and self.weeks_left < self.weeks_to_end


def project_budget(project: Project, today: date) -> Budget:
    burn = selectors.budget_burn(project=project)
    forecast = selectors.budget_forecast(project=project, on=today)
    spent = _percent(burn.spent_minor, burn.funded_minor)
    committed = min(_percent(burn.committed_minor, burn.funded_minor), Decimal(100) - spent)
    used = _percent(burn.committed_minor + burn.spent_minor, burn.funded_minor)
    chart = None
    if burn.funded_minor > 0:
        drawn = budget_burn_chart(
            starts_on=project.starts_on,
            ends_on=project.ends_on,
            today=today,
            funded_minor=burn.funded_minor,
            spent=selectors.spent_by_week(project=project),
            weekly_commitment_minor=forecast.weekly_commitment_minor,
            currency=burn.currency,
        )
        chart = BurnChartView(
            svg=mark_safe(drawn.svg),  # noqa: S308  (built from numbers, dates and escaped text only)
            runs_out_on=drawn.runs_out_on,
            forecast_end_minor=drawn.forecast_end_minor,
            weeks=drawn.weeks,
        )
    return Budget(
        currency=burn.currency,
        cap_minor=project.budget_cap_minor,
        funded_minor=burn.funded_minor,
        committed_minor=burn.committed_minor,
        spent_minor=burn.spent_minor,
        remaining_minor=burn.remaining_minor,
        weekly_minor=forecast.weekly_commitment_minor,
        spent_width=f"{spent:.1f}",
        committed_width=f"{committed:.1f}",
        remaining_width=f"{Decimal(100) - spent - committed:.1f}",
        used_percent=f"{used:.0f}",
        active=forecast.active_engagements,
        weeks_left=forecast.weeks_left,
        weeks_to_end=forecast.weeks_to_end,
        chart=chart,
    )
