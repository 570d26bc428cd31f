"""The budget-burn chart of a project page, as a small dependency-free SVG.

Drawn on the server: the Content Security Policy allows no inline scripts or style
attributes, and SVG presentation attributes are neither. The page carries the same figures
as a table for screen readers and anyone who prefers numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from html import escape

from payouts.money import format_money, multiply, round_minor

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 12, 12, 16, 34


@dataclass(frozen=True)
class BurnWeek:
    week: date
    spent_minor: int
    cumulative_minor: int


@dataclass(frozen=True)
class BurnChart:
    svg: str
    weeks: list[BurnWeek]
    # The day the budget runs out at the current weekly commitment, if before the end.
    runs_out_on: date | None
    forecast_end_minor: int


def burn_weeks(spent: list[tuple[date, Decimal]]) -> list[BurnWeek]:
    """Weekly spend and the running total; each rounded from the exact running total, so the
    last running total is the project's spent figure and the weeks add up to it."""
    weeks, running, shown = [], Decimal(0), 0
    for week, value in spent:
        running += value
        cumulative = round_minor(running)
        weeks.append(BurnWeek(week, cumulative - shown, cumulative))
        shown = cumulative
    return weeks


def budget_burn_chart(
    *,
    starts_on: date,
    ends_on: date,
    today: date,
    funded_minor: int,
    spent: list[tuple[date, Decimal]],
    weekly_commitment_minor: int,
    currency: str,
) -> BurnChart:
    weeks = burn_weeks(spent)
    spent_now = weeks[-1].cumulative_minor if weeks else 0
    forecast_from = min(max(today, starts_on), ends_on)
    days_left = (ends_on - forecast_from).days + 1
    forecast_end = spent_now + multiply(weekly_commitment_minor, Decimal(days_left) / 7)
    runs_out_on = None
    if weekly_commitment_minor > 0 and forecast_end > funded_minor:
        # Whole days: the chart marks the last day the budget still covers.
        days_to_empty = max(funded_minor - spent_now, 0) * 7 // weekly_commitment_minor
        runs_out_on = forecast_from + timedelta(days=days_to_empty)

    span_days = max((ends_on - starts_on).days + 1, 1)
    top_value = max(funded_minor, forecast_end, spent_now, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        offset = min(max((day - starts_on).days, 0), span_days)
        return round(LEFT + plot_w * offset / span_days, 1)

    def y(amount: int) -> float:
        return round(TOP + plot_h - plot_h * amount / top_value, 1)

    points = [(x(starts_on), y(0))]
    for burn in weeks:
        # A week's spend is shown where the week ends (or today, for the week in progress).
        points.append((x(min(burn.week + timedelta(days=6), forecast_from)), y(burn.cumulative_minor)))
    spent_path = " ".join(f"{px},{py}" for px, py in points)
    funded_text = format_money(funded_minor, currency)
    spent_text = format_money(spent_now, currency)
    forecast_text = format_money(forecast_end, currency)
    description = (
        f"Spent {spent_text} of {funded_text} funded by {forecast_from:%-d %b %Y}. "
        f"At the current commitment the project reaches {forecast_text} by its end on {ends_on:%-d %b %Y}"
        + (f", running out of budget around {runs_out_on:%-d %b %Y}." if runs_out_on else ", within its budget.")
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'role="img" aria-labelledby="burn-title burn-desc" class="burn-chart">',
        '<title id="burn-title">Budget burn</title>',
        f'<desc id="burn-desc">{escape(description)}</desc>',
        # Axis and the funded line.
        f'<line x1="{LEFT}" y1="{y(0)}" x2="{WIDTH - RIGHT}" y2="{y(0)}" stroke="#6b7280" stroke-width="1"/>',
        f'<line x1="{LEFT}" y1="{y(funded_minor)}" x2="{WIDTH - RIGHT}" y2="{y(funded_minor)}" '
        'stroke="#1d6b35" stroke-width="2"/>',
        f'<text x="{LEFT + 4}" y="{y(funded_minor) - 4}" font-size="11" fill="#1d6b35">Funded {escape(funded_text)}</text>',
        # Spent so far, then the forecast at the current weekly commitment.
        f'<polyline points="{spent_path}" fill="none" stroke="#a4141e" stroke-width="3"/>',
        f'<line x1="{x(forecast_from)}" y1="{y(spent_now)}" x2="{x(ends_on)}" y2="{y(forecast_end)}" '
        'stroke="#7a4a00" stroke-width="2" stroke-dasharray="6 4"/>',
        f'<line x1="{x(forecast_from)}" y1="{TOP}" x2="{x(forecast_from)}" y2="{y(0)}" stroke="#9ca3af" '
        'stroke-width="1" stroke-dasharray="2 3"/>',
    ]
    if runs_out_on is not None:
        parts.append(
            f'<circle cx="{x(runs_out_on)}" cy="{y(funded_minor)}" r="5" fill="#a4141e">'
            f"<title>Runs out around {runs_out_on:%-d %b %Y}</title></circle>"
        )
    parts += [
        f'<text x="{LEFT}" y="{HEIGHT - 8}" font-size="11" fill="#374151">{starts_on:%-d %b %Y}</text>',
        f'<text x="{x(forecast_from)}" y="{HEIGHT - 20}" font-size="11" fill="#374151" text-anchor="middle">Today</text>',
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 8}" font-size="11" fill="#374151" text-anchor="end">'
        f"{ends_on:%-d %b %Y}</text>",
        "</svg>",
    ]
    return BurnChart(svg="".join(parts), weeks=weeks, runs_out_on=runs_out_on, forecast_end_minor=forecast_end)
