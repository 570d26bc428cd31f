"""Pay weeks close where people live, and late work is filed as an adjustment request, never lost.

The experts live in Los Angeles. A week closes for logging once it is over everywhere on
Earth (Monday 12:00 UTC) and the platform's grace period has passed; a pay run cannot
start before then. After the close, late work is an adjustment request, reviewed by the
lab like any other work and paid as an adjustment of its week in the next pay run.
"""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from config.errors import ApplicationError, NotPermitted
from marketplace.models import LabMembership, ReviewStatus, TimeEntry
from marketplace.services import time_entry_adjustment_request, time_entry_log
from payouts.models import PayLine, PayRecompute, PayStatement
from payouts.payruns.services import pay_run_approve, pay_run_start
from payouts.weeks import is_locked, week_closes_at, week_of

from tests.helpers.clock import travel_to
from tests.helpers.factories import UserFactory, make_ops, make_vetted_expert, pdf_upload
from tests.helpers.pages import field_error, log_in
from tests.helpers.pages import readable_text as text_of
from tests.helpers.payruns import draft_pay_run, last_week, running_engagement

pytestmark = pytest.mark.django_db
LA = zoneinfo.ZoneInfo("America/Los_Angeles")
RATE = 6000  # $60 an hour, well above any minimum wage


@pytest.fixture
def grace(settings):
    """The platform's default grace period: 48 hours."""
    settings.PAY_WEEK_GRACE_HOURS = 48
    return 48


def _sunday_evening_in_la(week_start):
    sunday = week_start + timedelta(days=6)
    return datetime(sunday.year, sunday.month, sunday.day, 20, 30, tzinfo=LA)


# --- when a week closes ------------------------------------------------------------------


def test_a_week_closes_at_noon_utc_the_monday_after_plus_the_grace(grace, settings):
    monday = last_week()[0]
    assert week_closes_at(monday) == datetime.combine(
        monday + timedelta(days=7), datetime.min.time(), tzinfo=UTC
    ) + timedelta(hours=12 + 48)
    assert week_closes_at(monday + timedelta(days=3)) == week_closes_at(monday)
    settings.PAY_WEEK_GRACE_HOURS = 0
    assert week_closes_at(monday).astimezone(UTC).hour == 12


def test_the_grace_period_is_bounded_at_startup():
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PAY_WEEK_GRACE_HOURS": "400"}
    code = "import django; django.setup()"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=settings.BASE_DIR, timeout=120
    )
    assert result.returncode != 0
    assert "PAY_WEEK_GRACE_HOURS must be between 0 and 336" in result.stderr


def test_work_at_sunday_8pm_in_los_angeles_is_accepted_and_the_week_runs_only_after_its_close(
    stripe_server, grace, django_capture_on_commit_callbacks
):
    week_start = last_week()[0]
    evening = _sunday_evening_in_la(week_start)
    # Sunday 20:30 in Los Angeles: Monday in UTC already, the week not over for this expert.
    travel_to(evening)
    assert timezone.now().date() == week_start + timedelta(days=7)
    engagement, _owner = running_engagement(rate_minor=RATE)
    entry = time_entry_log(
        actor=engagement.contributor.user,
        engagement=engagement,
        activity="task_work",
        started_at=evening - timedelta(hours=1, minutes=30),
        ended_at=evening - timedelta(minutes=30),
    )
    assert entry.work_date == week_start + timedelta(days=6)

    preparer, _ = make_ops(Role.OPS_FINANCE)
    closes_at = datetime.combine(week_start + timedelta(days=7), datetime.min.time(), tzinfo=UTC) + timedelta(hours=60)
    with pytest.raises(ApplicationError) as now:
        pay_run_start(actor=preparer, period_start=week_start)
    assert now.value.code == "period_not_closed"
    assert f"{closes_at:%Y-%m-%d %H:%M} UTC" in now.value.fields["period_start"][0]

    # Up to just before Monday 12:00 UTC + 48 hours: still refused, and still open for logging.
    travel_to(closes_at - timedelta(minutes=1))
    assert not is_locked(entry.work_date)
    time_entry_log(
        actor=engagement.contributor.user,
        engagement=engagement,
        activity="meeting",
        work_date=week_start + timedelta(days=2),
        minutes=15,
    )
    with pytest.raises(ApplicationError) as late:
        pay_run_start(actor=preparer, period_start=week_start)
    assert late.value.code == "period_not_closed"

    travel_to(closes_at + timedelta(seconds=1))
    assert is_locked(entry.work_date)
    with django_capture_on_commit_callbacks(execute=True):
        run = pay_run_start(actor=preparer, period_start=week_start)
    run.refresh_from_db()
    assert run.status == "draft", run.error


