"""Pay weeks: which week a day belongs to, and whether that week is still open."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from config.payweek import pay_week_start, week_closes_at
from payouts.models import PayPeriod, PayPeriodStatus

__all__ = ["hold_pay_weeks", "is_closed", "is_locked", "pay_weeks_changed", "week_closes_at", "week_of"]


def week_of(day: date) -> tuple[date, date]:
    """The first and last day of the pay week containing ``day``."""
    start = pay_week_start(day)
    return start, start + timedelta(days=6)


def is_closed(day: date, *, now: datetime | None = None) -> bool:
    """Whether the pay week of ``day`` has closed by the clock (``week_closes_at``)."""
    return (now or timezone.now()) >= week_closes_at(week_of(day)[0])


def is_locked(day: date) -> bool:
    """Whether work dated ``day`` can no longer be logged or changed, only asked for as an
    adjustment: its week has closed, or a pay run has locked it."""
    start, _ = week_of(day)
    if is_closed(start):
        return True
    return PayPeriod.objects.filter(starts_on=start).exclude(status=PayPeriodStatus.OPEN).exists()


def hold_pay_weeks(days) -> dict[date, tuple[int, str]]:
    """Share-lock the pay weeks of these days (creating them, open, if they are new).

    A review that changes what an item pays holds its week this way until it commits; a
    pay run holds the week exclusively while it reads the work. So every approval is
    either seen by the run or happens after it, when the week's status says it is locked.
    Returns, for each week's first day, the period's id and status.
    """
    from django.db import connection

    starts = sorted({week_of(day)[0] for day in days})
    if not starts:
        return {}
    ends = [start + timedelta(days=6) for start in starts]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO payouts_payperiod (starts_on, ends_on, status)
            SELECT s, e, 'open' FROM unnest(%s::date[], %s::date[]) AS w(s, e)
            ON CONFLICT (starts_on) DO NOTHING
            """,
            [starts, ends],
        )
        cursor.execute(
            "SELECT starts_on, id, status FROM payouts_payperiod WHERE starts_on = ANY(%s::date[]) "
            "ORDER BY starts_on FOR SHARE",
            [starts],
        )
        return {start: (period_id, status) for start, period_id, status in cursor.fetchall()}


def pay_weeks_changed(*, contributor_days: list[tuple[int, date]], reason: str) -> int:
    """Hold the weeks of items whose pay just changed, and mark the locked ones for an
    adjustment in the next pay run. Must run inside the transaction that made the change."""
    from payouts.models import PayRecompute

    held = hold_pay_weeks(day for _, day in contributor_days)
    pairs = {
        (contributor_id, held[week_of(day)[0]][0])
        for contributor_id, day in contributor_days
        if held[week_of(day)[0]][1] != PayPeriodStatus.OPEN
    }
    PayRecompute.objects.bulk_create(
        [
            PayRecompute(contributor_id=contributor_id, period_id=period_id, reason=reason[:300])
            for contributor_id, period_id in sorted(pairs)
        ]
    )
    return len(pairs)
