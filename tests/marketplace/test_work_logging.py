"""Logging time and tasks, and reviewing them: every rule, the sweep, appeals, a race."""

import threading
import zoneinfo
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from config.errors import ApplicationError, NotPermitted
from marketplace.models import ReviewAlert, ReviewStatus, TaskSubmission, TimeEntry
from marketplace.services import (
    invitation_send,
    lab_member_add,
    staffing_request_accept,
    task_submit,
    time_entry_log,
    time_entry_revise,
    work_appeal,
    work_approve,
    work_auto_approve_sweep,
    work_decide_appeal,
    work_reject,
)
from payouts.models import PayPeriod, PayPeriodStatus
from payouts.weeks import week_of

from tests.helpers.clock import local_moment
from tests.helpers.factories import (
    UserFactory,
    make_lab,
    make_open_project,
    make_running_engagement,
    make_vetted_expert,
)

pytestmark = pytest.mark.django_db
LA = zoneinfo.ZoneInfo("America/Los_Angeles")


@pytest.fixture
def engaged(stripe_server):
    """An expert (in Los Angeles) engaged on an hourly project that started two weeks ago."""
    return make_running_engagement()


def _at(days_ago: int, hour: int, minute: int = 0) -> datetime:
    return local_moment(LA, days_ago=days_ago, hour=hour, minute=minute)


def _log(engagement, start, end, activity="task_work", **extra):
    return time_entry_log(
        actor=engagement.contributor.user,
        engagement=engagement,
        activity=activity,
        started_at=start,
        ended_at=end,
        **extra,
    )


def _refused(field: str, call) -> ApplicationError:
    before = (TimeEntry.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ApplicationError) as refused:
        call()
    assert field in refused.value.fields, refused.value.fields
    assert (TimeEntry.objects.count(), AuditEvent.objects.count()) == before
    return refused.value


@pytest.mark.moments
def test_a_week_of_mixed_work_is_logged_in_the_experts_own_days(engaged, settings):
    # Every day of the last eight takes time at each moment: the platform gives its longest grace.
    settings.PAY_WEEK_GRACE_HOURS = settings.PAY_WEEK_GRACE_HOURS_MAX
    engagement, _ = engaged
    kinds = ["task_work", "training", "onboarding", "assessment", "meeting", "review", "task_work"]
    for days_ago, kind in enumerate(kinds, start=1):
        _log(engagement, _at(days_ago, 9), _at(days_ago, 11, 30), activity=kind)
    # 23:00-01:00 Los Angeles time belongs to the day it started there, not to UTC's.
    late = _log(engagement, _at(8, 23), _at(7, 1))
    assert late.work_date == _at(8, 23).date()
    assert late.minutes == 120
    assert TimeEntry.objects.filter(is_current=True).count() == 8
    assert set(TimeEntry.objects.values_list("activity", flat=True)) == set(kinds)


def test_an_overlapping_entry_is_refused_with_the_clashing_entry_named(engaged):
    engagement, _ = engaged
    _log(engagement, _at(2, 9), _at(2, 12))
    error = _refused("started_at", lambda: _log(engagement, _at(2, 11), _at(2, 13)))
    assert "Overlaps your entry of" in error.fields["started_at"][0]
    assert "09:00-12:00" in error.fields["started_at"][0]
    # Touching is not overlapping.
    _log(engagement, _at(2, 12), _at(2, 13))


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("future", "ended_at"),
        ("end_before_start", "ended_at"),
        ("longer_than_a_day", "ended_at"),
        ("zero_duration", "minutes"),
        ("negative_duration", "minutes"),
        ("duration_over_a_day", "minutes"),
        ("future_day", "work_date"),
        ("before_engagement", "work_date"),
    ],
)
def test_impossible_time_is_a_field_error_and_writes_nothing(engaged, case, field):
    engagement, _ = engaged
    user = engagement.contributor.user
    today = timezone.now().astimezone(LA).date()
    calls = {
        "future": lambda: _log(engagement, timezone.now() + timedelta(hours=1), timezone.now() + timedelta(hours=2)),
        "end_before_start": lambda: _log(engagement, _at(1, 12), _at(1, 11)),
        "longer_than_a_day": lambda: _log(engagement, _at(3, 8), _at(2, 9)),
        "zero_duration": lambda: time_entry_log(
            actor=user, engagement=engagement, activity="meeting", work_date=today, minutes=0
        ),
        "negative_duration": lambda: time_entry_log(
            actor=user, engagement=engagement, activity="meeting", work_date=today, minutes=-30
        ),
        "duration_over_a_day": lambda: time_entry_log(
            actor=user, engagement=engagement, activity="meeting", work_date=today, minutes=1441
        ),
        "future_day": lambda: time_entry_log(
            actor=user, engagement=engagement, activity="meeting", work_date=today + timedelta(days=1), minutes=30
        ),
        "before_engagement": lambda: time_entry_log(
            actor=user, engagement=engagement, activity="meeting", work_date=today - timedelta(days=30), minutes=30
        ),
    }
    _refused(field, calls[case])


