"""Where inbox items come from: one function per source, listed in ``SOURCES``.

Each source answers for one person with a bounded number of set-based queries (one per
table it reads; never one per item) and returns ``InboxItem``s. Experts get one item per
thing that waits for them; labs one per project and kind of work, across all their labs'
projects; operations one per queue, with its size and the age of its oldest item. A new
kind of thing to attend to (a conversation's unread messages, a request for a person to
review an automated decision) is one more function appended to ``SOURCES``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.permissions import is_expert, is_lab_member, is_ops, is_ops_finance, is_ops_reviewer
from identity.models import AccountReviewCase
from identity.models import CaseStatus as AccountCaseStatus
from marketplace.models import (
    DisputeStatus,
    FloorWarning,
    Project,
    ProjectStatus,
    RequestKind,
    RequestStatus,
    ReviewStatus,
    StaffingRequest,
    TaskSubmission,
    TimeDispute,
    TimeEntry,
)
from payouts.models import (
    Payout,
    PayoutBatch,
    PayoutBatchStatus,
    PayoutHold,
    PayoutHoldReason,
    PayoutStatus,
    PayRun,
    PayRunStatus,
    PayStatement,
    ReferenceChange,
    ReferenceChangeStatus,
)
from payouts.money import format_money
from screening.models import OPEN_REVIEW_STATUSES, ScreeningReview
from vetting.models import (
    OPEN_CASE_STATUSES,
    CaseStatus,
    Credential,
    CredentialStatus,
    DeactivationCase,
    TierDecision,
    TierDecisionStatus,
)

# At most this many items of one source on an expert's page (the page the link opens lists all).
ITEMS_PER_SOURCE = 20
# Rejected work stays in an expert's inbox this long, while an appeal still makes sense.
REJECTED_WORK_DAYS = 14
# A new pay statement stays in an expert's inbox this long.
PAY_STATEMENT_DAYS = 7


class Audience:
    EXPERT = "expert"
    LAB = "lab"
    OPS = "ops"


@dataclass(frozen=True)
class InboxItem:
    """One thing that waits for the person: a title, where to act, since when, how many."""

    source: str
    title: str
    link: str
    since: datetime | None
    count: int = 1
    detail: str = ""


@dataclass(frozen=True)
class Source:
    name: str
    label: str
    audience: str
    items: Callable[[User], list[InboxItem]]
    # Who of the audience reads it (operations' queues follow their roles).
    allowed: Callable[[User], bool] = lambda user: True


# Experts


def expert_invitations(user: User) -> list[InboxItem]:
    rows = (
        StaffingRequest.objects.filter(
            contributor__user=user, kind=RequestKind.INVITATION, status=RequestStatus.PENDING
        )
        .values("pk", "sent_at", "project__title", "project__lab__name")
        .order_by("sent_at", "pk")[:ITEMS_PER_SOURCE]
    )
    link = reverse("expert-invitations")
    return [
        InboxItem(
            "invitations",
            f"Invitation to {row['project__title']}",
            link,
            row["sent_at"],
            detail=f"From {row['project__lab__name']}",
        )
        for row in rows
    ]


def _work_rows(model, **filters):
    return list(
        model.objects.filter(**filters)
        .values(
            "pk",
            "engagement_id",
            "project__title",
            "work_date",
            "reviewed_at",
            "appealed_at",
            "submitted_at",
            "rejection_reason",
        )
        .order_by("-submitted_at", "-pk")[:ITEMS_PER_SOURCE]
    )


def expert_rejected_work(user: User) -> list[InboxItem]:
    since = timezone.now() - timedelta(days=REJECTED_WORK_DAYS)
    filters = {"contributor__user": user, "status": ReviewStatus.REJECTED, "reviewed_at__gte": since}
    items = []
    for model, what, page in ((TimeEntry, "Time", "expert-time-history"), (TaskSubmission, "Task", "expert-tasks")):
        for row in _work_rows(model, **filters):
            items.append(
                InboxItem(
                    "reviews",
                    f"{what} of {row['work_date']:%d %b} rejected on {row['project__title']}",
                    reverse(page, args=[row["engagement_id"]]),
                    row["reviewed_at"],
                    detail=row["rejection_reason"][:300],
                )
            )
    return sorted(items, key=lambda item: item.since, reverse=True)[:ITEMS_PER_SOURCE]


def expert_appeals(user: User) -> list[InboxItem]:
    filters = {"contributor__user": user, "status": ReviewStatus.APPEALED}
    items = []
    for model, what, page in ((TimeEntry, "Time", "expert-time-history"), (TaskSubmission, "Task", "expert-tasks")):
        for row in _work_rows(model, **filters):
            items.append(
                InboxItem(
                    "appeals",
                    f"Your appeal of {what.lower()} on {row['work_date']:%d %b} ({row['project__title']}) waits for the lab",
                    reverse(page, args=[row["engagement_id"]]),
                    row["appealed_at"],
                )
            )
    return sorted(items, key=lambda item: item.since or timezone.now())[:ITEMS_PER_SOURCE]


def expert_disputes(user: User) -> list[InboxItem]:
    rows = (
        TimeDispute.objects.filter(contributor__user=user, status=DisputeStatus.OPEN, response="")
        .values("pk", "raised_at", "work_date", "project__title")
        .order_by("raised_at")[:ITEMS_PER_SOURCE]
    )
    link = reverse("expert-disputes")
    return [
        InboxItem(
            "disputes",
            f"{row['project__title']} disputes your time of {row['work_date']:%d %b}: you may answer",
            link,
            row["raised_at"],
        )
        for row in rows
    ]


def expert_credential_questions(user: User) -> list[InboxItem]:
    rows = (
        Credential.objects.filter(contributor__user=user, status=CredentialStatus.NEEDS_INFO)
        .values("pk", "title", "updated_at")
        .order_by("updated_at")[:ITEMS_PER_SOURCE]
    )
    return [
        InboxItem(
            "credentials",
            f"Operations asked about your credential {row['title']}",
            reverse("expert-credential", args=[row["pk"]]),
            row["updated_at"],
        )
        for row in rows
    ]


def expert_cases(user: User) -> list[InboxItem]:
    """Account questions operations are deciding, and deactivation cases the expert may answer or appeal."""
    rows = (
        AccountReviewCase.objects.filter(
            Q(contributor__user=user) | Q(other_contributor__user=user), status=AccountCaseStatus.OPEN
        )
        .values("pk", "opened_at")
        .order_by("opened_at")[:ITEMS_PER_SOURCE]
    )
    items = [
        InboxItem(
            "cases",
            "Operations are reviewing a question about your account",
            reverse("expert-account-case", args=[row["pk"]]),
            row["opened_at"],
        )
        for row in rows
    ]
    now = timezone.now()
    cases = (
        DeactivationCase.objects.filter(
            Q(status=CaseStatus.NOTICE) | Q(status=CaseStatus.DEACTIVATED, appeal_due_at__gt=now),
            contributor__user=user,
        )
        .values("pk", "status", "notice_given_at", "decided_at")
        .order_by("opened_at")[:ITEMS_PER_SOURCE]
    )
    for row in cases:
        notice = row["status"] == CaseStatus.NOTICE
        items.append(
            InboxItem(
                "cases",
                "A notice about your account: you may respond before the deadline"
                if notice
                else "Your account was deactivated: you may appeal",
                reverse("expert-case", args=[row["pk"]]),
                row["notice_given_at"] if notice else row["decided_at"],
            )
        )
    return items


def expert_pay(user: User) -> list[InboxItem]:
    """Pay statements of runs approved in the last PAY_STATEMENT_DAYS days."""
    since = timezone.now() - timedelta(days=PAY_STATEMENT_DAYS)
    rows = (
        PayStatement.objects.filter(
            contributor__user=user, run__status=PayRunStatus.APPROVED, run__approved_at__gte=since
        )
        .values("pk", "currency", "total_minor", "run__approved_at", "run__period__starts_on")
        .order_by("-run__approved_at", "currency")[:ITEMS_PER_SOURCE]
    )
    return [
        InboxItem(
            "pay",
            f"Your pay statement for the week of {row['run__period__starts_on']:%d %b %Y} is ready",
            reverse("expert-pay-statement", args=[row["pk"]]),
            row["run__approved_at"],
            detail=format_money(row["total_minor"], row["currency"]),
        )
        for row in rows
    ]


def expert_payout_holds(user: User) -> list[InboxItem]:
    holds = PayoutHold.objects.filter(contributor__user=user, released_at__isnull=True).values(
        "pk", "placed_at", "reason"
    )[:1]
    link = reverse("expert-payouts")
    items = [
        InboxItem("payout_holds", "Your payouts are on hold", link, row["placed_at"], detail=row["reason"])
        for row in holds
    ]
    held = (
        Payout.objects.filter(contributor__user=user, status=PayoutStatus.HELD)
        .values("hold_reason")
        .annotate(count=Count("pk"), since=Min("created_at"))
        .order_by("hold_reason")
    )
    items += [
        InboxItem(
            "payout_holds",
            f"Payout held: {PayoutHoldReason(row['hold_reason']).label if row['hold_reason'] else 'held'}",
            link,
            row["since"],
            count=row["count"],
        )
        for row in held
    ]
    return items


# Labs: across every project of every lab the person belongs to, one item per project.


def _per_project(rows, source: str, title: str, page: str) -> list[InboxItem]:
    return [
        InboxItem(
            source,
            f"{row['project__title']}: {title}",
            reverse(page, args=[row["project_id"]]),
            row["since"],
            count=row["count"],
            detail=row["project__lab__name"],
        )
        for row in rows
    ]


def _lab_work(user: User, statuses) -> list[dict]:
    """Counts and oldest submission per project, time entries and task submissions together."""
    merged: dict[int, dict] = {}
    for model in (TimeEntry, TaskSubmission):
        rows = (
            model.objects.filter(project__lab__memberships__user=user, status__in=statuses)
            .values("project_id", "project__title", "project__lab__name")
            .annotate(count=Count("pk"), since=Min("submitted_at"))
            .order_by()
        )
        for row in rows:
            seen = merged.get(row["project_id"])
            if seen is None:
                merged[row["project_id"]] = dict(row)
            else:
                seen["count"] += row["count"]
                seen["since"] = min(seen["since"], row["since"])
    return sorted(merged.values(), key=lambda row: row["since"])


def lab_work_to_review(user: User) -> list[InboxItem]:
    rows = _lab_work(user, [ReviewStatus.SUBMITTED, ReviewStatus.HELD])
    return _per_project(rows, "work_to_review", "work waiting for review", "lab-review")


def lab_appeals(user: User) -> list[InboxItem]:
    rows = _lab_work(user, [ReviewStatus.APPEALED])
    return _per_project(rows, "appeals", "appeals to decide", "lab-review")


def lab_applications(user: User) -> list[InboxItem]:
    rows = (
        StaffingRequest.objects.filter(
            project__lab__memberships__user=user, kind=RequestKind.APPLICATION, status=RequestStatus.PENDING
        )
        .values("project_id", "project__title", "project__lab__name")
        .annotate(count=Count("pk"), since=Min("sent_at"))
        .order_by("since")
    )
    return _per_project(rows, "applications", "applications to answer", "lab-project")


def lab_budget_warnings(user: User) -> list[InboxItem]:
    rows = (
        Project.objects.filter(lab__memberships__user=user, budget_warning_sent_at__isnull=False)
        .exclude(status=ProjectStatus.CLOSED)
        .values("pk", "title", "lab__name", "budget_warning_sent_at")
        .order_by("budget_warning_sent_at")
    )
    return [
        InboxItem(
            "budget",
            f"{row['title']}: the budget is running low",
            reverse("lab-project", args=[row["pk"]]),
            row["budget_warning_sent_at"],
            detail=row["lab__name"],
        )
        for row in rows
    ]


def lab_floor_warnings(user: User) -> list[InboxItem]:
    rows = (
        FloorWarning.objects.filter(project__lab__memberships__user=user, effective_from__gte=timezone.now().date())
        .exclude(project__status=ProjectStatus.CLOSED)
        .values("project_id", "project__title", "project__lab__name")
        .annotate(count=Count("pk"), since=Min("warned_at"))
        .order_by("since")
    )
    return _per_project(rows, "budget", "the rate falls below a minimum wage that is coming", "lab-project")


# Operations: one item per queue, with how many wait and since when the oldest has.


def _queue(source: str, title: str, link: str, queryset, oldest_field: str) -> list[InboxItem]:
    summary = queryset.aggregate(count=Count("pk"), since=Min(oldest_field))
    return [InboxItem(source, title, link, summary["since"], count=summary["count"])]


def ops_credentials(user: User) -> list[InboxItem]:
    queryset = Credential.objects.filter(status__in=[CredentialStatus.SUBMITTED, CredentialStatus.IN_REVIEW])
    return _queue("credentials", "Credentials to review", reverse("ops-credentials"), queryset, "submitted_at")


def ops_tier_decisions(user: User) -> list[InboxItem]:
    queryset = TierDecision.objects.filter(status=TierDecisionStatus.PENDING_APPROVAL)
    return _queue("tiers", "Tier decisions to approve", reverse("ops-tiers"), queryset, "proposed_at")


def ops_cases(user: User) -> list[InboxItem]:
    queryset = DeactivationCase.objects.filter(status__in=OPEN_CASE_STATUSES)
    return _queue("cases", "Deactivation cases open", reverse("ops-cases"), queryset, "opened_at")


def ops_account_cases(user: User) -> list[InboxItem]:
    queryset = AccountReviewCase.objects.filter(status=AccountCaseStatus.OPEN)
    return _queue("account_cases", "Account cases to decide", reverse("ops-account-cases"), queryset, "opened_at")


def ops_screening(user: User) -> list[InboxItem]:
    queryset = ScreeningReview.objects.filter(status__in=OPEN_REVIEW_STATUSES)
    return _queue("screening", "Sanctions screening reviews", reverse("ops-screening"), queryset, "opened_at")


def ops_disputes(user: User) -> list[InboxItem]:
    queryset = TimeDispute.objects.filter(status=DisputeStatus.OPEN)
    return _queue("disputes", "Time disputes to decide", reverse("ops-disputes"), queryset, "raised_at")


def ops_pay_runs(user: User) -> list[InboxItem]:
    queryset = PayRun.objects.filter(status=PayRunStatus.DRAFT)
    return _queue("pay_runs", "Pay runs to approve", reverse("ops-pay-runs"), queryset, "finished_at")


def ops_payout_batches(user: User) -> list[InboxItem]:
    queryset = PayoutBatch.objects.filter(status=PayoutBatchStatus.DRAFT)
    return _queue("payout_batches", "Payout batches to approve", reverse("ops-payout-batches"), queryset, "created_at")


def ops_reference_changes(user: User) -> list[InboxItem]:
    queryset = ReferenceChange.objects.filter(status=ReferenceChangeStatus.PENDING)
    return _queue("reference", "Reference data changes to approve", reverse("ops-reference"), queryset, "proposed_at")


def ops_fundings_held(user: User) -> list[InboxItem]:
    from marketplace.models import FundingStatus, ProjectFunding

    queryset = ProjectFunding.objects.filter(status=FundingStatus.FLAGGED)
    # Listed, for finance to decide, on the pay runs page.
    return _queue("fundings", "Lab payments held for operations", reverse("ops-pay-runs"), queryset, "settled_at")


# Everyone


def unread_conversations(user: User) -> list[InboxItem]:
    """Threads with something from someone else the person has not read (a message, a closing), newest first.

    Each thread is one item however many messages wait in it; past ``ITEMS_PER_SOURCE`` the
    rest are one item for the list of conversations, so the section counts every one.
    """
    from conversations.selectors import threads_for

    unread = threads_for(user=user).filter(unread=True)
    rows = list(unread[: ITEMS_PER_SOURCE + 1])
    items = [
        InboxItem(
            "messages",
            (
                f"New message: {thread.get_subject_kind_display()}, {thread.subject_label}"
                if thread.is_open
                else f"Conversation closed: {thread.subject_label}"
            ),
            reverse("conversation", args=[thread.pk]),
            thread.closed_at if not thread.is_open else thread.last_message_at,
        )
        for thread in rows[:ITEMS_PER_SOURCE]
    ]
    if len(rows) > ITEMS_PER_SOURCE:
        more = unread.count() - ITEMS_PER_SOURCE
        items.append(
            InboxItem(
                "messages",
                f"{more} more conversation{'s' if more != 1 else ''} with something new",
                reverse("conversations"),
                rows[ITEMS_PER_SOURCE].last_message_at,
                count=more,
            )
        )
    return items


# Reviews by a person of automated decisions (oversight)

# A decided review stays in its requester's inbox this long.
REVIEW_ANSWERED_DAYS = 14


def own_review_requests(user: User) -> list[InboxItem]:
    """The person's requests for a review: open ones with their due date, answered ones for a while."""
    from oversight.models import RequestStatus
    from oversight.selectors import review_requests_of

    answered_since = timezone.now() - timedelta(days=REVIEW_ANSWERED_DAYS)
    rows = review_requests_of(user=user).filter(Q(status=RequestStatus.OPEN) | Q(decided_at__gte=answered_since))[
        :ITEMS_PER_SOURCE
    ]
    return [
        InboxItem(
            "review_requests",
            (
                f"Your request for a person's review: {row.get_system_display()}"
                if row.status == RequestStatus.OPEN
                else f"Answered: your request for a review of {row.get_system_display()}"
            ),
            reverse("oversight-my-request", args=[row.pk]),
            row.opened_at if row.status == RequestStatus.OPEN else row.decided_at,
            detail=(
                (
                    f"Overdue since {timezone.localtime(row.due_at):%d %b %Y}"
                    if row.due_at < timezone.now()
                    else f"Answer due by {timezone.localtime(row.due_at):%d %b %Y}"
                )
                if row.status == RequestStatus.OPEN
                else row.get_status_display()
            ),
        )
        for row in rows
    ]