def test_after_the_close_a_normal_entry_is_refused_and_points_to_an_adjustment_request(stripe_server, grace):
    engagement, _ = running_engagement(rate_minor=RATE)
    after_close = week_closes_at(last_week()[0]) + timedelta(minutes=1)
    if timezone.now() < after_close:
        travel_to(after_close)
    with pytest.raises(ApplicationError) as refused:
        time_entry_log(
            actor=engagement.contributor.user,
            engagement=engagement,
            activity="task_work",
            work_date=last_week()[0],
            minutes=60,
        )
    assert "adjustment request" in refused.value.message
    assert refused.value.fields == {"work_date": ["The pay week of this day is locked."]}


# --- the adjustment request, end to end ---------------------------------------------------


def test_late_work_is_filed_approved_and_paid_as_an_adjustment_of_its_week_in_the_next_run(
    stripe_server, grace, client_for, django_capture_on_commit_callbacks
):
    engagement, owner = running_engagement(rate_minor=RATE)
    expert = engagement.contributor.user
    week_a = last_week()[0]
    run_a, _ = draft_pay_run(django_capture_on_commit_callbacks, period_start=week_a)
    pay_run_approve(actor=make_ops(Role.OPS_FINANCE)[0], run=run_a)
    assert not PayStatement.objects.filter(run=run_a).exists()  # nothing was logged in time

    api = client_for(expert)
    payload = {
        "engagement": engagement.pk,
        "activity": "task_work",
        "work_date": str(week_a + timedelta(days=2)),
        "minutes": 90,
        "note": "Labelled the second batch.",
        "late_reason": "I was travelling and could not reach the site before the week closed.",
        "evidence": pdf_upload("screenshot.pdf"),
    }
    with django_capture_on_commit_callbacks(execute=True):
        filed = api.post("/api/me/adjustment-requests/", payload, format="multipart")
    assert filed.status_code == 201, filed.json()
    body = filed.json()
    assert (body["late_request"], body["late_week_start"], body["has_evidence"], body["status"]) == (
        True,
        str(week_a),
        True,
        "submitted",
    )
    entry = TimeEntry.objects.get(pk=body["id"])
    assert entry.late_evidence_type == "application/pdf"
    event = AuditEvent.objects.get(action="marketplace.time_entry.adjustment_requested", target_id=str(entry.pk))
    assert event.reason_shown == payload["late_reason"]
    # The lab's reviewers are told.
    assert any(owner.email in message.to and "Late work" in message.subject for message in mail.outbox)
    # The evidence is for the expert and the lab's reviewers only.
    assert api.get(f"/api/time-entries/{entry.pk}/evidence/").status_code == 200
    lab_api = client_for(owner)
    download = lab_api.get(f"/api/time-entries/{entry.pk}/evidence/")
    assert download.status_code == 200 and download["Content-Security-Policy"].startswith("sandbox")
    assert client_for(make_vetted_expert().user).get(f"/api/time-entries/{entry.pk}/evidence/").status_code == 404

    # The review queue shows it as late work for its week, with the reason.
    queue = log_in(owner).get(f"/lab/projects/{engagement.project_id}/review/")
    text = text_of(queue)
    assert f"Late work for the week of {week_a:%-d %b %Y}" in text
    assert "I was travelling and could not reach the site" in text

    approved = lab_api.post(f"/api/work/time-entries/{entry.pk}/approve/", {}, format="json")
    assert approved.status_code == 200, approved.json()
    # Filing marked the week (its minutes count for the floor while they wait), and so did approval.
    filed_marker, approved_marker = PayRecompute.objects.filter(contributor=engagement.contributor).order_by("pk")
    assert filed_marker.period_id == approved_marker.period_id == run_a.period_id
    assert "adjustment request" in filed_marker.reason and "approved" in approved_marker.reason

    # The next week's run (once it has closed) pays it as an adjustment of week A.
    run_b, _ = draft_pay_run(django_capture_on_commit_callbacks, period_start=week_a + timedelta(days=7))
    pay_run_approve(actor=make_ops(Role.OPS_FINANCE)[0], run=run_b)
    line = PayLine.objects.get(statement__run=run_b, kind="adjustment", adjusts_kind="hourly")
    assert line.adjusts_period.starts_on == week_a
    assert line.amount_minor == 90 * RATE // 60
    assert line.description.startswith(f"Week of {week_a:%Y-%m-%d}: ")

    statement = line.statement
    page = log_in(expert).get(f"/expert/pay/{statement.pk}/")
    assert page.status_code == 200
    text = text_of(page)
    assert "Corrections to earlier weeks" in text
    assert "$90.00" in text


