from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from accounts.models import User
from contributors.models import Contributor
from marketplace.payable import effective_hourly_minor
from payouts import money
from payouts.models import FxRate
from payouts.reference.lookups import ReferenceDataMissing, fx_rate_on

from .models import (
    DisputeStatus,
    Engagement,
    EngagementStatus,
    FloorWarning,
    FundingStatus,
    Lab,
    LabInvitation,
    LabInvitationStatus,
    LabMembership,
    Project,
    ProjectFunding,
    ProjectRateChange,
    ProjectStatus,
    StaffingRequest,
    TaskSubmission,
    TimeDispute,
    TimeEntry,
)
from .payable import APPROVED_SQL, HOURLY_PAY_MODEL_SQL, PENDING_REVIEW_SQL, project_hourly_in
from .permissions import LAB_EDITORS as LAB_EDITORS


def labs_of(*, user: User) -> QuerySet[Lab]:
    return Lab.objects.filter(memberships__user=user).order_by("name")


def lab_role_of(*, user: User, lab: Lab) -> str | None:
    return LabMembership.objects.filter(lab=lab, user=user).values_list("role", flat=True).first()


def lab_members(*, lab: Lab) -> QuerySet[LabMembership]:
    return lab.memberships.select_related("user").order_by("joined_at")


def lab_invitations_pending(*, lab: Lab) -> QuerySet[LabInvitation]:
    """The lab's invitations not yet accepted or revoked, expired ones included (they can be sent again)."""
    return lab.member_invitations.filter(status=LabInvitationStatus.PENDING).order_by("-sent_at", "-pk")


def token_digest(token: str) -> str:
    """How an invitation's token is stored and looked up: its SHA-256, never the token."""
    return hashlib.sha256((token or "").encode()).hexdigest()


def lab_invitation_by_token(*, token: str) -> LabInvitation | None:
    return LabInvitation.objects.select_related("lab").filter(token_hash=token_digest(token)).first()


def projects_visible_to(*, user: User) -> QuerySet[Project]:
    """A lab member's own labs' projects; nobody else's."""
    return (
        Project.objects.filter(lab__memberships__user=user)
        .select_related("lab")
        .prefetch_related("domains__parent")
        .order_by("-created_at")
    )


def countries_allowed_for_member(*, user: User) -> list[str]:
    """Every country a project of the member's labs allows, sorted."""
    lists = Project.objects.filter(lab__memberships__user=user).values_list("allowed_countries", flat=True)
    return sorted({country for allowed in lists for country in allowed})


def project_for_member(*, user: User, pk: int) -> Project | None:
    return projects_visible_to(user=user).filter(pk=pk).first()


def project_for_expert(*, contributor: Contributor, pk: int) -> Project | None:
    """A project an expert may see: open to applications, or one they were asked to or work on."""
    return (
        Project.objects.filter(pk=pk)
        .filter(
            Q(status=ProjectStatus.OPEN)
            | Q(staffing_requests__contributor=contributor)
            | Q(engagements__contributor=contributor)
        )
        .select_related("lab")
        .prefetch_related("domains__parent")
        .distinct()
        .first()
    )


# ``project_rate_on`` for the project ``p`` as SQL over many projects at once: a lateral row
# ``locked`` with the pay model, rate and estimate a new engagement starting on ``%(on)s``
# locks in (``payable.effective_hourly_sql('locked')`` reads it). Tested against the Python.
PROJECT_RATE_ON_SQL = """
    LEFT JOIN LATERAL (
        SELECT rc.old_rate_minor, rc.old_task_estimate_minutes FROM marketplace_projectratechange rc
        WHERE rc.project_id = p.id AND rc.effective_on > %(on)s ORDER BY rc.effective_on LIMIT 1
    ) pending ON true
    CROSS JOIN LATERAL (
        SELECT p.pay_model,
               COALESCE(pending.old_rate_minor, p.rate_minor) AS rate_minor,
               CASE WHEN pending.old_rate_minor IS NULL THEN p.task_estimate_minutes
                    ELSE pending.old_task_estimate_minutes END AS task_estimate_minutes
    ) locked"""


