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

WIDTH, HEIGHT = 640, 260
# Room for the money ticks and the axis names: every label is drawn inside the viewBox.
LEFT, RIGHT, TOP, BOTTOM = 92, 16, 30, 48
TICKS = 4


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


def nice_step(top: int, ticks: int = TICKS) -> int:
    """A round step (1, 2, 2.5 or 5 times a power of ten, in minor units) giving about ``ticks`` steps to ``top``."""
    raw = max(top, 1) / ticks
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= raw:
            return max(int(factor * magnitude), 1)
    return 10 * magnitude


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
    step = nice_step(max(funded_minor, forecast_end, spent_now, 1))
    # The value axis ends on a tick, so its top label names the top of the plot.
    top_value = step * -(-max(funded_minor, forecast_end, spent_now, 1) // step)
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
        f'<title id="burn-title">Budget burn in {escape(currency)}</title>',
        f'<desc id="burn-desc">{escape(description)}</desc>',
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="600" fill="#1b1f24">'
        f"Budget spent and forecast ({escape(currency)})</text>",
    ]
    # The value axis: round amounts with light grid lines, named with its unit.
    for tick in range(0, top_value + 1, step):
        parts.append(
            f'<line x1="{LEFT}" y1="{y(tick)}" x2="{WIDTH - RIGHT}" y2="{y(tick)}" stroke="#e5e7eb" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y(tick) + 4}" font-size="11" fill="#374151" text-anchor="end" '
            f'class="tick">{escape(format_money(tick, currency).removesuffix(".00"))}</text>'
        )
    parts += [
        f'<text x="14" y="{TOP + plot_h / 2}" font-size="11" fill="#374151" text-anchor="middle" '
        f'transform="rotate(-90 14 {TOP + plot_h / 2})">Amount ({escape(currency)})</text>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{y(0)}" stroke="#6b7280" stroke-width="1"/>',
        f'<line x1="{LEFT}" y1="{y(0)}" x2="{WIDTH - RIGHT}" y2="{y(0)}" stroke="#6b7280" stroke-width="1"/>',
        # The funded line.
        f'<line x1="{LEFT}" y1="{y(funded_minor)}" x2="{WIDTH - RIGHT}" y2="{y(funded_minor)}" '
        'stroke="#1d6b35" stroke-width="2"/>',
        f'<text x="{WIDTH - RIGHT - 4}" y="{y(funded_minor) - 4}" font-size="11" fill="#1d6b35" text-anchor="end">'
        f"Funded {escape(funded_text)}</text>",
        # Spent so far, then the forecast at the current weekly commitment.
        f'<polyline points="{spent_path}" fill="none" stroke="#a4141e" stroke-width="3"/>',
        f'<line x1="{x(forecast_from)}" y1="{y(spent_now)}" x2="{x(ends_on)}" y2="{y(forecast_end)}" '
        'stroke="#7a4a00" stroke-width="2" stroke-dasharray="6 4"/>',
        f'<line x1="{x(forecast_from)}" y1="{TOP}" x2="{x(forecast_from)}" y2="{y(0)}" stroke="#9ca3af" '
        'stroke-width="1" stroke-dasharray="2 3"/>',
    ]
    # One mark per week, carrying the figure the table beside the chart shows.
    for (px, py), burn in zip(points[1:], weeks, strict=True):
        parts.append(
            f'<rect x="{px - 3}" y="{py - 3}" width="6" height="6" fill="#a4141e" class="point" '
            f'data-week="{burn.week.isoformat()}" data-value="{escape(format_money(burn.cumulative_minor, currency))}">'
            f"<title>Week of {burn.week:%-d %b %Y}: {escape(format_money(burn.cumulative_minor, currency))} "
            "spent so far</title></rect>"
        )
    if runs_out_on is not None:
        parts.append(
            f'<circle cx="{x(runs_out_on)}" cy="{y(funded_minor)}" r="5" fill="#a4141e">'
            f"<title>Runs out around {runs_out_on:%-d %b %Y}</title></circle>"
        )
    # The time axis: the project's first and last days, today between them (kept off the ends).
    today_x = min(max(x(forecast_from), LEFT + 24), WIDTH - RIGHT - 24)
    parts += [
        f'<text x="{LEFT}" y="{y(0) + 16}" font-size="11" fill="#374151" class="tick">{starts_on:%-d %b %Y}</text>',
        f'<text x="{today_x}" y="{TOP + 12}" font-size="11" fill="#374151" text-anchor="middle">Today</text>',
        f'<text x="{WIDTH - RIGHT}" y="{y(0) + 16}" font-size="11" fill="#374151" text-anchor="end" class="tick">'
        f"{ends_on:%-d %b %Y}</text>",
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 8}" font-size="11" fill="#374151" text-anchor="middle">'
        "Date (project start to end)</text>",
        "</svg>",
    ]
    return BurnChart(svg="".join(parts), weeks=weeks, runs_out_on=runs_out_on, forecast_end_minor=forecast_end)