def test_a_rejected_adjustment_request_is_appealed_and_upheld_like_other_work(
    stripe_server, grace, client_for, django_capture_on_commit_callbacks
):
    engagement, owner = running_engagement(rate_minor=RATE)
    lab = engagement.project.lab
    second = UserFactory(role=Role.LAB_MEMBER)
    LabMembership.objects.create(lab=lab, user=second, role="reviewer")
    week_a = last_week()[0]
    run_a, _ = draft_pay_run(django_capture_on_commit_callbacks, period_start=week_a)
    entry = time_entry_adjustment_request(
        actor=engagement.contributor.user,
        engagement=engagement,
        activity="review",
        work_date=week_a + timedelta(days=1),
        minutes=45,
        late_reason="The tool was down on Sunday night.",
    )
    expert_api, owner_api, second_api = client_for(engagement.contributor.user), client_for(owner), client_for(second)
    rejected = owner_api.post(f"/api/work/time-entries/{entry.pk}/reject/", {"reason": "No record of it."})
    assert rejected.json()["status"] == "rejected"
    assert owner_api.post(f"/api/work/time-entries/{entry.pk}/reject/", {"reason": ""}).status_code == 400
    appealed = expert_api.post(f"/api/work/time-entries/{entry.pk}/appeal/", {"reason": "Here is the log."})
    assert appealed.json()["status"] == "appealed"
    decided = second_api.post(
        f"/api/work/time-entries/{entry.pk}/decide-appeal/", {"approve": True, "reason": "The log shows it."}
    )
    assert decided.json()["status"] == "approved", decided.json()
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.APPROVED
    # Marked when filed (counted for the floor) and when the appeal was upheld (now paid).
    assert PayRecompute.objects.filter(period_id=run_a.period_id).count() == 2
    assert "adjustment request" in PayRecompute.objects.filter(period_id=run_a.period_id).latest("pk").reason


# --- bad input and permissions -----------------------------------------------------------


@pytest.fixture
def closed_week(stripe_server, grace):
    engagement, owner = running_engagement(rate_minor=RATE)
    week_a = last_week()[0]
    after_close = week_closes_at(week_a) + timedelta(minutes=1)
    if timezone.now() < after_close:
        travel_to(after_close)
    return engagement, owner, week_a