def test_more_than_24_hours_on_one_day_is_refused(engaged, settings):
    # With the platform's daily ceiling raised to a whole day, the day itself is the limit.
    settings.WORK_DAY_CEILING_HOURS = 24
    settings.WORK_WEEK_CEILING_HOURS = 168
    engagement, _ = engaged
    user = engagement.contributor.user
    day = timezone.now().astimezone(LA).date() - timedelta(days=1)
    time_entry_log(actor=user, engagement=engagement, activity="task_work", work_date=day, minutes=1400)
    error = _refused(
        "work_date",
        lambda: time_entry_log(actor=user, engagement=engagement, activity="meeting", work_date=day, minutes=60),
    )
    assert "1400 minutes are already logged" in error.fields["work_date"][0]


@pytest.mark.moments
def test_a_locked_pay_week_refuses_new_time(engaged):
    engagement, _ = engaged
    day = _at(1, 9).date()
    start, end = week_of(day)
    PayPeriod.objects.create(starts_on=start, ends_on=end, status=PayPeriodStatus.LOCKED)
    error = _refused("started_at", lambda: _log(engagement, _at(1, 9), _at(1, 10)))
    assert "locked" in error.fields["started_at"][0]


def test_the_labs_weekly_cap_is_enforced(engaged):
    engagement, _ = engaged
    type(engagement.project).objects.filter(pk=engagement.project_id).update(weekly_cap_hours=2)
    engagement.refresh_from_db()
    user = engagement.contributor.user
    day = timezone.now().astimezone(LA).date()
    time_entry_log(actor=user, engagement=engagement, activity="task_work", work_date=day, minutes=90)
    error = _refused(
        "minutes",
        lambda: time_entry_log(actor=user, engagement=engagement, activity="meeting", work_date=day, minutes=31),
    )
    assert "The cap is 2 hours a week" in error.fields["minutes"][0]


def test_work_on_an_exhausted_budget_is_refused_with_a_clear_message(engaged):
    engagement, owner = engaged
    type(engagement.project).objects.filter(pk=engagement.project_id).update(funded_minor=15_000)
    engagement.refresh_from_db()
    entry = _log(engagement, _at(1, 8), _at(1, 9, 40))  # $150 at $90/h: all that is funded
    work_approve(actor=owner, item=entry)
    with pytest.raises(ApplicationError) as refused:
        _log(engagement, _at(1, 11), _at(1, 12))
    assert refused.value.code == "budget_exhausted"
    assert "budget is used up" in refused.value.message


def test_nobody_logs_time_on_someone_elses_engagement(engaged):
    engagement, _ = engaged
    intruder = make_vetted_expert()
    with pytest.raises(NotPermitted):
        time_entry_log(
            actor=intruder.user, engagement=engagement, activity="meeting", work_date=_at(1, 9).date(), minutes=5
        )


def test_a_correction_is_a_new_version_with_a_reason_and_the_old_one_is_kept(engaged):
    engagement, owner = engaged
    entry = _log(engagement, _at(1, 9), _at(1, 10))
    work_approve(actor=owner, item=entry)
    with pytest.raises(ApplicationError):
        time_entry_revise(actor=engagement.contributor.user, entry=entry, reason="", ended_at=_at(1, 11))
    revised = time_entry_revise(
        actor=engagement.contributor.user, entry=entry, reason="Forgot the last hour", ended_at=_at(1, 11)
    )
    entry.refresh_from_db()
    assert (entry.is_current, entry.status, entry.minutes) == (False, ReviewStatus.APPROVED, 60)
    assert (revised.version, revised.previous_id, revised.minutes, revised.status) == (2, entry.pk, 120, "submitted")
    assert revised.change_reason == "Forgot the last hour"
    # The new version may cover the old one's time: the old version no longer counts.
    assert TimeEntry.objects.filter(is_current=True).count() == 1


def test_fast_task_work_is_held_for_a_person_never_rejected(stripe_server):
    lab, owner = make_lab()
    project = make_open_project(lab, owner, pay_model="per_task", rate_minor=3000, task_estimate_minutes=20)
    expert = make_vetted_expert()
    engagement = staffing_request_accept(
        actor=expert.user, request=invitation_send(actor=owner, project=project, contributor=expert)
    )
    type(project).objects.filter(pk=project.pk).update(starts_on=timezone.now().date() - timedelta(days=7))
    quick = task_submit(
        actor=expert.user, engagement=engagement, task_reference="T-1", minutes=9, judge_confidence=Decimal("0.9")
    )
    normal = task_submit(actor=expert.user, engagement=engagement, task_reference="T-2", minutes=18)
    assert quick.status == ReviewStatus.HELD
    assert "under half" in quick.hold_reason
    assert normal.status == ReviewStatus.SUBMITTED
    with pytest.raises(ApplicationError) as duplicate:
        task_submit(actor=expert.user, engagement=engagement, task_reference="T-1", minutes=15)
    assert "task_reference" in duplicate.value.fields
    # Held work is still approved or auto-approved like any other; nothing rejects it unseen.
    work_auto_approve_sweep(now=timezone.now() + timedelta(days=8))
    assert set(TaskSubmission.objects.values_list("status", flat=True)) == {ReviewStatus.AUTO_APPROVED}