def ops_review_requests(user: User) -> list[InboxItem]:
    """The queue, and its overdue requests apart: people waiting past the promised answer."""
    from oversight.selectors import review_queue, review_queue_overdue

    items = _queue(
        "review_requests",
        "Requests for a person's review of an automated decision",
        reverse("oversight-ops-queue"),
        review_queue(),
        "opened_at",
    )
    overdue = review_queue_overdue().aggregate(count=Count("pk"), since=Min("due_at"))
    if overdue["count"]:
        items.append(
            InboxItem(
                "review_requests",
                "Overdue: reviews of automated decisions past their answer date",
                reverse("oversight-ops-queue") + "?overdue=1",
                overdue["since"],
                count=overdue["count"],
                detail=f"Overdue since {timezone.localtime(overdue['since']):%d %b %Y}",
            )
        )
    return items


def ops_erasure_requests(user: User) -> list[InboxItem]:
    from privacy.selectors import erasure_queue

    return _queue(
        "erasure_requests",
        "Requests to erase a person's data (answer within a month)",
        reverse("ops-erasure-requests"),
        erasure_queue(),
        "requested_at",
    )


def ops_lab_ratings(user: User) -> list[InboxItem]:
    from django.conf import settings

    from ratings.selectors import summaries_below_threshold

    return _queue(
        "lab_ratings",
        f"Labs experts rate below {settings.RATINGS_ALERT_BELOW}",
        reverse("ops-lab-ratings"),
        summaries_below_threshold(),
        "published_at",
    )


