"""Reads of time disputes: the operations queue, a lab's, an expert's, and who may see one."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User

from .models import DisputeStatus, TimeDispute, TimeEntry


def _disputes() -> QuerySet[TimeDispute]:
    return TimeDispute.objects.select_related(
        "time_entry", "project__lab", "contributor__user", "raised_by", "decided_by"
    )


def time_disputes_for_ops(*, status: str = DisputeStatus.OPEN) -> QuerySet[TimeDispute]:
    """The operations queue: open disputes first raised first (or those of another status)."""
    rows = _disputes()
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("raised_at", "id")


def time_dispute_for_ops(*, pk: int) -> TimeDispute | None:
    return _disputes().filter(pk=pk).first()


def time_disputes_of_expert(*, user: User) -> QuerySet[TimeDispute]:
    return _disputes().filter(contributor__user=user).order_by("-raised_at", "-id")


def time_dispute_of_expert(*, user: User, pk: int) -> TimeDispute | None:
    return time_disputes_of_expert(user=user).filter(pk=pk).first()


def time_disputes_of_project(*, project) -> QuerySet[TimeDispute]:
    return _disputes().filter(project=project).order_by("-raised_at", "-id")


def time_entry_for_lab_member(*, user: User, pk: int) -> TimeEntry | None:
    """A current time entry on a project of one of ``user``'s labs."""
    return (
        TimeEntry.objects.filter(pk=pk, is_current=True, project__lab__memberships__user=user)
        .select_related("project__lab", "contributor__user", "engagement")
        .distinct()
        .first()
    )
