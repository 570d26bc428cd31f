"""Labs warned ahead of a minimum wage their project's rate will fall below.

When a minimum wage that takes effect later is approved, and every day for those due
within ``FLOOR_WARNING_HORIZON_DAYS``, the projects still running whose effective hourly
pay (``marketplace.payable.effective_hourly_minor``), at the exchange rate on record for
that day, is below the floor of the row's place that day (the higher of the national and
the subdivision's, as ``payouts.floors.minimum_wage_on`` takes it) are warned: once per
project and row (``FloorWarning``), on the project's page and by mail to the lab's members
after commit, audited. It is a warning: nothing is refused or changed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from celery import shared_task
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind
from accounts.notifications import notify_after_commit
from audit.services import audit_record
from payouts import money
from payouts.floors import minimum_wage_on
from payouts.models import MinimumWage
from payouts.reference.lookups import ReferenceDataMissing, fx_rate_on

from ..models import FloorWarning, LabMembership, Project, ProjectStatus
from ..payable import project_hourly_in

__all__ = ["FLOOR_WARNING_HORIZON_DAYS", "floor_warnings_for_minimum_wage", "floor_warnings_sweep"]

# How far ahead the daily sweep looks for minimum wages to warn about.
FLOOR_WARNING_HORIZON_DAYS = 60

# Projects whose rate still matters: funded and not closed.
RUNNING_PROJECT_STATUSES = [ProjectStatus.FUNDED, ProjectStatus.OPEN, ProjectStatus.STAFFED, ProjectStatus.PAUSED]


def floor_warnings_for_minimum_wage(*, actor, minimum_wage_id: int) -> int:
    """Warn the labs of every running project below a future minimum wage; how many were warned.

    One query finds the projects allowed in the row's country and not yet warned about it;
    the row is locked, so two runs at once warn each project once.
    """
    today = timezone.now().date()
    with transaction.atomic():
        row = MinimumWage.in_force.select_for_update().filter(pk=minimum_wage_id, effective_from__gt=today).first()
        if row is None:
            return 0
        day = row.effective_from
        floor = minimum_wage_on(country=row.country, subdivision=row.subdivision, on=day)
        if floor is None:
            return 0
        projects = list(
            Project.objects.filter(status__in=RUNNING_PROJECT_STATUSES, allowed_countries__contains=[row.country])
            .exclude(floor_warnings__minimum_wage=row)
            .select_related("lab")
            .order_by("id")
        )
        # One exchange rate per project currency, looked up once.
        rates = {currency: _rate(currency, floor.currency, day) for currency in {p.currency for p in projects}}
        warnings = []
        for project in projects:
            rate = rates[project.currency]
            pay_local = None if rate is None else project_hourly_in(project, currency=floor.currency, rate=rate)
            if pay_local is not None and pay_local < floor.hourly_minor:
                warnings.append(
                    FloorWarning(
                        project=project,
                        minimum_wage=row,
                        place=row.subdivision or row.country,
                        effective_from=day,
                        local_currency=floor.currency,
                        floor_local_minor=floor.hourly_minor,
                        pay_local_minor=pay_local,
                    )
                )
        FloorWarning.objects.bulk_create(warnings)
        members = defaultdict(list)
        for membership in LabMembership.objects.filter(lab_id__in={w.project.lab_id for w in warnings}).select_related(
            "user"
        ):
            members[membership.lab_id].append(membership.user)
        for warning in warnings:
            project = warning.project
            floor_text = money.format_money(warning.floor_local_minor, warning.local_currency)
            pay_text = money.format_money(warning.pay_local_minor, warning.local_currency)
            audit_record(
                actor=actor,
                action="marketplace.project.floor_warned",
                target=project,
                after={
                    "minimum_wage": row.pk,
                    "place": warning.place,
                    "effective_from": day,
                    "floor_local_minor": warning.floor_local_minor,
                    "pay_local_minor": warning.pay_local_minor,
                    "currency": warning.local_currency,
                },
            )
            notify_after_commit(
                kind=NoticeKind.BUDGET,
                link=reverse("lab-project", args=[project.pk]),
                recipients=members[project.lab_id],
                subject=f"{project.title}: its rate will be below the minimum wage in {warning.place}",
                body=f"From {day:%d %B %Y} the minimum wage in {warning.place} is {floor_text} an hour. "
                f"The rate of {project.title} works out at {pay_text} an hour there, below it.\n"
                "Change the project's rate before then, or experts there will be topped up to the floor.",
            )
    return len(warnings)


def _rate(base: str, quote: str, on) -> Decimal | None:
    try:
        return fx_rate_on(base=base, quote=quote, on=on)
    except ReferenceDataMissing:
        return None


def floor_warnings_sweep(*, actor=None) -> int:
    """Every future minimum wage due within the horizon, checked again (new projects, new rates)."""
    today = timezone.now().date()
    rows = MinimumWage.in_force.filter(
        effective_from__gt=today, effective_from__lte=today + timedelta(days=FLOOR_WARNING_HORIZON_DAYS)
    ).values_list("pk", flat=True)
    return sum(floor_warnings_for_minimum_wage(actor=actor, minimum_wage_id=pk) for pk in rows)


# --- tasks (registered under marketplace.tasks for the worker and the queue routes) ---------


@shared_task(name="marketplace.tasks.floor_warnings_sweep_task")
def floor_warnings_sweep_task() -> int:
    return floor_warnings_sweep(actor=None)


@shared_task(name="marketplace.tasks.floor_warnings_for_minimum_wage_task")
def floor_warnings_for_minimum_wage_task(minimum_wage_id: int) -> int:
    return floor_warnings_for_minimum_wage(actor=None, minimum_wage_id=minimum_wage_id)