def test_bad_adjustment_requests_are_refused_with_field_messages_and_nothing_written(closed_week, client_for):
    engagement, owner, week_a = closed_week
    api = client_for(engagement.contributor.user)
    base = {
        "engagement": engagement.pk,
        "activity": "task_work",
        "work_date": str(week_a + timedelta(days=1)),
        "minutes": 60,
        "late_reason": "Forgot.",
    }
    cases = [
        ({"late_reason": ""}, "late_reason"),
        ({"late_reason": "x" * 2001}, "late_reason"),
        ({"minutes": 0}, "minutes"),
        ({"activity": "napping"}, "activity"),
        ({"work_date": str(timezone.now().date() + timedelta(days=3))}, "work_date"),
    ]
    for change, field in cases:
        response = api.post("/api/me/adjustment-requests/", {**base, **change}, format="json")
        assert response.status_code == 400, (change, response.json())
        assert field in response.json()["fields"], (change, response.json())
    not_a_pdf = api.post(
        "/api/me/adjustment-requests/",
        {**base, "evidence": SimpleUploadedFile("evidence.pdf", b"<html>not a pdf</html>")},
        format="multipart",
    )
    assert not_a_pdf.status_code == 400
    assert not_a_pdf.json()["code"] == "invalid_document"
    assert "evidence" in not_a_pdf.json()["fields"]
    # A day of a week still open is logged normally.
    today = datetime.now(LA).date()
    open_day = api.post("/api/me/adjustment-requests/", {**base, "work_date": str(today)}, format="json")
    assert open_day.status_code == 400
    assert open_day.json()["code"] == "week_open"
    assert "log this time normally" in open_day.json()["message"]
    # Someone else's engagement.
    other = make_vetted_expert()
    assert client_for(other.user).post("/api/me/adjustment-requests/", base, format="json").status_code == 400
    with pytest.raises(NotPermitted):
        time_entry_adjustment_request(
            actor=other.user,
            engagement=engagement,
            activity="task_work",
            work_date=week_a,
            minutes=30,
            late_reason="Mine.",
        )
    # The lab cannot file for its experts.
    assert client_for(owner).post("/api/me/adjustment-requests/", base, format="json").status_code == 403
    assert not TimeEntry.objects.filter(late_request=True).exists()
    assert not AuditEvent.objects.filter(action="marketplace.time_entry.adjustment_requested").exists()


def test_late_work_still_meets_every_other_rule(closed_week):
    engagement, _, week_a = closed_week
    day = week_a + timedelta(days=1)
    start = datetime(day.year, day.month, day.day, 9, tzinfo=LA)
    first = time_entry_adjustment_request(
        actor=engagement.contributor.user,
        engagement=engagement,
        activity="task_work",
        started_at=start,
        ended_at=start + timedelta(hours=2),
        late_reason="Forgot.",
    )
    assert first.minutes == 120
    with pytest.raises(ApplicationError) as overlap:
        time_entry_adjustment_request(
            actor=engagement.contributor.user,
            engagement=engagement,
            activity="task_work",
            started_at=start + timedelta(hours=1),
            ended_at=start + timedelta(hours=3),
            late_reason="Forgot again.",
        )
    assert "overlaps" in overlap.value.message
    with pytest.raises(ApplicationError) as ceiling:
        time_entry_adjustment_request(
            actor=engagement.contributor.user,
            engagement=engagement,
            activity="task_work",
            work_date=day,
            minutes=14 * 60,
            late_reason="A long day.",
        )
    assert "daily ceiling" in ceiling.value.message


def test_only_the_labs_reviewers_review_late_work(closed_week, client_for):
    engagement, _owner, week_a = closed_week
    entry = time_entry_adjustment_request(
        actor=engagement.contributor.user,
        engagement=engagement,
        activity="task_work",
        work_date=week_a,
        minutes=30,
        late_reason="Forgot.",
    )
    viewer = UserFactory(role=Role.LAB_MEMBER)
    LabMembership.objects.create(lab=engagement.project.lab, user=viewer, role="viewer")
    assert client_for(viewer).post(f"/api/work/time-entries/{entry.pk}/approve/").status_code == 403
    assert client_for(viewer).get(f"/api/time-entries/{entry.pk}/evidence/").status_code == 404
    from tests.helpers.factories import make_lab

    _, stranger = make_lab()
    assert client_for(stranger).post(f"/api/work/time-entries/{entry.pk}/approve/").status_code == 404
    assert (
        client_for(engagement.contributor.user).post(f"/api/work/time-entries/{entry.pk}/approve/").status_code == 403
    )
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.SUBMITTED


# --- pages -------------------------------------------------------------------------------


