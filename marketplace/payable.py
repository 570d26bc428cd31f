"""Payable work: which logged items count as approved as of a moment, and as which kind of pay.

The one definition of the rule, in both languages it is needed in: Django ``Q`` objects
for selectors and SQL expressions for the pay run's set-based queries, both built from the
same constants, which come from the models' choices.

- Approved as of a moment T: approved by a person or automatically, and approved no later
  than T (the appeal's decision when there was one, else the review; work without a
  recorded approval time counts as approved before any T).
- Floor standing as of a moment T (what the minimum-wage floor owes on a time entry's
  minutes): ``counted`` for every minute worked, whatever its review (rejected on quality
  included: low-quality work is still paid, and a lab cannot refuse payment for work done);
  ``withheld`` while the lab disputes that it was worked at all and operations had not
  decided by T; ``excluded`` once operations upheld such a dispute by T. An overturned
  dispute counts again from its decision. Task submissions are always counted.
- Pay kind: a task submission is ``task``; a time entry of training, onboarding or an
  assessment is ``training``; any other time entry is ``hourly``.
"""

from __future__ import annotations

from django.db.models import Q

from config.sql import sql_list, sql_literal
from payouts import money
from payouts.models import PayLineKind

from .models import (
    APPROVED_STATUSES,
    PENDING_REVIEW,
    ActivityKind,
    DisputeStatus,
    PayModel,
    ReviewStatus,
    TaskSubmission,
    TimeDispute,
    TimeEntry,
)

# Time paid as training rather than as hourly work.
TRAINING_ACTIVITIES = (ActivityKind.TRAINING, ActivityKind.ONBOARDING, ActivityKind.ASSESSMENT)

TIME_ENTRY_TABLE = TimeEntry._meta.db_table
TASK_TABLE = TaskSubmission._meta.db_table
DISPUTE_TABLE = TimeDispute._meta.db_table

# Review statuses as SQL, for queries over the work tables.
APPROVED_SQL = sql_list(APPROVED_STATUSES)
PENDING_REVIEW_SQL = sql_list(PENDING_REVIEW)
AUTO_APPROVED_SQL = sql_literal(ReviewStatus.AUTO_APPROVED)
HOURLY_PAY_MODEL_SQL = sql_literal(PayModel.HOURLY)
PER_TASK_PAY_MODEL_SQL = sql_literal(PayModel.PER_TASK)


# The kinds of pay work is paid as: the statement's lines of work (the other line kinds,
# bonus, top-up and adjustment, are added to work by the pay run).
PayKind = PayLineKind
PAY_KINDS = (PayLineKind.HOURLY, PayLineKind.TRAINING, PayLineKind.TASK)


# --- pay kinds --------------------------------------------------------------------------


def pay_kind_of(item: TimeEntry | TaskSubmission) -> PayKind:
    if isinstance(item, TaskSubmission):
        return PayKind.TASK
    return PayKind.TRAINING if item.activity in TRAINING_ACTIVITIES else PayKind.HOURLY


def pay_kind_model(kind: str) -> type[TimeEntry] | type[TaskSubmission]:
    """The table a kind of pay is logged in."""
    return TaskSubmission if kind == PayKind.TASK else TimeEntry


def pay_kind_q(kind: str) -> Q:
    """The items of ``pay_kind_model(kind)`` paid as ``kind``."""
    if kind == PayKind.TASK:
        return Q()
    training = Q(activity__in=TRAINING_ACTIVITIES)
    return training if kind == PayKind.TRAINING else ~training


def time_entry_pay_kind_sql(alias: str) -> str:
    """SQL for the pay kind of the time entry ``alias``."""
    return (
        f"CASE WHEN {alias}.activity IN ({sql_list(TRAINING_ACTIVITIES)}) "
        f"THEN {sql_literal(PayKind.TRAINING)} ELSE {sql_literal(PayKind.HOURLY)} END"
    )


TASK_PAY_KIND_SQL = sql_literal(PayKind.TASK)


# --- approved as of a moment --------------------------------------------------------------


def approved_at_sql(alias: str) -> str:
    """SQL for the moment the item ``alias`` was approved, whichever way (NULL if it is not)."""
    return (
        f"CASE WHEN {alias}.status = {sql_literal(ReviewStatus.AUTO_APPROVED)} THEN {alias}.auto_approved_at\n"
        f"                      WHEN {alias}.status = {sql_literal(ReviewStatus.APPROVED)} "
        f"THEN COALESCE({alias}.appeal_decided_at, {alias}.reviewed_at) END"
    )


