"""What both yearly runs check before they read anything."""

from __future__ import annotations

import uuid

from django.utils import timezone

from accounts.permissions import require_ops_finance
from config.errors import ApplicationError
from reporting.models import YEAR_MAX, YEAR_MIN


def check_run(*, year: int, actor) -> None:
    """A year that has ended or is under way, run by the system or operations finance."""
    if actor is not None:
        require_ops_finance(actor, to="may generate tax reports")
    this_year = timezone.now().year
    if year > this_year:
        raise ApplicationError(f"{year} has not begun: nothing was paid in it yet.", code="future_year")
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ApplicationError(f"{year} is outside {YEAR_MIN}-{YEAR_MAX}.", code="year_out_of_range")


def new_ref(prefix: str) -> str:
    """An identifier unique across files and time (DPI asks for the sending country first)."""
    return f"{prefix}{uuid.uuid4().hex.upper()}"