def test_rejection_needs_a_reason_and_the_appeal_goes_to_another_reviewer(
    engaged, mailoutbox, django_capture_on_commit_callbacks
):
    engagement, owner = engaged
    second = UserFactory(role=Role.LAB_MEMBER)
    lab_member_add(actor=owner, lab=engagement.project.lab, email=second.email, role="reviewer")
    entry = _log(engagement, _at(1, 9), _at(1, 10))
    with pytest.raises(ApplicationError) as no_reason:
        work_reject(actor=owner, item=entry, reason="  ")
    assert no_reason.value.code == "reason_required"
    with django_capture_on_commit_callbacks(execute=True):
        work_reject(actor=owner, item=entry, reason="No task reference")
    assert any("Work rejected" in m.subject for m in mailoutbox)
    expert = engagement.contributor.user
    with pytest.raises(NotPermitted):
        work_appeal(actor=owner, item=entry, reason="not mine")
    work_appeal(actor=expert, item=entry, reason="The reference is in the note")
    with pytest.raises(NotPermitted) as same:
        work_decide_appeal(actor=owner, item=entry, approve=True, reason="ok")
    assert same.value.code == "four_eyes"
    decided = work_decide_appeal(actor=second, item=entry, approve=True, reason="Reference found in the note")
    assert decided.status == ReviewStatus.APPROVED
    with pytest.raises(ApplicationError):
        work_appeal(actor=expert, item=entry, reason="again")


@pytest.mark.moments
def test_appeal_window_closes(engaged):
    engagement, owner = engaged
    entry = _log(engagement, _at(1, 9), _at(1, 10))
    work_reject(actor=owner, item=entry, reason="Duplicate")
    TimeEntry.objects.filter(pk=entry.pk).update(reviewed_at=timezone.now() - timedelta(days=15))
    with pytest.raises(ApplicationError) as late:
        work_appeal(actor=engagement.contributor.user, item=entry, reason="Not a duplicate")
    assert late.value.code == "window_closed"


@pytest.mark.moments
def test_unreviewed_work_is_auto_approved_after_the_window_and_the_expert_is_told(
    engaged, mailoutbox, django_capture_on_commit_callbacks
):
    engagement, owner = engaged
    old = _log(engagement, _at(3, 9), _at(3, 10))
    reviewed = _log(engagement, _at(3, 11), _at(3, 12))
    work_reject(actor=owner, item=reviewed, reason="Wrong project")
    TimeEntry.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=8))
    with django_capture_on_commit_callbacks(execute=True):
        assert work_auto_approve_sweep() == 1
    assert work_auto_approve_sweep() == 0
    old.refresh_from_db()
    reviewed.refresh_from_db()
    assert old.status == ReviewStatus.AUTO_APPROVED
    assert reviewed.status == ReviewStatus.REJECTED
    told = [m for m in mailoutbox if m.subject == "Work approved automatically"]
    assert len(told) == 1
    assert f"Time entry #{old.pk}" in told[0].body


def test_an_unusual_rejection_rate_raises_one_alert(engaged, settings):
    settings.REVIEW_ALERT_MIN_REVIEWS = 4
    engagement, owner = engaged
    for hour in range(8, 13):
        work_reject(actor=owner, item=_log(engagement, _at(1, hour), _at(1, hour, 30)), reason="Low quality")
    alerts = ReviewAlert.objects.all()
    assert sorted(alerts.values_list("scope", flat=True)) == ["project", "reviewer"]


def test_operations_see_the_alerts(engaged, settings, client_for, ops_reviewer):
    settings.REVIEW_ALERT_MIN_REVIEWS = 2
    engagement, owner = engaged
    for hour in (8, 9, 10):
        work_reject(actor=owner, item=_log(engagement, _at(1, hour), _at(1, hour, 30)), reason="Low quality")
    alerts = client_for(*ops_reviewer).get("/api/ops/review-alerts/").json()["results"]
    assert {a["scope"] for a in alerts} == {"project", "reviewer"}
    assert next(a for a in alerts if a["scope"] == "reviewer")["reviewer"] == owner.email


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_overlapping_entries_cannot_both_succeed(stripe_server):
    lab, owner = make_lab()
    today = timezone.now().date()
    project = make_open_project(lab, owner, ends_on=today + timedelta(days=60))
    type(project).objects.filter(pk=project.pk).update(starts_on=today - timedelta(days=7))
    expert = make_vetted_expert()
    engagement = staffing_request_accept(
        actor=expert.user, request=invitation_send(actor=owner, project=project, contributor=expert)
    )
    type(engagement).objects.filter(pk=engagement.pk).update(started_at=timezone.now() - timedelta(days=7))
    engagement.refresh_from_db()
    barrier = threading.Barrier(2)
    outcomes = []

    def log(start_hour):
        barrier.wait()
        try:
            outcomes.append(_log(engagement, _at(1, start_hour), _at(1, start_hour + 2)))
        except ApplicationError as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=log, args=(hour,)) for hour in (9, 10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert TimeEntry.objects.count() == 1
    assert sum(isinstance(o, ApplicationError) for o in outcomes) == 1