def project_rate_on(*, project: Project, on: date) -> tuple[int, int | None]:
    """The (rate, task estimate) a new engagement starting on ``on`` locks in (also ``PROJECT_RATE_ON_SQL``)."""
    pending = project.rate_changes.filter(effective_on__gt=on).order_by("effective_on").first()
    if pending is not None:
        return pending.old_rate_minor, pending.old_task_estimate_minutes
    return project.rate_minor, project.task_estimate_minutes


@dataclass(frozen=True)
class BudgetBurn:
    currency: str
    funded_minor: int
    committed_minor: int
    spent_minor: int
    remaining_minor: int

    @property
    def used_share(self) -> float:
        if not self.funded_minor:
            return 0.0
        return (self.committed_minor + self.spent_minor) / self.funded_minor


# What a time entry ``t`` on engagement ``e`` is worth at the engagement's locked rate,
# in minor units, before rounding.
TIME_ENTRY_VALUE_SQL = f"""
CASE WHEN e.pay_model = {HOURLY_PAY_MODEL_SQL} THEN e.rate_minor::numeric * t.minutes / 60
     ELSE e.rate_minor::numeric * t.minutes / e.task_estimate_minutes END
"""

# The projects' work is read first, on its own (MATERIALIZED), then joined to the
# projects' engagements: left to itself the planner misjudges how many rows one project
# has and probes the work once per engagement, three to ten times slower
# (docs/benchmarks.md). Work carries its engagement's project, so both sides filter on it.
WORK_VALUE_SQL = f"""
WITH entries AS MATERIALIZED (
    SELECT project_id, engagement_id, status, minutes FROM marketplace_timeentry
    WHERE project_id = ANY(%(projects)s::bigint[]) AND is_current
), tasks AS MATERIALIZED (
    SELECT project_id, engagement_id, status FROM marketplace_tasksubmission
    WHERE project_id = ANY(%(projects)s::bigint[])
), work AS (
    SELECT t.project_id, t.status, {TIME_ENTRY_VALUE_SQL} AS value
    FROM entries t JOIN marketplace_engagement e ON e.id = t.engagement_id AND e.project_id = ANY(%(projects)s::bigint[])
    UNION ALL
    SELECT s.project_id, s.status, e.rate_minor::numeric AS value
    FROM tasks s JOIN marketplace_engagement e ON e.id = s.engagement_id AND e.project_id = ANY(%(projects)s::bigint[])
)
SELECT project_id,
       round(COALESCE(sum(value) FILTER (WHERE status IN ({APPROVED_SQL})), 0)),
       round(COALESCE(sum(value) FILTER (WHERE status IN ({PENDING_REVIEW_SQL})), 0))
FROM work
GROUP BY project_id
"""


def work_values_minor(*, project_ids) -> dict[int, tuple[int, int]]:
    """(approved, awaiting review) value of each project's work at the engagements' locked rates, in one query."""
    from django.db import connection

    values = dict.fromkeys(project_ids, (0, 0))
    with connection.cursor() as cursor:
        cursor.execute(WORK_VALUE_SQL, {"projects": list(values)})
        for project_id, approved, pending in cursor.fetchall():
            values[project_id] = (int(approved), int(pending))
    return values


def work_item_value_minor(*, item: TimeEntry | TaskSubmission) -> Decimal:
    """What one item of work is worth at its engagement's locked rate, before rounding:
    a task its price, a time entry its minutes at the rate (the same value as above)."""
    from django.db import connection

    if isinstance(item, TaskSubmission):
        return Decimal(Engagement.objects.values_list("rate_minor", flat=True).get(pk=item.engagement_id))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {TIME_ENTRY_VALUE_SQL} FROM {TimeEntry._meta.db_table} t "
            f"JOIN {Engagement._meta.db_table} e ON e.id = t.engagement_id WHERE t.id = %s",
            [item.pk],
        )
        return cursor.fetchone()[0]


