"""Where a pay week begins, as ``PAY_WEEK_START`` sets it: the one place that is worked out.

It sits below every app because both the pay layers (``payouts.weeks``) and an expert's
profile (a jurisdiction change takes effect from the next pay week) need it.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings


def pay_week_start(day: date) -> date:
    """The first day of the pay week containing ``day``."""
    return day - timedelta(days=(day.weekday() - settings.PAY_WEEK_START) % 7)


def next_pay_week_start(day: date) -> date:
    """The first day of the pay week after the one containing ``day``."""
    return pay_week_start(day) + timedelta(days=7)
