"""Reads of the reference data operations keep: what is in force, what is coming, what waits for a decision."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from payouts.models import FxRate, MinimumWage, ReferenceChange, ReferenceChangeStatus


def minimum_wages_current_and_upcoming(*, on: date, countries: list[str] | None = None) -> list[MinimumWage]:
    """Each place's row in force on ``on``, and every row in force from a later day, by place and date."""
    rows = MinimumWage.in_force.all()
    if countries is not None:
        rows = rows.filter(country__in=countries)
    current = list(
        rows.filter(effective_from__lte=on)
        .order_by("country", "subdivision", "-effective_from")
        .distinct("country", "subdivision")
    )
    later = list(rows.filter(effective_from__gt=on))
    return sorted(current + later, key=lambda row: (row.country, row.subdivision, row.effective_from))


def minimum_wages_upcoming(*, after: date, countries: list[str] | None = None) -> QuerySet[MinimumWage]:
    """Minimum wages known to take effect after ``after``, soonest first (the calendar)."""
    rows = MinimumWage.in_force.filter(effective_from__gt=after)
    if countries is not None:
        rows = rows.filter(country__in=countries)
    return rows.order_by("effective_from", "country", "subdivision")


def fx_rates_current_and_upcoming(*, on: date) -> list[FxRate]:
    """Each pair's rate in force on ``on``, and every rate in force from a later day."""
    current = list(
        FxRate.in_force.filter(effective_from__lte=on)
        .order_by("base", "quote", "-effective_from")
        .distinct("base", "quote")
    )
    later = list(FxRate.in_force.filter(effective_from__gt=on))
    return sorted(current + later, key=lambda row: (row.base, row.quote, row.effective_from))


def reference_changes(*, status: str = "") -> QuerySet[ReferenceChange]:
    """Changes, newest first; only those of one status when asked."""
    changes = ReferenceChange.objects.select_related(
        "proposed_by", "decided_by", "minimum_wage", "fx_rate", "created_minimum_wage", "created_fx_rate"
    )
    return changes.filter(status=status) if status else changes


def reference_changes_pending() -> QuerySet[ReferenceChange]:
    return reference_changes(status=ReferenceChangeStatus.PENDING).order_by("proposed_at", "id")


def reference_changes_decided(*, limit: int) -> list[ReferenceChange]:
    """The latest changes no longer waiting (approved, rejected or withdrawn), newest first."""
    return list(reference_changes().exclude(status=ReferenceChangeStatus.PENDING)[:limit])
