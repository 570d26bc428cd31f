"""Pay weeks: which week a day belongs to, and whether that week is still open."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings

from .models import PayPeriod, PayPeriodStatus


def week_of(day: date) -> tuple[date, date]:
    """The first and last day of the pay week containing ``day``."""
    start = day - timedelta(days=(day.weekday() - settings.PAY_WEEK_START) % 7)
    return start, start + timedelta(days=6)


def is_locked(day: date) -> bool:
    start, _ = week_of(day)
    return PayPeriod.objects.filter(starts_on=start).exclude(status=PayPeriodStatus.OPEN).exists()