def work_value_minor(*, project: Project) -> tuple[int, int]:
    """(approved, awaiting review) value of a project's work at the engagements' locked rates."""
    return work_values_minor(project_ids=[project.pk])[project.pk]


def work_exposure_minor(*, project: Project) -> int:
    """What the project owes or may owe: approved work plus work waiting for review."""
    approved, pending = work_value_minor(project=project)
    return approved + pending


def budget_burn(*, project: Project) -> BudgetBurn:
    """Funded, committed to active engagements, spent on approved work, and what is left.

    Committed is what active engagements set aside when they began, less what they have
    spent since; remaining is funded minus spent minus that outstanding commitment.
    """
    committed = (
        Engagement.objects.filter(project=project, status=EngagementStatus.ACTIVE).aggregate(
            total=Sum("committed_minor")
        )["total"]
        or 0
    )
    spent, _ = work_value_minor(project=project)
    outstanding = max(committed - spent, 0)
    funded = project.funded_minor
    return BudgetBurn(project.currency, funded, outstanding, spent, funded - spent - outstanding)


SPENT_BY_WEEK_SQL = f"""
WITH work AS (
    SELECT t.work_date AS day, {TIME_ENTRY_VALUE_SQL} AS value
    FROM marketplace_timeentry t JOIN marketplace_engagement e ON e.id = t.engagement_id
    WHERE t.project_id = %(project)s AND t.is_current AND t.status IN ({APPROVED_SQL})
    UNION ALL
    SELECT s.work_date, e.rate_minor::numeric
    FROM marketplace_tasksubmission s JOIN marketplace_engagement e ON e.id = s.engagement_id
    WHERE s.project_id = %(project)s AND s.status IN ({APPROVED_SQL})
)
SELECT date_trunc('week', day)::date, sum(value) FROM work GROUP BY 1 ORDER BY 1
"""


def spent_by_week(*, project: Project) -> list[tuple[date, Decimal]]:
    """Approved work by the week it was done (weeks starting Monday), unrounded, for the burn chart.

    The same values as ``budget_burn``'s spent, so the chart's last point is the spent figure.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(SPENT_BY_WEEK_SQL, {"project": project.pk})
        return [(week, Decimal(value)) for week, value in cursor.fetchall()]


def staffing_requests_for_project(*, project: Project) -> QuerySet[StaffingRequest]:
    return project.staffing_requests.select_related("contributor", "sent_by").order_by("-sent_at")


def staffing_requests_for_expert(*, contributor: Contributor) -> QuerySet[StaffingRequest]:
    return contributor.staffing_requests.select_related("project__lab").order_by("-sent_at")


def engagements_of_project(*, project: Project) -> QuerySet[Engagement]:
    return project.engagements.select_related("contributor").order_by("-started_at")


def engagements_of_expert(*, contributor: Contributor) -> QuerySet[Engagement]:
    return contributor.engagements.select_related("project__lab").order_by("-started_at")


def fundings_of(*, project: Project) -> QuerySet[ProjectFunding]:
    return project.fundings.order_by("-created_at")


def fundings_held_for_operations() -> QuerySet[ProjectFunding]:
    """Payments that did not match their project when they settled, oldest first: each waits for operations."""
    return (
        ProjectFunding.objects.filter(status=FundingStatus.FLAGGED)
        .select_related("project__lab")
        .order_by("settled_at", "pk")
    )


def open_projects() -> QuerySet[Project]:
    return Project.objects.filter(status=ProjectStatus.OPEN).select_related("lab").order_by("starts_on")


# --- reads for the lab and expert pages ------------------------------------------------


def lab_for_member(*, user: User, pk: int) -> Lab | None:
    return labs_of(user=user).filter(pk=pk).first()


def projects_of_lab(*, user: User, lab: Lab) -> QuerySet[Project]:
    return projects_visible_to(user=user).filter(lab=lab)


def staffing_request_of_project(*, project: Project, pk: int) -> StaffingRequest | None:
    return staffing_requests_for_project(project=project).filter(pk=pk).first()


def staffing_request_for_expert(*, contributor: Contributor, pk: int) -> StaffingRequest | None:
    return staffing_requests_for_expert(contributor=contributor).filter(pk=pk).first()


def contributor_by_id(*, pk: int) -> Contributor | None:
    return Contributor.objects.filter(pk=pk).first()


def rate_changes_of(*, project: Project) -> QuerySet[ProjectRateChange]:
    return project.rate_changes.order_by("-changed_at")


def project_currencies() -> list[str]:
    """Currencies a project can be priced in: those the pay floors can be converted into."""
    currencies = {"USD"}
    for base, quote in FxRate.in_force.values_list("base", "quote").distinct():
        currencies.update((base, quote))
    return sorted(currencies)


def currencies_of_projects() -> list[str]:
    """Every currency a project is priced in, whatever its state."""
    return sorted(Project.objects.values_list("currency", flat=True).distinct().order_by())


@dataclass(frozen=True)
class FundingQuote:
    currency: str
    budget_minor: int
    fee_minor: int
    amount_minor: int


def funding_quote(*, project: Project) -> FundingQuote:
    """What funding would charge now: the budget plus the lab's fee, as the service computes it."""
    fee = money.multiply(project.budget_cap_minor, project.lab.platform_fee_markup)
    return FundingQuote(project.currency, project.budget_cap_minor, fee, project.budget_cap_minor + fee)