SOURCES: list[Source] = [
    Source("review_requests", "Reviews you asked for", Audience.EXPERT, own_review_requests),
    Source("review_requests", "Reviews you asked for", Audience.LAB, own_review_requests),
    Source("review_requests", "Reviews of automated decisions", Audience.OPS, ops_review_requests, is_ops_reviewer),
    Source("erasure_requests", "Erasure requests", Audience.OPS, ops_erasure_requests, is_ops_reviewer),
    Source("lab_ratings", "Labs rated low", Audience.OPS, ops_lab_ratings),
    Source("messages", "Messages", Audience.EXPERT, unread_conversations),
    Source("messages", "Messages", Audience.LAB, unread_conversations),
    Source("messages", "Messages", Audience.OPS, unread_conversations),
    Source("invitations", "Invitations", Audience.EXPERT, expert_invitations),
    Source("reviews", "Rejected work", Audience.EXPERT, expert_rejected_work),
    Source("appeals", "Your appeals", Audience.EXPERT, expert_appeals),
    Source("disputes", "Disputed time", Audience.EXPERT, expert_disputes),
    Source("pay", "Pay", Audience.EXPERT, expert_pay),
    Source("payout_holds", "Payout holds", Audience.EXPERT, expert_payout_holds),
    Source("credentials", "Credential questions", Audience.EXPERT, expert_credential_questions),
    Source("cases", "Account cases", Audience.EXPERT, expert_cases),
    Source("work_to_review", "Work waiting for review", Audience.LAB, lab_work_to_review),
    Source("appeals", "Appeals", Audience.LAB, lab_appeals),
    Source("applications", "Applications", Audience.LAB, lab_applications),
    Source("budget", "Budget warnings", Audience.LAB, lab_budget_warnings),
    Source("floor_warnings", "Minimum wages coming", Audience.LAB, lab_floor_warnings),
    Source("credentials", "Credentials", Audience.OPS, ops_credentials),
    Source("tiers", "Tier decisions", Audience.OPS, ops_tier_decisions, is_ops_reviewer),
    Source("cases", "Deactivation cases", Audience.OPS, ops_cases, is_ops_reviewer),
    Source("account_cases", "Account cases", Audience.OPS, ops_account_cases, is_ops_reviewer),
    Source("screening", "Sanctions screening", Audience.OPS, ops_screening),
    Source("disputes", "Time disputes", Audience.OPS, ops_disputes),
    Source("pay_runs", "Pay runs", Audience.OPS, ops_pay_runs, is_ops_finance),
    Source("payout_batches", "Payout batches", Audience.OPS, ops_payout_batches, is_ops_finance),
    Source("reference", "Reference data", Audience.OPS, ops_reference_changes),
    Source("fundings", "Held lab payments", Audience.OPS, ops_fundings_held, is_ops_finance),
]


def audience_of(user: User) -> str | None:
    if is_ops(user):
        return Audience.OPS
    if is_expert(user):
        return Audience.EXPERT
    if is_lab_member(user):
        return Audience.LAB
    return None
