"""Pay runs and statements as operations and experts read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet, Sum

from payouts.models import PayLineKind, PayPeriod, PayPeriodStatus, PayRun, PayRunStatus, PayStatement
from payouts.weeks import week_closes_at, week_of

# --- pay runs and statements, as pages show them -------------------------------------

# Experts see a statement once its run is approved: a draft can still be recomputed and
# change. The API's `me/statements` and the expert's pages both read through this.
EXPERT_VISIBLE_RUN_STATUSES = (PayRunStatus.APPROVED,)


def pay_runs() -> QuerySet[PayRun]:
    return PayRun.objects.select_related("period", "prepared_by", "approved_by").order_by("-started_at", "-id")


def weeks_not_yet_run(*, now: datetime, count: int = 3) -> list[tuple[date, datetime]]:
    """This week and the ``count - 1`` before it that no pay run has locked yet, oldest first,
    each with the moment it closes and may be run (``payouts.weeks.week_closes_at``)."""
    this_week = week_of(now.date())[0]
    starts = [this_week - timedelta(days=7 * k) for k in range(count)]
    locked = set(
        PayPeriod.objects.filter(starts_on__in=starts)
        .exclude(status=PayPeriodStatus.OPEN)
        .values_list("starts_on", flat=True)
    )
    return [(start, week_closes_at(start)) for start in sorted(starts) if start not in locked]


def pay_run_for_ops(*, pk: int) -> PayRun | None:
    return pay_runs().filter(pk=pk).first()


@dataclass(frozen=True)
class CurrencyTotals:
    currency: str
    statements: int
    minutes_worked: int
    pay_minor: int
    topup_minor: int
    adjustment_minor: int
    total_minor: int
    topped_up: int


def pay_run_totals(*, run_ids: list[int]) -> dict[int, list[CurrencyTotals]]:
    """Each run's statements added up per currency (a run's own totals mix currencies)."""
    rows = (
        PayStatement.objects.filter(run_id__in=run_ids)
        .values("run_id", "currency")
        # Named apart from the columns, so the filter below reads the column, not the sum.
        .annotate(
            n_statements=Count("id"),
            sum_minutes=Sum("minutes_worked"),
            sum_pay=Sum("pay_minor"),
            sum_topup=Sum("topup_minor"),
            sum_adjustment=Sum("adjustment_minor"),
            sum_total=Sum("total_minor"),
            n_topped_up=Count("id", filter=Q(topup_minor__gt=0)),
        )
        .order_by("run_id", "currency")
    )
    totals: dict[int, list[CurrencyTotals]] = {run_id: [] for run_id in run_ids}
    for row in rows:
        totals[row["run_id"]].append(
            CurrencyTotals(
                currency=row["currency"],
                statements=row["n_statements"],
                minutes_worked=row["sum_minutes"],
                pay_minor=row["sum_pay"],
                topup_minor=row["sum_topup"],
                adjustment_minor=row["sum_adjustment"],
                total_minor=row["sum_total"],
                topped_up=row["n_topped_up"],
            )
        )
    return totals


def pay_run_statements(*, run: PayRun, search: str = "") -> QuerySet[PayStatement]:
    """A run's statements by expert name; ``search`` matches the display or legal name."""
    statements = run.statements.select_related("contributor", "run__period")
    if search:
        statements = statements.filter(
            Q(contributor__display_name__icontains=search) | Q(contributor__legal_name__icontains=search)
        )
    return statements.order_by("contributor__display_name", "contributor_id", "currency")


def _statement_detail() -> QuerySet[PayStatement]:
    return PayStatement.objects.select_related(
        "run__period", "run__prepared_by", "run__approved_by", "contributor__user"
    ).prefetch_related("lines__adjusts_period")


def pay_statement_for_ops(*, pk: int) -> PayStatement | None:
    return _statement_detail().filter(pk=pk).first()


