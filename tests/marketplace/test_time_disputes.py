"""A lab disputes that time was worked at all: the floor on it waits for operations' decision."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection

from accounts.models import Role
from audit.models import AuditEvent
from config.errors import ApplicationError, NotPermitted
from marketplace.models import DisputeStatus, ReviewStatus, TimeDispute
from marketplace.services import (
    time_dispute_decide,
    time_dispute_open,
    time_dispute_respond,
    time_entry_log,
    time_entry_revise,
    work_appeal,
    work_approve,
    work_auto_approve_sweep,
    work_reject,
)
from payouts.models import PayRecompute, PayStatement
from payouts.payruns.services import pay_run_approve
from payouts.weeks import week_of

from tests.helpers.factories import make_ops
from tests.helpers.pages import log_in
from tests.helpers.payruns import draft_pay_run, last_week, running_engagement

pytestmark = pytest.mark.django_db


def _minutes(engagement, day, minutes):
    return time_entry_log(
        actor=engagement.contributor.user, engagement=engagement, activity="task_work", work_date=day, minutes=minutes
    )


def _week_a():
    return week_of(last_week()[0] - timedelta(days=7))[0]


@pytest.fixture
def disputed(stripe_server, django_capture_on_commit_callbacks, settings):
    """The week before last: an expert in California logs an hour its lab says was never worked.

    The week is still open for logging and disputes: the platform gives its longest grace,
    and the week's pay run travels to its close (``tests/helpers/payruns.py``).
    """
    settings.PAY_WEEK_GRACE_HOURS = settings.PAY_WEEK_GRACE_HOURS_MAX
    engagement, owner = running_engagement(rate_minor=2000)
    entry = _minutes(engagement, _week_a(), 60)
    with django_capture_on_commit_callbacks(execute=True):
        dispute = time_dispute_open(actor=owner, entry=entry, reason="Our logs show no activity that morning.")
    return engagement, owner, entry, dispute


def test_disputing_tells_the_expert_and_blocks_review_appeal_revision_and_the_sweep(disputed):
    engagement, owner, entry, dispute = disputed
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.DISPUTED
    [to_expert] = [m for m in mail.outbox if engagement.contributor.user.email in m.to]
    assert "Our logs show no activity" in to_expert.body and "withheld, not lost" in to_expert.body
    assert AuditEvent.objects.filter(action="marketplace.time_dispute.opened", target_id=str(dispute.pk)).exists()
    for call in (
        lambda: work_approve(actor=owner, item=entry),
        lambda: work_reject(actor=owner, item=entry, reason="x"),
        lambda: time_entry_revise(actor=engagement.contributor.user, entry=entry, reason="fix", minutes=30),
        lambda: time_dispute_open(actor=owner, entry=entry, reason="again"),
    ):
        with pytest.raises(ApplicationError) as refused:
            call()
        assert refused.value.code == "illegal_transition"
    work_auto_approve_sweep(now=entry.submitted_at + timedelta(days=60))
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.DISPUTED


def test_only_the_labs_reviewers_dispute_only_the_expert_answers_only_operations_decide(disputed):
    engagement, owner, _entry, dispute = disputed
    finance, _ = make_ops(Role.OPS_FINANCE)
    with pytest.raises(NotPermitted):
        time_dispute_respond(actor=owner, dispute=dispute, response="It was worked.")
    with pytest.raises(NotPermitted):
        time_dispute_decide(actor=owner, dispute=dispute, outcome="uphold", reason="Lab says so.")
    with pytest.raises(NotPermitted):
        time_dispute_decide(actor=finance, dispute=dispute, outcome="uphold", reason="No.")
    other = _minutes(engagement, _week_a() + timedelta(days=1), 30)
    with pytest.raises(NotPermitted):
        time_dispute_open(actor=engagement.contributor.user, entry=other, reason="mine")
    reviewer, _ = make_ops()
    with pytest.raises(ApplicationError) as no_reason:
        time_dispute_decide(actor=reviewer, dispute=dispute, outcome="uphold", reason="  ")
    assert "reason" in no_reason.value.fields
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.OPEN


def test_the_floor_is_withheld_while_open_and_paid_by_the_next_run_when_overturned(
    disputed, django_capture_on_commit_callbacks, capsys
):
    engagement, owner, entry, dispute = disputed
    expert = engagement.contributor.user
    with django_capture_on_commit_callbacks(execute=True):
        time_dispute_respond(actor=expert, dispute=dispute, response="I was reviewing cases offline; notes attached.")
    week = _week_a()
    # Another hour that week, rejected on quality: its floor is owed all the same.
    work_reject(actor=owner, item=_minutes(engagement, week + timedelta(days=1), 60), reason="Sloppy")
    run, _ = draft_pay_run(django_capture_on_commit_callbacks, period_start=week)
    statement = PayStatement.objects.get(run=run)
    # 120 minutes logged; the disputed 60 are withheld: the floor is owed on the rejected hour only.
    assert (statement.minutes_worked, statement.floor_withheld_minutes) == (120, 60)
    assert (statement.floor_due_minor, statement.topup_minor) == (1690, 1690)
    approver, _ = make_ops(Role.OPS_FINANCE)
    pay_run_approve(actor=approver, run=run)
    page = log_in(expert).get(f"/expert/pay/{statement.pk}/").content.decode()
    assert "Disputed by the lab" in page

    reviewer, _ = make_ops()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        time_dispute_decide(
            actor=reviewer, dispute=dispute, outcome="overturn", reason="The expert's notes show the work."
        )
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.SUBMITTED  # back to where its review stood
    assert PayRecompute.objects.filter(contributor=engagement.contributor, applied_in_run__isnull=True).exists()
    assert any("overturned" in m.subject and expert.email in m.to for m in mail.outbox)

    later, _ = draft_pay_run(django_capture_on_commit_callbacks, period_start=last_week()[0])
    adjustment = PayStatement.objects.get(run=later).lines.get(kind="adjustment", adjusts_kind="topup")
    assert adjustment.amount_minor == 1690  # the withheld hour's floor at California's $16.90
    assert "minimum wage on time counted since it was paid" in adjustment.description
    pay_run_approve(actor=make_ops(Role.OPS_FINANCE)[0], run=later)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("ledger_reconcile")
    assert "ledger reconciles" in capsys.readouterr().out


def test_an_upheld_dispute_owes_no_floor_and_cannot_be_appealed_or_revised_away(
    disputed, django_capture_on_commit_callbacks
):
    engagement, _owner, entry, dispute = disputed
    reviewer, _ = make_ops()
    time_dispute_decide(actor=reviewer, dispute=dispute, outcome="uphold", reason="Login records show no session.")
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.REJECTED and "not worked" in entry.rejection_reason
    with pytest.raises(ApplicationError):
        work_appeal(actor=engagement.contributor.user, item=entry, reason="It was worked.")
    with pytest.raises(ApplicationError):
        time_entry_revise(actor=engagement.contributor.user, entry=entry, reason="again", minutes=45)
    with pytest.raises(ApplicationError) as twice:
        time_dispute_decide(actor=reviewer, dispute=dispute, outcome="overturn", reason="Changed my mind.")
    assert twice.value.code == "illegal_transition"
    run, _ = draft_pay_run(django_capture_on_commit_callbacks, period_start=_week_a())
    statement = PayStatement.objects.get(run=run)
    assert (statement.minutes_worked, statement.floor_withheld_minutes, statement.floor_due_minor) == (0, 0, 0)


def test_time_in_a_locked_week_cannot_be_disputed(stripe_server, django_capture_on_commit_callbacks):
    engagement, owner = running_engagement(rate_minor=2000)
    entry = _minutes(engagement, last_week()[0], 60)
    draft_pay_run(django_capture_on_commit_callbacks)
    with pytest.raises(ApplicationError) as refused:
        time_dispute_open(actor=owner, entry=entry, reason="Never worked.")
    assert refused.value.code == "week_locked"
    assert not TimeDispute.objects.exists()