@dataclass(frozen=True)
class BudgetForecast:
    weekly_commitment_minor: int
    active_engagements: int
    # None when nobody is engaged: nothing draws the budget down.
    weeks_left: Decimal | None
    weeks_to_end: int


def budget_forecast(*, project: Project, on: date) -> BudgetForecast:
    """How long the unspent budget lasts at what the active engagements cost each week."""
    weekly = 0
    active = 0
    for engagement in Engagement.objects.filter(project=project, status=EngagementStatus.ACTIVE):
        hourly = effective_hourly_minor(
            pay_model=engagement.pay_model,
            rate_minor=engagement.rate_minor,
            task_estimate_minutes=engagement.task_estimate_minutes,
        )
        weekly += money.multiply(hourly, project.weekly_hours)
        active += 1
    burn = budget_burn(project=project)
    unspent = burn.funded_minor - burn.spent_minor
    weeks_left = None
    if weekly > 0:
        weeks_left = (Decimal(max(unspent, 0)) / Decimal(weekly)).quantize(Decimal("0.1"), rounding=ROUND_FLOOR)
    days_to_end = (project.ends_on - max(project.starts_on, on)).days + 1
    weeks_to_end = max(0, math.ceil(days_to_end / 7))
    return BudgetForecast(weekly, active, weeks_left, weeks_to_end)


REVIEWER_SCORES_SQL = f"""
WITH decisions AS (
    SELECT s.reviewed_by_id AS reviewer, s.rejection_reason <> '' AS rejected,
           s.appeal_decided_at IS NOT NULL AND s.status IN ({APPROVED_SQL}) AS overturned,
           g.label AS gold, s.answer->>'label' AS label
    FROM marketplace_tasksubmission s
    LEFT JOIN marketplace_goldanswer g ON g.project_id = s.project_id AND g.task_reference = s.task_reference
    WHERE s.project_id = %(project)s AND s.reviewed_by_id IS NOT NULL
    UNION ALL
    SELECT t.reviewed_by_id, t.rejection_reason <> '',
           t.appeal_decided_at IS NOT NULL AND t.status IN ({APPROVED_SQL}), NULL, NULL
    FROM marketplace_timeentry t
    WHERE t.project_id = %(project)s AND t.reviewed_by_id IS NOT NULL
)
SELECT u.email, count(*) AS reviewed, count(*) FILTER (WHERE rejected) AS rejected,
       count(*) FILTER (WHERE overturned) AS overturned,
       count(*) FILTER (WHERE gold IS NOT NULL) AS gold_reviewed,
       count(*) FILTER (WHERE gold IS NOT NULL AND (label = gold) = NOT rejected) AS gold_consistent
FROM decisions d JOIN accounts_user u ON u.id = d.reviewer
GROUP BY u.email ORDER BY u.email
"""


