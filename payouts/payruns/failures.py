"""Why a pay run failed: the experts, and their engagements, whose pay alone fails to compute.

The run is one set-based computation, so one bad row stops it for everyone and the
database's error ("bigint out of range") names no one. When it fails, the same
computation is tried again on halves of the experts, each in a savepoint that is rolled
back, narrowing down to the experts whose pay fails on its own. That costs about twice a
run, and only when a run has failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Q

from contributors.models import Contributor
from marketplace.models import Engagement, TaskSubmission, TimeEntry

# The most partial computations spent looking; past that the run's own error stands alone.
DIAGNOSIS_COMPUTATIONS = 64


class _Undo(Exception):
    """Rolls a trial computation back."""


@dataclass(frozen=True)
class FailedPay:
    contributor_id: int
    expert: str
    engagements: list[str]
    reason: str

    def __str__(self) -> str:
        where = "; ".join(self.engagements) or "no engagement with work in the week"
        return f"{self.expert}, {where}: {self.reason}"


def _reason(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def failed_pay(
    *, run_id: int, start: date, end: date, read_at: datetime, contributors: tuple[int, int]
) -> list[FailedPay]:
    """The experts among ``contributors`` whose pay fails to compute on its own, with why.

    Empty when the failure is no one expert's (every expert fails alike, or the search ran
    out of its allowance). Must run inside a transaction; writes nothing.
    """
    from payouts.payruns.computation import compute_statements

    first, last = contributors
    ids = sorted(
        set(
            Engagement.objects.filter(contributor_id__gte=first, contributor_id__lte=last).values_list(
                "contributor_id", flat=True
            )
        )
    )
    allowance = [DIAGNOSIS_COMPUTATIONS]

    def fails(lo: int, hi: int) -> str:
        allowance[0] -= 1
        try:
            with transaction.atomic():
                compute_statements(run_id=run_id, start=start, end=end, read_at=read_at, contributors=(ids[lo], ids[hi]))
                raise _Undo
        except _Undo:
            return ""
        except Exception as exc:
            return _reason(exc)

    found: list[tuple[int, str]] = []

    def narrow(lo: int, hi: int, reason: str) -> None:
        if lo == hi:
            found.append((ids[lo], reason))
            return
        middle = (lo + hi) // 2
        for part in ((lo, middle), (middle + 1, hi)):
            if allowance[0] <= 0:
                return
            reason = fails(*part)
            if reason:
                narrow(*part, reason)

    if not ids:
        return []
    reason = fails(0, len(ids) - 1)
    if reason:
        narrow(0, len(ids) - 1, reason)
    if allowance[0] <= 0 or len(found) == len(ids):
        return []
    return [_described(contributor_id, reason, start=start, end=end) for contributor_id, reason in found]


def _described(contributor_id: int, reason: str, *, start: date, end: date) -> FailedPay:
    in_week = Q(work_date__gte=start, work_date__lte=end)
    worked = set(TimeEntry.objects.filter(in_week, contributor_id=contributor_id).values_list("engagement_id", flat=True))
    worked |= set(
        TaskSubmission.objects.filter(in_week, contributor_id=contributor_id).values_list("engagement_id", flat=True)
    )
    engagements = Engagement.objects.filter(pk__in=worked).select_related("project").order_by("pk")
    contributor = Contributor.objects.filter(pk=contributor_id).first()
    name = (contributor.display_name if contributor else "") or f"Expert #{contributor_id}"
    return FailedPay(
        contributor_id=contributor_id,
        expert=name,
        engagements=[f"engagement #{e.pk} on “{e.project.title}”" for e in engagements],
        reason=reason,
    )
