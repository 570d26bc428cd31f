"""What the pay-run pages do alike: find the run asked for, and know which week was last."""

from __future__ import annotations

from datetime import date, timedelta

from django.http import Http404
from django.utils import timezone

from payouts.models import PayRun, PayRunStatus
from payouts.payruns.selectors import pay_run_for_ops
from payouts.weeks import week_of

# Runs whose statements exist and can be read; a replaced run's were deleted with it.
RUNS_WITH_STATEMENTS = (PayRunStatus.DRAFT, PayRunStatus.APPROVED)


def run_for_ops(pk: int) -> PayRun:
    run = pay_run_for_ops(pk=pk)
    if run is None:
        raise Http404
    return run


def run_with_statements(pk: int) -> PayRun:
    """The run if its statements can be read; a computing, failed or replaced run answers 404."""
    run = run_for_ops(pk)
    if run.status not in RUNS_WITH_STATEMENTS:
        raise Http404
    return run


def last_week_start() -> date:
    # The same "today" the service uses to decide whether a week is over.
    return week_of(timezone.now().date())[0] - timedelta(days=7)
