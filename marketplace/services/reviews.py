"""The review of logged work: approval, rejection, and automatic approval when nobody reviewed it in time."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind, User
from accounts.notifications import notify_after_commit, ops_reviewers
from audit.services import audit_record
from config.errors import ApplicationError, NotPermitted
from contributors.models import Contributor
from payouts.weeks import pay_weeks_changed

from ..models import (
    APPROVED_STATUSES,
    CITED_PASSAGE_MAX,
    Engagement,
    InstructionVersion,
    Project,
    ReviewAlert,
    ReviewStatus,
    TaskSubmission,
    TimeEntry,
)
from ..payable import AUTO_APPROVED_SQL, PENDING_REVIEW_SQL, TASK_TABLE, TIME_ENTRY_TABLE
from ..permissions import LAB_REVIEWERS, has_lab_role
from ..running import dated_while_stopped_sql
from .checks import check_approval_within_budget
from .late_work import LATE_REQUEST_RECOMPUTE_REASON
from .staffing import _warn_if_budget_running_low

__all__ = ["work_approve", "work_auto_approve_sweep", "work_reject"]


def _lock(item: TimeEntry | TaskSubmission) -> TimeEntry | TaskSubmission:
    model = type(item)
    locked = model.objects.select_for_update().select_related("project__lab", "contributor__user").get(pk=item.pk)
    if isinstance(locked, TimeEntry) and not locked.is_current:
        raise ApplicationError("A newer version of this entry exists; review that one.", code="illegal_transition")
    return locked


def _require_lab_reviewer(actor: User, item) -> None:
    if not has_lab_role(actor, lab=item.project.lab, roles=LAB_REVIEWERS):
        raise NotPermitted("Only the lab's owners, managers and reviewers review work.")
    if item.contributor.user_id == actor.pk:
        raise NotPermitted("Nobody reviews their own work.")


def _kind(item) -> str:
    return "time_entry" if isinstance(item, TimeEntry) else "task"


def _recompute_reason(item, reason: str) -> str:
    """Why an approval changes a locked week's pay: an adjustment request says it is late work."""
    return LATE_REQUEST_RECOMPUTE_REASON if getattr(item, "late_request", False) else reason


def work_approve(*, actor: User, item: TimeEntry | TaskSubmission) -> TimeEntry | TaskSubmission:
    with transaction.atomic():
        item = _lock(item)
        _require_lab_reviewer(actor, item)
        if item.status not in (ReviewStatus.SUBMITTED, ReviewStatus.HELD):
            raise ApplicationError(
                f"This work is already {item.get_status_display().lower()}.", code="illegal_transition"
            )
        check_approval_within_budget(item)
        before = item.status
        # The pay week is held before the approval is stamped: see payouts.payrun.
        pay_weeks_changed(
            contributor_days=[(item.contributor_id, item.work_date)],
            reason=_recompute_reason(item, "approved after the week was locked"),
        )
        item.status = ReviewStatus.APPROVED
        item.reviewed_by = actor
        item.reviewed_at = timezone.now()
        item.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        audit_record(
            actor=actor,
            action=f"marketplace.{_kind(item)}.approved",
            target=item,
            before={"status": before},
            after={"status": item.status},
        )
        _warn_if_budget_running_low(item.project)
    return item


def _check_citation(item, cites: InstructionVersion | None, cited_passage: str) -> None:
    """A cited version must be one of the project's; a quoted passage needs the version it is from."""
    fields = {}
    if cites is not None and cites.project_id != item.project_id:
        fields["cites"] = ["Cite a version of this project's instructions."]
    if len(cited_passage) > CITED_PASSAGE_MAX:
        fields["cited_passage"] = [f"At most {CITED_PASSAGE_MAX} characters."]
    elif cited_passage and cites is None:
        fields["cited_passage"] = ["Say which version of the instructions the passage is from."]
    if fields:
        raise ApplicationError("The cited instructions are not right.", code="invalid", fields=fields)


