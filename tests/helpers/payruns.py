"""A week of work to pay: a running engagement, last week's dates, and a pay run drafted for them."""

from datetime import date, timedelta

from django.utils import timezone

from accounts.models import Role
from marketplace.services import invitation_send, staffing_request_accept
from payouts.models import PayRunStatus
from payouts.payruns.services import pay_run_start
from payouts.weeks import week_closes_at, week_of

from tests.helpers.clock import travel_to
from tests.helpers.factories import make_lab, make_open_project, make_ops, make_vetted_expert


def last_week() -> tuple[date, date]:
    return week_of(week_of(timezone.now().date())[0] - timedelta(days=7))


def running_engagement(**project):
    """A project and an engaged expert, both started three weeks ago."""
    lab, owner = make_lab()
    expert_profile = project.pop("expert", {})
    p = make_open_project(
        lab, owner, min_tier="bulk", required_credential_kinds=[], allowed_countries=["US", "GB"], **project
    )
    type(p).objects.filter(pk=p.pk).update(starts_on=timezone.now().date() - timedelta(days=21))
    expert = make_vetted_expert(**expert_profile)
    engagement = staffing_request_accept(
        actor=expert.user, request=invitation_send(actor=owner, project=p, contributor=expert)
    )
    type(engagement).objects.filter(pk=engagement.pk).update(started_at=timezone.now() - timedelta(days=21))
    engagement.refresh_from_db()
    return engagement, owner


def after_close(period_start: date) -> None:
    """Travel to just after the pay week of ``period_start`` closes, unless it has closed already.

    The clock stays there for the rest of the test (``tests/conftest.py`` brings it back).
    """
    closes_at = week_closes_at(week_of(period_start)[0])
    if timezone.now() < closes_at:
        travel_to(closes_at + timedelta(minutes=1))


def draft_pay_run(django_capture_on_commit_callbacks, period_start=None):
    """Last week's pay run (or the one starting ``period_start``), computed and waiting for approval.

    Run as operations run it: once the week has closed, travelling there first if need be.
    """
    preparer, _ = make_ops(Role.OPS_FINANCE)
    period_start = period_start or last_week()[0]
    after_close(period_start)
    with django_capture_on_commit_callbacks(execute=True):
        run = pay_run_start(actor=preparer, period_start=period_start)
    run.refresh_from_db()
    assert run.status == PayRunStatus.DRAFT, run.error
    return run, preparer