def pay_statements_of_expert(*, user) -> QuerySet[PayStatement]:
    """The expert's own statements of approved runs, newest week first."""
    return (
        PayStatement.objects.filter(contributor__user=user, run__status__in=EXPERT_VISIBLE_RUN_STATUSES)
        .select_related("run__period")
        .order_by("-run__period__starts_on", "currency")
    )


def pay_statement_of_expert(*, user, pk: int) -> PayStatement | None:
    """One of the expert's visible statements, or None (another expert's, or a draft's)."""
    return (
        _statement_detail().filter(pk=pk, contributor__user=user, run__status__in=EXPERT_VISIBLE_RUN_STATUSES).first()
    )


def pay_line_items(*, line) -> QuerySet:
    """The time entries or tasks a statement line paid for.

    A work line pays its engagement's approved items of that kind in its week, approved at
    or before its run read the work; an adjustment names the items approved late.
    """
    from marketplace.payable import approved_as_of_q, pay_kind_model, pay_kind_q
    from payouts.models import PayLineKind

    run = line.statement.run
    kind = line.adjusts_kind if line.kind == PayLineKind.ADJUSTMENT else line.kind
    model = pay_kind_model(kind)
    if line.kind == PayLineKind.ADJUSTMENT:
        return model.objects.filter(pk__in=line.source.get("late_item_ids", [])).order_by("work_date", "pk")
    if kind not in (PayLineKind.HOURLY, PayLineKind.TRAINING, PayLineKind.TASK):
        return model.objects.none()
    items = model.objects.filter(
        engagement_id=line.engagement_id, work_date__range=(run.period.starts_on, run.period.ends_on)
    )
    if kind != PayLineKind.TASK:
        items = items.filter(is_current=True).filter(pay_kind_q(kind))
    return items.filter(approved_as_of_q(run.work_read_at)).order_by("work_date", "pk")


@dataclass(frozen=True)
class UnpaidWork:
    """A piece of the week's work that no line of the statement pays, and where it stands now."""

    work_date: object
    minutes: int
    what: str
    project: str
    status: str
    rejection_reason: str
    # Approved, but only after the run read the week: a later statement pays it as a correction.
    approved_late: bool


# Lines that pay the week's own work (the rest add to it or correct other weeks).
WORK_LINE_KINDS = (PayLineKind.HOURLY, PayLineKind.TRAINING, PayLineKind.TASK)


def statement_unpaid_work(*, statement: PayStatement) -> list[UnpaidWork]:
    """The week's work counted in the statement's hours that none of its lines pays.

    The hours worked count every minute logged (the minimum wage is owed on all of them);
    the lines pay what was approved when the run read the week (``marketplace.payable``).
    The difference is this work: rejected, still waiting for review, or approved later.
    """
    from marketplace.models import APPROVED_STATUSES, TaskSubmission, TimeEntry
    from marketplace.payable import approved_as_of_q

    run = statement.run
    week = (run.period.starts_on, run.period.ends_on)
    mine = Q(contributor_id=statement.contributor_id, engagement__currency=statement.currency, work_date__range=week)
    paid = approved_as_of_q(run.work_read_at)
    entries = TimeEntry.objects.filter(mine, is_current=True).exclude(paid).select_related("project")
    tasks = TaskSubmission.objects.filter(mine).exclude(paid).select_related("project")
    rows = [
        UnpaidWork(
            work_date=entry.work_date,
            minutes=entry.minutes,
            what=entry.get_activity_display(),
            project=entry.project.title,
            status=entry.status,
            rejection_reason=entry.rejection_reason,
            approved_late=entry.status in APPROVED_STATUSES,
        )
        for entry in entries
    ] + [
        UnpaidWork(
            work_date=task.work_date,
            minutes=task.minutes,
            what=f"Task {task.task_reference}",
            project=task.project.title,
            status=task.status,
            rejection_reason=task.rejection_reason,
            approved_late=task.status in APPROVED_STATUSES,
        )
        for task in tasks
    ]
    return sorted(rows, key=lambda row: (row.work_date, row.what))