def work_reject(
    *,
    actor: User,
    item: TimeEntry | TaskSubmission,
    reason: str,
    cites: InstructionVersion | None = None,
    cited_passage: str = "",
) -> TimeEntry | TaskSubmission:
    """Reject with a reason the expert can read and appeal. The minutes still count as worked.

    The rejection may cite the version of the instructions the work was judged against
    (and quote a passage of it); the expert's view of the rejection links to that version.
    """
    reason = (reason or "").strip()
    cited_passage = (cited_passage or "").strip()
    if not reason:
        raise ApplicationError(
            "A rejection needs a reason the expert can read.",
            code="reason_required",
            fields={"reason": ["This field is required."]},
        )
    with transaction.atomic():
        item = _lock(item)
        _require_lab_reviewer(actor, item)
        if item.status not in (ReviewStatus.SUBMITTED, ReviewStatus.HELD):
            raise ApplicationError(
                f"This work is already {item.get_status_display().lower()}.", code="illegal_transition"
            )
        _check_citation(item, cites, cited_passage)
        before = item.status
        item.status = ReviewStatus.REJECTED
        item.reviewed_by = actor
        item.reviewed_at = timezone.now()
        item.rejection_reason = reason
        item.rejection_cites = cites
        item.rejection_cited_passage = cited_passage
        item.save(
            update_fields=[
                "status",
                "reviewed_by",
                "reviewed_at",
                "rejection_reason",
                "rejection_cites",
                "rejection_cited_passage",
            ]
        )
        audit_record(
            actor=actor,
            action=f"marketplace.{_kind(item)}.rejected",
            target=item,
            before={"status": before},
            after={
                "status": item.status,
                "minutes_still_counted_as_worked": item.minutes,
                "cites_instructions_version": cites.number if cites is not None else None,
            },
            reason=reason,
        )
        appeal_until = item.reviewed_at + timedelta(days=item.project.appeal_window_days)
        notify_after_commit(
            kind=NoticeKind.REVIEWS,
            link=reverse(
                "expert-tasks" if isinstance(item, TaskSubmission) else "expert-time-history", args=[item.engagement_id]
            ),
            recipients=[item.contributor.user],
            subject=f"Work rejected on “{item.project.title}”",
            body=f"The reviewer's reason:\n\n{reason}\n\n"
            + (f"It cites the instructions, version {cites.number}.\n\n" if cites is not None else "")
            + f"You can appeal until {appeal_until:%d %B %Y}; "
            "a different reviewer decides. Your time still counts as hours worked for the minimum-wage floor.",
        )
        _alert_on_unusual_rejections(item=item, reviewer=actor)
    return item


def _alert_on_unusual_rejections(*, item, reviewer: User) -> None:
    since = timezone.now() - timedelta(days=settings.REVIEW_ALERT_DAYS)
    reviewed_states = (*APPROVED_STATUSES, ReviewStatus.REJECTED, ReviewStatus.APPEALED)

    def tally(**scope) -> tuple[int, int]:
        totals = {"reviewed": 0, "rejected": 0}
        for model in (TimeEntry, TaskSubmission):
            rows = model.objects.filter(reviewed_at__gte=since, status__in=reviewed_states, **scope)
            if model is TimeEntry:
                rows = rows.filter(is_current=True)
            counted = rows.aggregate(
                reviewed=Count("id"),
                rejected=Count("id", filter=Q(status__in=(ReviewStatus.REJECTED, ReviewStatus.APPEALED))),
            )
            totals["reviewed"] += counted["reviewed"]
            totals["rejected"] += counted["rejected"]
        return totals["reviewed"], totals["rejected"]

    for scope, filters, who in (
        ("reviewer", {"reviewed_by": reviewer, "project": item.project}, reviewer),
        ("project", {"project": item.project}, None),
    ):
        reviewed, rejected = tally(**filters)
        unusual = reviewed >= settings.REVIEW_ALERT_MIN_REVIEWS and rejected / reviewed > settings.REVIEW_ALERT_SHARE
        recent = ReviewAlert.objects.filter(scope=scope, project=item.project, reviewer=who, raised_at__gte=since)
        if unusual and not recent.exists():
            alert = ReviewAlert.objects.create(
                scope=scope, project=item.project, reviewer=who, reviewed=reviewed, rejected=rejected
            )
            audit_record(
                actor=None,
                action="marketplace.review.alert_raised",
                target=alert,
                after={
                    "scope": scope,
                    "reviewed": reviewed,
                    "rejected": rejected,
                    "reviewer": who.email if who else "",
                },
            )
            notify_after_commit(
                kind=NoticeKind.OPERATIONS,
                link=reverse("ops-dashboard"),
                recipients=ops_reviewers(),
                subject=f"Unusual rejection rate on “{item.project.title}”",
                body=f"{rejected} of {reviewed} reviews in {settings.REVIEW_ALERT_DAYS} days were rejections"
                + (f" by {who.email}." if who else " across the project."),
            )


