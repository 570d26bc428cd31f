"""A pay run's compliance evidence: the histogram of effective hourly pay, the shares of experts
at or above the thresholds, and the top-ups by jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass

from payouts.payruns import compliance

from .labels import duration, jurisdiction_label, percent

# The US-dollar thresholds the summary's ``share_above`` is keyed by.
SHARE_THRESHOLDS = ("90", "120")


@dataclass(frozen=True)
class PlaceRow:
    place: str
    code: str
    currency: str
    experts: int
    topped_up: int
    topup_minor: int


@dataclass(frozen=True)
class Share:
    threshold: str
    share: str | None


def compliance_context(summary: dict) -> dict:
    """What ``payouts/ops/compliance.html`` reads besides the run, from ``compliance_summary``."""
    return {
        "summary": summary,
        "chart": compliance.histogram_svg(summary) if summary["experts"] else "",
        "hours": duration(summary.get("minutes_worked", 0)),
        # (currency, minor units) pairs, by currency.
        "topups_by_currency": sorted(summary.get("topup_minor_by_currency", {}).items()),
        "places": [
            PlaceRow(
                place=jurisdiction_label(row["jurisdiction"]),
                code=row["jurisdiction"],
                currency=row["currency"],
                experts=row["experts"],
                topped_up=row["topped_up"],
                topup_minor=row["topup_minor"],
            )
            for row in summary["topups_by_jurisdiction"]
        ],
        "shares": [
            Share(threshold=f"${threshold}", share=percent(summary["share_above"].get(threshold)))
            for threshold in SHARE_THRESHOLDS
        ]
        if summary["experts"]
        else [],
    }
