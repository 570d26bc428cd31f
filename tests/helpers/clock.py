"""The moment the tests run at, kept in step in the processes they start.

Dates decide pay weeks, locked timesheets, review windows, pay-run periods and expiries,
and the experts of the tests live in Los Angeles, where the first eight hours of a Monday
in UTC are still Sunday. So no test runs whenever the suite happens to run: the whole
session travels to a fixed moment (``--at``, by default ``DEFAULT_MOMENT``) and the clock
ticks from there, so timeouts, TOTP codes and Stripe's signed timestamps (the local Stripe
server is a thread of the test process) work as they do live. Tests marked
``@pytest.mark.moments`` run once more at each moment of ``MOMENTS``.

time-machine moves the clock of this process only; the processes a test starts (Celery
workers, ``manage.py``) get the offset from the real clock in TEST_CLOCK_OFFSET_SECONDS,
which ``config/settings/test.py`` applies to theirs.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

# A Wednesday afternoon in UTC: the same day from Los Angeles to Tokyo, mid-week, in a
# year whose minimum wages the reference data knows.
DEFAULT_MOMENT = "2026-06-17T15:00:00Z"
# Moments at which a day or a week is not the same everywhere.
MOMENTS = {
    # Monday in UTC, still Sunday in Los Angeles: the week has begun for the server only.
    "monday-0100-utc": "2026-12-07T01:00:00Z",
    # Sunday night in UTC, already Monday in Tokyo and Sydney; the last hour of a pay week.
    "sunday-2330-utc": "2026-03-15T23:30:00Z",
}
OFFSET_ENV = "TEST_CLOCK_OFFSET_SECONDS"

_travels: list[tuple[time_machine.travel, str | None]] = []


def parse(moment: str) -> datetime:
    parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"a moment needs its offset from UTC, e.g. {moment}Z: {moment!r}")
    return parsed.astimezone(UTC)


def travel_to(moment: str | datetime) -> None:
    """Move this process's clock, and the one of processes started from now on, to ``moment``; it ticks on."""
    destination = parse(moment) if isinstance(moment, str) else moment
    hatch = time_machine.escape_hatch
    real = hatch.time.time() if hatch.is_travelling() else time.time()
    travel = time_machine.travel(destination, tick=True)
    travel.start()
    _travels.append((travel, os.environ.get(OFFSET_ENV)))
    os.environ[OFFSET_ENV] = repr(destination.timestamp() - real)


def travel_back() -> None:
    """Undo the latest ``travel_to``."""
    travel, offset = _travels.pop()
    travel.stop()
    if offset is None:
        os.environ.pop(OFFSET_ENV, None)
    else:
        os.environ[OFFSET_ENV] = offset


def today_in(tz_name: str) -> date:
    """Today where a person lives: the day the services give their work and their pay week."""
    return datetime.now(ZoneInfo(tz_name)).date()


def local_moment(tz: ZoneInfo, *, days_ago: int, hour: int, minute: int = 0) -> datetime:
    """``hour:minute`` on the day ``days_ago`` days before today where ``tz`` is (the work's own calendar)."""
    day = datetime.now(UTC).astimezone(tz).date() - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