# A closed or paused project, or a suspended or deactivated expert, stops an engagement at
# a moment; work done before it was earned, so it is still approved automatically when
# nobody reviews it in time, exactly as if nothing had stopped (a lab cannot avoid paying
# for work by closing the project and not reviewing). Work dated on a day wholly after the
# end or inside a pause cannot be logged any more; any that was logged before that rule
# existed is not approved unseen: it waits for a person, who approves or rejects it.
_DATED_WHILE_STOPPED = dated_while_stopped_sql(work="w", engagement="e", tz="c.timezone")


def work_auto_approve_sweep(*, now: datetime | None = None) -> int:
    """Approve whatever waited longer than its project's review window, and tell each expert which.

    Work done before its engagement was paused or ended is approved like any other; work
    dated wholly after is left to a person. Set-based: one UPDATE per kind of work; safe
    to run any number of times.
    """
    now = now or timezone.now()
    approved: dict[int, list[str]] = {}
    total = 0
    with transaction.atomic():
        for table, label, current, late in (
            (TIME_ENTRY_TABLE, "Time entry", "AND w.is_current", "w.late_request"),
            (TASK_TABLE, "Task", "", "false"),
        ):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    SELECT w.id, w.contributor_id, w.work_date, {late} FROM {table} w
                    JOIN {Project._meta.db_table} p ON p.id = w.project_id
                    JOIN {Engagement._meta.db_table} e ON e.id = w.engagement_id
                    JOIN {Contributor._meta.db_table} c ON c.id = w.contributor_id
                    WHERE w.status IN ({PENDING_REVIEW_SQL}) {current}
                      AND COALESCE(w.appealed_at, w.submitted_at) < %(now)s - make_interval(days => p.review_window_days)
                      AND NOT {_DATED_WHILE_STOPPED}
                    FOR UPDATE OF w
                    """,
                    {"now": now},
                )
                due = cursor.fetchall()
                # The pay weeks are held before the approvals are stamped: see payouts.payrun.
                for is_late, reason in (
                    (False, "approved automatically after the week was locked"),
                    (
                        True,
                        "late work filed as an adjustment request, approved automatically after the week was locked",
                    ),
                ):
                    days = [(contributor_id, day) for _, contributor_id, day, late_row in due if late_row == is_late]
                    if days:
                        pay_weeks_changed(contributor_days=days, reason=reason)
                cursor.execute(
                    f"""
                    UPDATE {table} w SET status = {AUTO_APPROVED_SQL}, auto_approved_at = %(stamp)s
                    WHERE w.id = ANY(%(ids)s)
                    RETURNING w.id, w.project_id, w.contributor_id, w.work_date, w.minutes
                    """,
                    {"stamp": max(now, timezone.now()), "ids": [item_id for item_id, *_ in due]},
                )
                rows = cursor.fetchall()
            total += len(rows)
            by_project: dict[int, list[int]] = {}
            for item_id, project_id, contributor_id, work_date, minutes in rows:
                by_project.setdefault(project_id, []).append(item_id)
                approved.setdefault(contributor_id, []).append(
                    f"{label} #{item_id}: {work_date:%d %b %Y}, {minutes} min"
                )
            for project_id, ids in by_project.items():
                project = Project.objects.select_related("lab").get(pk=project_id)
                _warn_if_budget_running_low(project)
                audit_record(
                    actor=None,
                    action="marketplace.work.auto_approved",
                    target=project,
                    after={"kind": label, "ids": ids},
                    reason="not reviewed within the project's review window",
                )
        if approved:
            for contributor in Contributor.objects.filter(pk__in=approved).select_related("user"):
                notify_after_commit(
                    kind=NoticeKind.REVIEWS,
                    link=reverse("expert-projects"),
                    recipients=[contributor.user],
                    subject="Work approved automatically",
                    body="These were not reviewed in time, so they are approved:\n\n"
                    + "\n".join(approved[contributor.pk]),
                )
    return total
