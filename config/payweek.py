"""Where a pay week begins, as ``PAY_WEEK_START`` sets it, and when it closes: the one
place both are worked out.

It sits below every app because both the pay layers (``payouts.weeks``) and an expert's
profile (a jurisdiction change takes effect from the next pay week) need it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings

# A day is over everywhere on Earth once it is over at UTC-12: twelve hours into the next
# day in UTC.
_LAST_TIME_ZONE_BEHIND_UTC = timedelta(hours=12)


def pay_week_start(day: date) -> date:
    """The first day of the pay week containing ``day``."""
    return day - timedelta(days=(day.weekday() - settings.PAY_WEEK_START) % 7)


def next_pay_week_start(day: date) -> date:
    """The first day of the pay week after the one containing ``day``."""
    return pay_week_start(day) + timedelta(days=7)


def week_closes_at(week_start: date) -> datetime:
    """The moment the pay week containing ``week_start`` closes for logging, correcting
    and reviewing its work, and after which it may be run.

    Work is dated in each expert's own calendar, so the week must first be over for
    everyone, wherever they live (its last day over at UTC-12), and then the platform's
    grace period (``PAY_WEEK_GRACE_HOURS``) gives them time to log and correct it and the
    labs time to review it.
    """
    after = next_pay_week_start(week_start)
    return (
        datetime.combine(after, time(0), tzinfo=UTC)
        + _LAST_TIME_ZONE_BEHIND_UTC
        + timedelta(hours=settings.PAY_WEEK_GRACE_HOURS)
    )