def approved_as_of_sql(alias: str, moment: str) -> str:
    """SQL that is true for the item ``alias`` approved at or before ``moment`` (an SQL
    expression, such as a query parameter)."""
    return (
        f"({alias}.status IN ({APPROVED_SQL})\n"
        f"          AND COALESCE({approved_at_sql(alias)}, '-infinity') <= {moment})"
    )


def approved_as_of_q(moment) -> Q:
    """``approved_as_of_sql`` as a ``Q`` on either work model."""
    return Q(status=ReviewStatus.AUTO_APPROVED) & (
        Q(auto_approved_at__lte=moment) | Q(auto_approved_at__isnull=True)
    ) | Q(status=ReviewStatus.APPROVED) & (
        Q(appeal_decided_at__lte=moment)
        | Q(appeal_decided_at__isnull=True, reviewed_at__lte=moment)
        | Q(appeal_decided_at__isnull=True, reviewed_at__isnull=True)
    )


# --- the floor's standing of disputed time ------------------------------------------------

FLOOR_COUNTED, FLOOR_WITHHELD, FLOOR_EXCLUDED = "counted", "withheld", "excluded"


def floor_standing_sql(dispute: str, moment: str) -> str:
    """SQL for the floor standing (``counted``, ``withheld``, ``excluded``) as of ``moment``
    of a time entry LEFT JOINed to its dispute ``dispute`` (NULL columns: no dispute)."""
    return (
        f"CASE WHEN {dispute}.id IS NULL OR {dispute}.raised_at > {moment} THEN '{FLOOR_COUNTED}'\n"
        f"     WHEN {dispute}.decided_at IS NULL OR {dispute}.decided_at > {moment} THEN '{FLOOR_WITHHELD}'\n"
        f"     WHEN {dispute}.status = {sql_literal(DisputeStatus.UPHELD)} THEN '{FLOOR_EXCLUDED}'\n"
        f"     ELSE '{FLOOR_COUNTED}' END"
    )


def floor_standing(dispute: TimeDispute | None, moment) -> str:
    """``floor_standing_sql`` in Python."""
    if dispute is None or dispute.raised_at > moment:
        return FLOOR_COUNTED
    if dispute.decided_at is None or dispute.decided_at > moment:
        return FLOOR_WITHHELD
    return FLOOR_EXCLUDED if dispute.status == DisputeStatus.UPHELD else FLOOR_COUNTED


# --- what a rate is worth an hour ----------------------------------------------------------


def effective_hourly_minor(*, pay_model: str, rate_minor: int, task_estimate_minutes: int | None) -> int:
    """What a rate pays per hour: the hourly rate, or a task's price over its time estimate."""
    if pay_model == PayModel.PER_TASK:
        return money.hourly_rate_minor(rate_minor, task_estimate_minutes or 0)
    return rate_minor


def effective_hourly_sql(alias: str) -> str:
    """``effective_hourly_minor`` of the project (or engagement) ``alias``, as SQL: the same
    rounding, half up (PostgreSQL's ``round`` of a positive numeric rounds half away from zero)."""
    return (
        f"(CASE WHEN {alias}.pay_model = {PER_TASK_PAY_MODEL_SQL} "
        f"THEN round({alias}.rate_minor::numeric * 60 / {alias}.task_estimate_minutes)::bigint "
        f"ELSE {alias}.rate_minor END)"
    )


def hourly_in(*, hourly_minor: int, from_currency: str, currency: str, rate) -> int:
    """An effective hourly pay in another currency at ``rate`` (units of ``currency`` per one
    of ``from_currency``), rounded down as the rate preview rounds it: against the lab."""
    return money.convert(
        hourly_minor, from_currency=from_currency, to_currency=currency, rate=rate, rounding="ROUND_FLOOR"
    )


def project_hourly_in(project, *, currency: str, rate) -> int:
    """A project's effective hourly pay in another currency at ``rate``."""
    hourly = effective_hourly_minor(
        pay_model=project.pay_model, rate_minor=project.rate_minor, task_estimate_minutes=project.task_estimate_minutes
    )
    return hourly_in(hourly_minor=hourly, from_currency=project.currency, currency=currency, rate=rate)