def reviewer_scores(*, project: Project) -> list[dict]:
    """Each reviewer against the gold answers, and how often their rejections were overturned."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(REVIEWER_SCORES_SQL, {"project": project.pk})
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
    for row in rows:
        row["gold_accuracy"] = row["gold_consistent"] / row["gold_reviewed"] if row["gold_reviewed"] else None
        row["overturned_share"] = row["overturned"] / row["rejected"] if row["rejected"] else None
    return rows


# --- reads for the work and quality pages ----------------------------------------------

from .models import (  # noqa: E402  (kept with the reads that use them)
    PENDING_REVIEW,
    GoldAnswer,
    QualityScore,
    ReviewStatus,
)


def engagement_of_expert(*, contributor: Contributor, pk: int) -> Engagement | None:
    """One of the expert's own engagements; anyone else's is as if it did not exist."""
    return engagements_of_expert(contributor=contributor).filter(pk=pk).first()


def time_entries_between(*, engagement: Engagement, starts_on: date, ends_on: date) -> QuerySet[TimeEntry]:
    """The current version of each entry on the engagement whose day falls in the range."""
    return (
        TimeEntry.objects.filter(engagement=engagement, is_current=True, work_date__range=(starts_on, ends_on))
        .select_related("reviewed_by", "appeal_decided_by")
        # Operations' upheld dispute closes the entry for good: the page offers no appeal
        # (``appeal_until``), as the appeal service refuses one.
        .annotate(
            dispute_upheld=Exists(TimeDispute.objects.filter(time_entry=OuterRef("pk"), status=DisputeStatus.UPHELD))
        )
        .order_by("work_date", "started_at", "id")
    )


def time_entry_ledger(*, engagement: Engagement) -> QuerySet[TimeEntry]:
    """Every version of every entry on the engagement, superseded ones included."""
    return TimeEntry.objects.filter(engagement=engagement).select_related("created_by").order_by("-work_date", "id")


def time_entry_of_expert(*, user: User, pk: int) -> TimeEntry | None:
    return TimeEntry.objects.filter(pk=pk, contributor__user=user).select_related("engagement__project").first()


def late_evidence_visible_to(*, user: User, pk: int) -> TimeEntry | None:
    """An adjustment request with evidence that ``user`` may read: its expert's, or one on a
    project of a lab where ``user`` reviews work."""
    from .permissions import LAB_REVIEWERS

    return (
        TimeEntry.objects.filter(pk=pk, late_request=True)
        .exclude(late_evidence="")
        .filter(
            Q(contributor__user=user)
            | Q(project__lab__memberships__user=user, project__lab__memberships__role__in=LAB_REVIEWERS)
        )
        .distinct()
        .first()
    )


def tasks_of_engagement(*, engagement: Engagement) -> QuerySet[TaskSubmission]:
    return TaskSubmission.objects.filter(engagement=engagement).order_by("-submitted_at", "-id")


def task_of_expert(*, user: User, pk: int) -> TaskSubmission | None:
    return TaskSubmission.objects.filter(pk=pk, contributor__user=user).select_related("engagement__project").first()


REVIEW_QUEUE_MAX = 500


def review_queue(
    *, project: Project, contributor_id: int | None = None, waiting_since: datetime | None = None
) -> tuple[list[TimeEntry], list[TaskSubmission]]:
    """Work waiting for the lab on a project, oldest first (by when it was submitted, or
    appealed); tasks the judge routed to a person lead. ``contributor_id`` keeps one
    expert's work; ``waiting_since`` keeps what has waited since that moment or longer.
    At most ``REVIEW_QUEUE_MAX`` of each kind, the oldest."""
    waiting = Coalesce("appealed_at", "submitted_at")
    entries = TimeEntry.objects.filter(project=project, is_current=True, status__in=PENDING_REVIEW)
    tasks = TaskSubmission.objects.filter(project=project, status__in=PENDING_REVIEW)
    if contributor_id is not None:
        entries, tasks = entries.filter(contributor_id=contributor_id), tasks.filter(contributor_id=contributor_id)
    if waiting_since is not None:
        entries = entries.alias(waiting=waiting).filter(waiting__lte=waiting_since)
        tasks = tasks.alias(waiting=waiting).filter(waiting__lte=waiting_since)
    entries = entries.select_related("contributor", "reviewed_by", "previous").order_by(waiting, "id")
    tasks = tasks.select_related("contributor", "reviewed_by").order_by("-needs_expert_review", waiting, "id")
    return list(entries[:REVIEW_QUEUE_MAX]), list(tasks[:REVIEW_QUEUE_MAX])


def review_queue_experts(*, project: Project) -> list[tuple[int, str]]:
    """The experts with work waiting for the lab on a project, by name: (profile id, name)."""
    ids = set(
        TimeEntry.objects.filter(project=project, is_current=True, status__in=PENDING_REVIEW).values_list(
            "contributor_id", flat=True
        )
    ) | set(
        TaskSubmission.objects.filter(project=project, status__in=PENDING_REVIEW).values_list(
            "contributor_id", flat=True
        )
    )
    return list(Contributor.objects.filter(pk__in=ids).order_by("display_name", "pk").values_list("pk", "display_name"))


def time_entry_of_project(*, project: Project, pk: int) -> TimeEntry | None:
    return TimeEntry.objects.filter(project=project, pk=pk).first()


def task_of_project(*, project: Project, pk: int) -> TaskSubmission | None:
    return TaskSubmission.objects.filter(project=project, pk=pk).first()


def review_counts(*, project: Project) -> dict[str, int]:
    """How much work on a project waits for a first review, and how many appeals wait for a decision."""
    counts = {"waiting": 0, "appealed": 0}
    for rows in (
        TimeEntry.objects.filter(project=project, is_current=True, status__in=PENDING_REVIEW),
        TaskSubmission.objects.filter(project=project, status__in=PENDING_REVIEW),
    ):
        for status in rows.values_list("status", flat=True):
            counts["appealed" if status == ReviewStatus.APPEALED else "waiting"] += 1
    return counts


def gold_answers_of(*, project: Project) -> QuerySet[GoldAnswer]:
    return project.gold_answers.select_related("created_by").order_by("-created_at", "-id")


def quality_scores_of_project(*, project: Project) -> QuerySet[QualityScore]:
    return QualityScore.objects.filter(project=project).select_related("contributor").order_by("-score", "id")


def quality_scores_of_expert(*, contributor: Contributor) -> QuerySet[QualityScore]:
    return (
        QualityScore.objects.filter(contributor=contributor)
        .select_related("project__lab")
        .order_by("-computed_at", "id")
    )


def floor_warnings_of(*, project: Project, after: date) -> list[FloorWarning]:
    """The project's warnings of minimum wages still to come (and still on record), soonest
    first, while its rate is still below them: a raised rate clears its warnings."""
    warnings = FloorWarning.objects.filter(
        project=project, effective_from__gt=after, minimum_wage__retired_at__isnull=True
    ).order_by("effective_from", "place")
    shown = []
    for warning in warnings:
        try:
            rate = fx_rate_on(base=project.currency, quote=warning.local_currency, on=warning.effective_from)
        except ReferenceDataMissing:
            shown.append(warning)
            continue
        if project_hourly_in(project, currency=warning.local_currency, rate=rate) < warning.floor_local_minor:
            shown.append(warning)
    return shown