def test_the_timesheet_says_until_when_weeks_take_time_and_files_late_work(closed_week):
    engagement, owner, week_a = closed_week
    browser = log_in(engagement.contributor.user)
    this_week = text_of(browser.get(f"/expert/engagements/{engagement.pk}/timesheet/"))
    closes_at = week_closes_at(week_of(datetime.now(LA).date())[0]).astimezone(LA)
    assert f"takes time until {closes_at:%a %-d %b %Y, %H:%M}" in this_week
    assert "Last week (from" in this_week and "has closed: file late work in it as an adjustment request" in this_week

    url = f"/expert/engagements/{engagement.pk}/timesheet/?week={week_a}"
    locked = browser.get(url)
    assert "File late work" in text_of(locked)
    action = f"/expert/engagements/{engagement.pk}/timesheet/adjustment/?week={week_a}"
    day = week_a + timedelta(days=3)
    form = {"mode": "duration", "work_date": str(day), "minutes": "75", "activity": "task_work", "note": ""}
    refused = browser.post(action, {**form, "late_reason": ""})
    assert refused.status_code == 400
    assert "Say why this work is logged late." in field_error(refused, "late_late_reason")
    assert not TimeEntry.objects.filter(late_request=True).exists()

    filed = browser.post(action, {**form, "late_reason": "My laptop died.", "evidence": pdf_upload("proof.pdf")})
    assert filed.status_code == 302, text_of(filed)
    entry = TimeEntry.objects.get(late_request=True)
    assert (entry.minutes, entry.work_date, entry.late_week_start) == (75, day, week_a)
    page = text_of(browser.get(filed["Location"]))
    assert "Filed 1 h 15 min of late work" in page
    assert f"Late work filed as an adjustment request for the week of {week_a:%-d %b %Y}: My laptop died." in page
    assert browser.get(f"/expert/time-entries/{entry.pk}/evidence/").status_code == 200
    assert log_in(owner).get(f"/lab/time-entries/{entry.pk}/evidence/").status_code == 200
    assert log_in(make_vetted_expert().user).get(f"/expert/time-entries/{entry.pk}/evidence/").status_code == 404


def test_the_pay_runs_page_says_when_each_week_can_be_run(grace):
    from tests.helpers.pages import ops_browser

    browser = ops_browser(*make_ops(Role.OPS_FINANCE))
    text = text_of(browser.get("/ops/pay-runs/"))
    this_week = week_of(timezone.now().date())[0]
    closes_at = week_closes_at(this_week)
    assert "Weeks not yet run" in text
    assert f"can be run from {closes_at:%a %-d %b %Y, %H:%M}" in text


def test_late_work_nobody_reviewed_in_time_is_approved_automatically_and_marked_as_late(
    stripe_server, grace, django_capture_on_commit_callbacks
):
    from marketplace.services import work_auto_approve_sweep

    engagement, _ = running_engagement(rate_minor=RATE)
    week_a = last_week()[0]
    run_a, _ = draft_pay_run(django_capture_on_commit_callbacks, period_start=week_a)
    entry = time_entry_adjustment_request(
        actor=engagement.contributor.user,
        engagement=engagement,
        activity="task_work",
        work_date=week_a,
        minutes=30,
        late_reason="Forgot.",
    )
    assert work_auto_approve_sweep(now=timezone.now() + timedelta(days=30)) == 1
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.AUTO_APPROVED
    marker = PayRecompute.objects.filter(period_id=run_a.period_id).latest("pk")
    assert marker.reason.startswith("late work filed as an adjustment request, approved automatically")


def test_late_work_the_lab_rejects_is_still_owed_its_minimum_wage_in_the_next_run(
    stripe_server, grace, django_capture_on_commit_callbacks
):
    from marketplace.services import work_reject

    engagement, owner = running_engagement(rate_minor=RATE)
    week_a = last_week()[0]
    run_a, _ = draft_pay_run(django_capture_on_commit_callbacks, period_start=week_a)
    pay_run_approve(actor=make_ops(Role.OPS_FINANCE)[0], run=run_a)
    entry = time_entry_adjustment_request(
        actor=engagement.contributor.user,
        engagement=engagement,
        activity="task_work",
        work_date=week_a + timedelta(days=1),
        minutes=60,
        late_reason="The site was down on Sunday evening.",
    )
    work_reject(actor=owner, item=entry, reason="Off-task")
    run_b, _ = draft_pay_run(django_capture_on_commit_callbacks, period_start=week_a + timedelta(days=7))
    line = PayLine.objects.get(statement__run=run_b, kind="adjustment", adjusts_kind="topup")
    # A rejection judges quality; the hour was worked, so California's $16.90 is owed on it.
    assert (line.adjusts_period.starts_on, line.amount_minor) == (week_a, 1690)
    assert line.description == f"Week of {week_a:%Y-%m-%d}: minimum wage on time counted since it was paid"
