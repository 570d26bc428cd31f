"""The work pages through real HTTP with signed-in sessions: timesheets, tasks, review, appeals, quality."""

import re
import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from marketplace.models import GoldAnswer, QualityScore, ReviewStatus, TaskSubmission, TimeEntry
from marketplace.services import (
    invitation_send,
    lab_member_add,
    staffing_request_accept,
    task_submit,
    time_entry_log,
    work_auto_approve_sweep,
    work_reject,
)
from payouts.weeks import week_of

from tests.helpers.factories import UserFactory, make_lab, make_open_project, make_vetted_expert
from tests.helpers.pages import field_error, log_in
from tests.helpers.pages import text_of as _text_of

pytestmark = pytest.mark.django_db

# The experts the factories make live in Los Angeles (tests.helpers.factories.PROFILE).
LA = zoneinfo.ZoneInfo("America/Los_Angeles")


def text_of(response) -> str:
    """The page as a person reads it, with its en dashes as hyphens (5 Mar - 11 Mar, 09:00-12:00)."""
    return _text_of(response).replace("\N{EN DASH}", "-")


def _running(lab, owner, **overrides):
    """A funded, open project that began two weeks ago, as a running project would have."""
    project = make_open_project(lab, owner, **overrides)
    type(project).objects.filter(pk=project.pk).update(starts_on=timezone.now().date() - timedelta(days=14))
    project.refresh_from_db()
    return project


def _engage(owner, project, expert):
    engagement = staffing_request_accept(
        actor=expert.user, request=invitation_send(actor=owner, project=project, contributor=expert)
    )
    type(engagement).objects.filter(pk=engagement.pk).update(started_at=timezone.now() - timedelta(days=14))
    engagement.refresh_from_db()
    return engagement


def _today():
    return timezone.now().astimezone(LA).date()


def _last_week():
    """The previous pay week in Los Angeles: every day of it is in the past."""
    return week_of(_today())[0] - timedelta(days=7)


def _local(day, hour, minute=0) -> str:
    """What a datetime-local input sends."""
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}"


def _range(day, start, end, activity="task_work", **extra) -> dict:
    return {
        "mode": "range",
        "started_at": _local(day, *start),
        "ended_at": _local(day, *end),
        "work_date": "",
        "minutes": "",
        "activity": activity,
        "note": "",
        "task_reference": "",
        **extra,
    }


def _duration(day, minutes, activity="assessment", **extra) -> dict:
    return {
        "mode": "duration",
        "started_at": "",
        "ended_at": "",
        "work_date": day.isoformat(),
        "minutes": minutes,
        "activity": activity,
        "note": "",
        "task_reference": "",
        **extra,
    }


@pytest.fixture
def hourly(stripe_server):
    """An expert engaged by the hour on a running project, and the lab's owner."""
    lab, owner = make_lab(name="Helix Research")
    project = _running(lab, owner, title="Cardiology answer review", headcount=3)
    expert = make_vetted_expert()
    return _engage(owner, project, expert), owner


@pytest.fixture
def per_task(stripe_server):
    lab, owner = make_lab(name="Grading Lab")
    project = _running(
        lab, owner, title="ECG grading", pay_model="per_task", rate_minor=3000, task_estimate_minutes=20, headcount=3
    )
    expert = make_vetted_expert()
    return _engage(owner, project, expert), owner


# --- the expert's week ------------------------------------------------------------------


@pytest.mark.moments
def test_an_expert_logs_a_week_of_mixed_work_on_the_timesheet(hourly, settings):
    # Last week takes time at each moment: the platform gives its longest grace.
    settings.PAY_WEEK_GRACE_HOURS = settings.PAY_WEEK_GRACE_HOURS_MAX
    engagement, _ = hourly
    browser = log_in(engagement.contributor.user)
    monday = _last_week()
    url = f"/expert/engagements/{engagement.pk}/timesheet/"

    page = browser.get(url)
    assert page.status_code == 200
    assert "Log time" in text_of(page)
    assert "Times are in your time zone, America/Los_Angeles." in text_of(page)

    kinds = ["task_work", "training", "onboarding", "meeting", "review"]
    for offset, kind in enumerate(kinds):
        day = monday + timedelta(days=offset)
        logged = browser.post(f"{url}log/?week={monday}", _range(day, (9, 0), (12, 0), kind, note=f"{kind} notes"))
        assert logged.status_code == 302, text_of(logged)
        entry = TimeEntry.objects.latest("id")
        assert logged["Location"] == f"{url}?week={monday}#entry-{entry.pk}"
    # Late on Saturday into Sunday: the day it began in Los Angeles, whatever UTC says.
    saturday = monday + timedelta(days=5)
    late = _range(saturday, (23, 0), (23, 59), "review")
    late["ended_at"] = _local(saturday + timedelta(days=1), 1, 0)
    assert browser.post(f"{url}log/", late).status_code == 302
    # A duration on a day, typed as hours and minutes.
    sunday = monday + timedelta(days=6)
    assert browser.post(f"{url}log/", _duration(sunday, "1:30", task_reference="A-7")).status_code == 302

    entries = TimeEntry.objects.filter(engagement=engagement).order_by("work_date", "started_at")
    assert entries.count() == 7
    first = entries.first()
    assert first.started_at == datetime(monday.year, monday.month, monday.day, 9, tzinfo=LA)
    assert (first.minutes, first.activity, first.note) == (180, "task_work", "task_work notes")
    overnight = entries.get(work_date=saturday)
    assert overnight.minutes == 120
    assert entries.get(work_date=sunday).minutes == 90
    assert entries.get(work_date=sunday).started_at is None

    week = browser.get(f"{url}?week={monday + timedelta(days=3)}")  # any day of the week shows that week
    page = text_of(week)
    assert f"Week of {monday:%-d %b}" in page
    assert "09:00-12:00 · 3 h · Task work" in page
    assert "09:00-12:00 · 3 h · Meeting" in page
    assert "23:00-01:00 (next day) · 2 h · Review" in page
    assert "A duration · 1 h 30 min · Assessment" in page
    assert f"{monday:%A %-d %b}" + " Total for Monday: 3 h" in page
    assert "Logged this week 18 h 30 min" in page
    assert "Approved 0 min" in page
    assert page.count("Waiting for review") == 7
    assert page.count("Version 1") == 7
    assert "Task A-7" in page
    # Previous and next weeks link to each other, back to the week the engagement began.
    first = max(engagement.project.starts_on, engagement.started_at.astimezone(LA).date())
    assert (f'href="?week={monday - timedelta(days=7)}"' in week.content.decode()) == (first < monday)
    assert f'href="?week={monday + timedelta(days=7)}"' in week.content.decode()
    # The engagements list links to the timesheet.
    assert f'href="{url}"' in browser.get("/expert/invitations/").content.decode()


def test_an_overlap_is_refused_next_to_the_start_with_what_was_typed_kept(hourly):
    engagement, _ = hourly
    browser = log_in(engagement.contributor.user)
    day = _last_week() + timedelta(days=1)
    url = f"/expert/engagements/{engagement.pk}/timesheet/log/"
    assert browser.post(url, _range(day, (9, 0), (12, 0))).status_code == 302
    events = AuditEvent.objects.count()

    refused = browser.post(url, _range(day, (11, 0), (13, 30), "meeting", note="Weekly sync"))
    assert refused.status_code == 400
    assert f"Overlaps your entry of {day:%d %b %Y} 09:00-12:00 (task work)." in field_error(refused, "started_at")
    content = refused.content.decode()
    assert f'value="{_local(day, 11, 0)}"' in content
    assert f'value="{_local(day, 13, 30)}"' in content
    assert "Weekly sync</textarea>" in content
    assert re.search(r'<option value="meeting" selected>', content)
    assert TimeEntry.objects.count() == 1
    assert AuditEvent.objects.count() == events
    # Touching is not overlapping.
    assert browser.post(url, _range(day, (12, 0), (13, 0))).status_code == 302


def test_future_time_and_impossible_input_are_refused_on_the_right_field(hourly):
    engagement, _ = hourly
    browser = log_in(engagement.contributor.user)
    url = f"/expert/engagements/{engagement.pk}/timesheet/log/"
    soon = timezone.now().astimezone(LA) + timedelta(hours=2)
    future = _range(soon.date(), (soon.hour, 0), (soon.hour, 0))
    future["ended_at"] = (soon + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    refused = browser.post(url, future)
    assert refused.status_code == 400
    assert "This is in the future." in field_error(refused, "ended_at")
    assert f'value="{future["ended_at"]}"' in refused.content.decode()

    cases = [
        (_duration(_today() + timedelta(days=1), "30"), "work_date", "This day is in the future."),
        (_duration(_today(), "0"), "minutes", "Must be more than zero minutes."),
        (_duration(_today(), "25:00"), "minutes", "A day has 24 hours"),
        (_duration(_today(), "an hour"), "minutes", "Enter whole minutes"),
        (_duration(_today(), ""), "minutes", "Give how long you worked."),
        (_duration(_today() - timedelta(days=60), "30"), "work_date", "The engagement runs from"),
        (_range(_today(), (12, 0), (11, 0)), "ended_at", "The end must be after the start."),
        ({**_range(_today(), (9, 0), (10, 0)), "ended_at": ""}, "ended_at", "Give an end time"),
        ({**_range(_today(), (9, 0), (10, 0)), "started_at": "yesterday"}, "started_at", "Enter a date and a time"),
        ({**_range(_today(), (9, 0), (10, 0)), "activity": "napping"}, "activity", "Select a valid choice."),
        (
            {**_range(_today(), (9, 0), (10, 0)), "started_at": "2025-03-09T02:30"},
            "started_at",
            "This time does not exist in America/Los_Angeles: the clocks went forward then.",
        ),
    ]
    for data, field, message in cases:
        response = browser.post(url, data)
        assert response.status_code == 400, (data, text_of(response))
        assert message in field_error(response, field), (data, field_error(response, field))
    assert not TimeEntry.objects.exists()


def test_the_labs_weekly_cap_is_shown_on_the_end_of_a_start_and_end_entry(hourly):
    engagement, _ = hourly
    type(engagement.project).objects.filter(pk=engagement.project_id).update(weekly_cap_hours=2)
    browser = log_in(engagement.contributor.user)
    day = _last_week()
    url = f"/expert/engagements/{engagement.pk}/timesheet/log/"
    assert browser.post(url, _range(day, (9, 0), (10, 30))).status_code == 302
    over = browser.post(url, _range(day, (11, 0), (12, 0)))
    assert over.status_code == 400
    assert "The cap is 2 hours a week; 90 minutes are logged this week." in field_error(over, "ended_at")
    by_duration = browser.post(url, _duration(day, "45"))
    assert "The cap is 2 hours a week" in field_error(by_duration, "minutes")


def test_a_correction_makes_version_2_and_history_keeps_version_1(hourly):
    engagement, _ = hourly
    user = engagement.contributor.user
    browser = log_in(user)
    day = _last_week() + timedelta(days=2)
    assert (
        browser.post(
            f"/expert/engagements/{engagement.pk}/timesheet/log/", _range(day, (9, 0), (10, 0), note="Rubric v1")
        ).status_code
        == 302
    )
    first = TimeEntry.objects.get()
    correct = f"/expert/time-entries/{first.pk}/correct/"

    # The correction form starts from the entry's values, in the expert's time zone.
    week = browser.get(f"/expert/engagements/{engagement.pk}/timesheet/?week={day}").content.decode()
    assert re.search(rf'value="{_local(day, 9, 0)}"[^>]*id="id_correct_{first.pk}_started_at"', week)
    assert re.search(rf'id="id_correct_{first.pk}_note"[^>]*>\s*Rubric v1</textarea>', week)

    no_reason = browser.post(correct, {**_range(day, (9, 0), (11, 0), note="Rubric v1"), "reason": " "})
    assert no_reason.status_code == 400
    assert "Say why the entry changes." in field_error(no_reason, f"correct_{first.pk}_reason")
    assert f'value="{_local(day, 11, 0)}"' in no_reason.content.decode()
    assert TimeEntry.objects.count() == 1

    fixed = browser.post(
        correct, {**_range(day, (9, 0), (11, 0), "training", note="Rubric v2"), "reason": "Forgot the second hour"}
    )
    assert fixed.status_code == 302
    second = TimeEntry.objects.get(is_current=True)
    first.refresh_from_db()
    assert (first.is_current, first.minutes) == (False, 60)
    assert (second.version, second.previous_id, second.minutes, second.activity) == (2, first.pk, 120, "training")
    assert (second.change_reason, second.note, second.status) == ("Forgot the second hour", "Rubric v2", "submitted")

    page = text_of(browser.get(f"/expert/engagements/{engagement.pk}/timesheet/?week={day}"))
    assert "09:00-11:00 · 2 h · Training" in page
    assert "Version 2" in page
    assert "Version 1" not in page
    assert "Corrected: Forgot the second hour" in page
    history = text_of(browser.get(f"/expert/engagements/{engagement.pk}/history/"))
    assert "1 entry, 2 versions in all." in history
    assert re.search(r"1 Replaced .*09:00-10:00 · 1 h Task work Waiting for review .* — ", history)
    assert re.search(r"2 Current .*09:00-11:00 · 2 h Training Waiting for review .* Forgot the second hour", history)

    # The old version cannot be corrected again; the page says why.
    stale = browser.post(correct, {**_range(day, (9, 0), (12, 0)), "reason": "Again"})
    assert stale.status_code == 400
    assert "A newer version of this entry exists; change that one." in text_of(stale)
    # A correction turning a start and an end into a duration on a day.
    as_duration = browser.post(
        f"/expert/time-entries/{second.pk}/correct/", {**_duration(day, "100", "training"), "reason": "Simpler"}
    )
    assert as_duration.status_code == 302
    third = TimeEntry.objects.get(is_current=True)
    assert (third.version, third.minutes, third.started_at) == (3, 100, None)


# --- per-task work ----------------------------------------------------------------------


def test_the_tasks_page_shows_the_estimate_and_holds_fast_work_with_the_reason(per_task):
    engagement, _ = per_task
    browser = log_in(engagement.contributor.user)
    url = f"/expert/engagements/{engagement.pk}/tasks/"
    page = text_of(browser.get(url))
    assert "Each task pays $30.00" in page
    assert "The lab's time estimate 20 minutes" in page
    assert "Your effective hourly rate $90.00 an hour" in page
    assert page.index("Your effective hourly rate") < page.index("Submit the task")

    for ref, minutes in [("T-1", "18"), ("T-2", "22"), ("T-3", "8")]:
        submitted = browser.post(f"{url}submit/", {"task_reference": ref, "minutes": minutes, "label": "yes"})
        assert submitted.status_code == 302, text_of(submitted)
    held = TaskSubmission.objects.get(task_reference="T-3")
    assert held.status == ReviewStatus.HELD
    assert held.answer == {"label": "yes"}
    followed = text_of(browser.get(url))
    assert (
        "Held: done in under half the estimate: a person reviews it; it is never rejected automatically. "
        "(8 of an estimated 20 minutes)" in followed
    )
    assert followed.count("Waiting for review") == 2

    again = browser.post(f"{url}submit/", {"task_reference": "T-1", "minutes": "15", "label": "no"})
    assert again.status_code == 400
    assert "Already submitted." in field_error(again, "task_reference")
    assert 'value="15"' in again.content.decode()
    zero = browser.post(f"{url}submit/", {"task_reference": "T-9", "minutes": "0", "label": ""})
    assert "Must be more than zero minutes." in field_error(zero, "minutes")
    assert TaskSubmission.objects.count() == 3


def test_an_hourly_engagement_has_no_tasks_to_submit(hourly):
    engagement, _ = hourly
    browser = log_in(engagement.contributor.user)
    page = browser.get(f"/expert/engagements/{engagement.pk}/tasks/")
    assert page.status_code == 200
    assert "This engagement is paid by the hour" in text_of(page)
    refused = browser.post(
        f"/expert/engagements/{engagement.pk}/tasks/submit/", {"task_reference": "T-1", "minutes": "10"}
    )
    assert refused.status_code == 400
    assert "This engagement is paid by the hour; log time instead." in text_of(refused)
    assert not TaskSubmission.objects.exists()


# --- the lab's review, the expert's appeal, the sweep ----------------------------------


def test_the_lab_reviews_the_week_and_an_appeal_goes_to_another_reviewer(hourly, per_task):
    engagement, owner = hourly
    expert = engagement.contributor
    task_engagement, task_owner = per_task
    expert_browser = log_in(expert.user)
    monday = _last_week()
    log = f"/expert/engagements/{engagement.pk}/timesheet/log/"
    for offset, kind in enumerate(["task_work", "training", "meeting", "review", "onboarding"]):
        assert (
            expert_browser.post(log, _range(monday + timedelta(days=offset), (9, 0), (11, 0), kind)).status_code == 302
        )
    entries = list(TimeEntry.objects.order_by("work_date"))

    lab_browser = log_in(owner)
    queue_url = f"/lab/projects/{engagement.project_id}/review/"
    queue = text_of(lab_browser.get(queue_url))
    assert "Review window: 7 days." in queue
    assert "Work nobody reviews within 7 days of being submitted (or appealed) is approved automatically." in queue
    assert "Time entries waiting (5)" in queue
    assert queue.index(f"{monday:%a %-d %b %Y}") < queue.index(f"{monday + timedelta(days=1):%a %-d %b %Y}")
    assert f'href="{queue_url}"' in lab_browser.get(f"/lab/projects/{engagement.project_id}/").content.decode()

    # Approve one by its own button, two together.
    base = f"{queue_url}time-entries"
    assert lab_browser.post(f"{base}/{entries[0].pk}/approve/").status_code == 302
    bulk = lab_browser.post(
        f"{queue_url}approve/", {"items": [f"time-entries:{entries[1].pk}", f"time-entries:{entries[2].pk}"]}
    )
    assert bulk.status_code == 302
    assert [e.status for e in TimeEntry.objects.order_by("work_date")][:3] == ["approved"] * 3

    # Rejecting needs a reason: without one, a field error and nothing changes.
    events = AuditEvent.objects.count()
    no_reason = lab_browser.post(f"{base}/{entries[3].pk}/reject/", {"reason": "  "})
    assert no_reason.status_code == 400
    assert "This field is required." in field_error(no_reason, f"reject_time-entries_{entries[3].pk}_reason")
    entries[3].refresh_from_db()
    assert entries[3].status == ReviewStatus.SUBMITTED
    assert AuditEvent.objects.count() == events
    rejected = lab_browser.post(f"{base}/{entries[3].pk}/reject/", {"reason": "No agenda was attached"})
    assert rejected.status_code == 302
    entries[3].refresh_from_db()
    assert (entries[3].status, entries[3].rejection_reason) == ("rejected", "No agenda was attached")

    # Approving what is already decided is reported item by item, never a server error.
    mixed = lab_browser.post(
        f"{queue_url}approve/",
        {"items": [f"time-entries:{entries[0].pk}", f"time-entries:{entries[3].pk}", "time-entries:99999999", "junk"]},
    )
    assert mixed.status_code == 400
    report = text_of(mixed)
    assert "This work is already approved." in report
    assert "This work is already rejected." in report
    assert "There is no such item on this project." in report

    # The expert reads the reason on their timesheet and appeals.
    week = text_of(expert_browser.get(f"/expert/engagements/{engagement.pk}/timesheet/?week={monday}"))
    assert "Rejected on" in week
    assert "No agenda was attached" in week
    assert "Rejected time (2 h this week) still counts as hours worked" in week
    appeal = f"/expert/work/time-entries/{entries[3].pk}/appeal/"
    empty = expert_browser.post(appeal, {"reason": ""})
    assert empty.status_code == 400
    assert "This field is required." in field_error(empty, f"appeal_{entries[3].pk}_reason")
    assert expert_browser.post(appeal, {"reason": "The agenda is in the note"}).status_code == 302
    entries[3].refresh_from_db()
    assert entries[3].status == ReviewStatus.APPEALED

    # The reviewer who rejected it sees the appeal but may not decide it.
    queue = lab_browser.get(queue_url)
    assert "Appeals to decide (1)" in text_of(queue)
    assert "The expert's appeal: The agenda is in the note" in text_of(queue)
    assert "You rejected this, so a different reviewer decides the appeal." in text_of(queue)
    decide = f"{base}/{entries[3].pk}/decide/"
    same = lab_browser.post(decide, {"decision": "approve", "reason": "Fine"})
    assert same.status_code == 403
    assert "The reviewer who rejected the work cannot decide its appeal." in text_of(same)
    entries[3].refresh_from_db()
    assert entries[3].status == ReviewStatus.APPEALED

    colleague = UserFactory(role=Role.LAB_MEMBER)
    lab_member_add(actor=owner, lab=engagement.project.lab, email=colleague.email, role="reviewer")
    colleague_browser = log_in(colleague)
    missing = colleague_browser.post(decide, {"decision": "approve", "reason": ""})
    assert missing.status_code == 400
    assert "This field is required." in field_error(missing, f"decide_time-entries_{entries[3].pk}_reason")
    decided = colleague_browser.post(decide, {"decision": "approve", "reason": "The agenda is there"})
    assert decided.status_code == 302
    entries[3].refresh_from_db()
    assert (entries[3].status, entries[3].appeal_decided_by) == ("approved", colleague)
    assert "Appeal upheld: The agenda is there" in text_of(
        expert_browser.get(f"/expert/engagements/{engagement.pk}/timesheet/?week={monday}")
    )

    # The rest are approved automatically once the window has passed.
    task_submit(actor=task_engagement.contributor.user, engagement=task_engagement, task_reference="T-1", minutes=15)
    assert work_auto_approve_sweep(now=timezone.now() + timedelta(days=8)) == 2
    statuses = sorted(TimeEntry.objects.values_list("status", flat=True))
    assert statuses == ["approved"] * 4 + ["auto_approved"]
    assert TaskSubmission.objects.get().status == ReviewStatus.AUTO_APPROVED
    assert "Time entries waiting (0)" in text_of(lab_browser.get(queue_url))
    week = text_of(expert_browser.get(f"/expert/engagements/{engagement.pk}/timesheet/?week={monday}"))
    assert "Approved automatically on" in week
    assert "Approved 10 h" in week
    assert task_owner != owner


def test_held_and_judge_routed_tasks_are_in_the_queue_first_and_rejected_tasks_can_be_appealed(per_task):
    engagement, owner = per_task
    user = engagement.contributor.user
    normal = task_submit(actor=user, engagement=engagement, task_reference="T-1", minutes=18)
    routed = task_submit(actor=user, engagement=engagement, task_reference="T-2", minutes=18)
    held = task_submit(actor=user, engagement=engagement, task_reference="T-3", minutes=5, answer={"label": "no"})
    TaskSubmission.objects.filter(pk=routed.pk).update(needs_expert_review=True)
    TaskSubmission.objects.filter(pk=normal.pk).update(needs_expert_review=False)
    TaskSubmission.objects.filter(pk=held.pk).update(needs_expert_review=False)
    browser = log_in(owner)
    queue = text_of(browser.get(f"/lab/projects/{engagement.project_id}/review/"))
    assert queue.index("Task T-2") < queue.index("Task T-1") < queue.index("Task T-3")
    assert "Routed to a person by the judge" in queue
    assert "Held: Done in 5 of an estimated 20 minutes (under half): a person reviews it." in queue
    assert "answer “no”" in queue

    base = f"/lab/projects/{engagement.project_id}/review/tasks"
    assert browser.post(f"{base}/{held.pk}/reject/", {"reason": "Wrong label"}).status_code == 302
    expert = log_in(user)
    page = text_of(expert.get(f"/expert/engagements/{engagement.pk}/tasks/"))
    assert "Rejected on" in page
    assert "Wrong label" in page
    appealed = expert.post(f"/expert/work/tasks/{held.pk}/appeal/", {"reason": "It really is no"})
    assert appealed.status_code == 302
    held.refresh_from_db()
    assert held.status == ReviewStatus.APPEALED
    twice = expert.post(f"/expert/work/tasks/{held.pk}/appeal/", {"reason": "Again"})
    assert twice.status_code == 400
    assert "Only a rejection can be appealed, once." in text_of(twice)


def test_routed_tasks_lead_the_queue_names_end_one_sentence_and_appeals_say_how_they_close(stripe_server):
    lab, owner = make_lab(name="Grading Lab")
    project = _running(
        lab, owner, title="ECG grading", pay_model="per_task", rate_minor=3000, task_estimate_minutes=20, headcount=3
    )
    engagement = _engage(owner, project, make_vetted_expert(display_name="Dr. Amara O."))
    user = engagement.contributor.user
    appealed = task_submit(actor=user, engagement=engagement, task_reference="T-1", minutes=18)
    normal = task_submit(actor=user, engagement=engagement, task_reference="T-2", minutes=18)
    routed = task_submit(actor=user, engagement=engagement, task_reference="T-3", minutes=18)
    TaskSubmission.objects.filter(pk=routed.pk).update(needs_expert_review=True)
    TaskSubmission.objects.filter(pk__in=[normal.pk, appealed.pk]).update(needs_expert_review=False)
    browser = log_in(owner)
    base = f"/lab/projects/{project.pk}/review/tasks"
    assert browser.post(f"{base}/{appealed.pk}/reject/", {"reason": "Wrong label"}).status_code == 302
    assert log_in(user).post(f"/expert/work/tasks/{appealed.pk}/appeal/", {"reason": "It is right"}).status_code == 302

    queue = text_of(browser.get(f"/lab/projects/{project.pk}/review/"))
    assert queue.index("Routed to a person by the judge (1)") < queue.index("Appeals to decide (1)")
    assert queue.index("Task T-3") < queue.index("Task T-1") < queue.index("Task T-2")
    appeal_card = queue[queue.index("Appeals to decide") : queue.index("Time entries waiting")]
    assert "rejected, then appealed" in appeal_card
    assert "unless a reviewer decides it first" in appeal_card
    assert "unless reviewed first" not in appeal_card

    approved = browser.post(f"{base}/{routed.pk}/approve/", follow=True)
    assert "Approved: Dr. Amara O.'s task T-3." in text_of(approved)
    assert ".." not in text_of(approved)


def test_a_viewer_sees_the_queue_but_cannot_review(hourly):
    engagement, owner = hourly
    entry = time_entry_log(
        actor=engagement.contributor.user, engagement=engagement, activity="meeting", work_date=_today(), minutes=30
    )
    viewer = UserFactory(role=Role.LAB_MEMBER)
    lab_member_add(actor=owner, lab=engagement.project.lab, email=viewer.email, role="viewer")
    browser = log_in(viewer)
    queue = browser.get(f"/lab/projects/{engagement.project_id}/review/")
    assert queue.status_code == 200
    assert "only its owners, managers and reviewers approve or reject work" in text_of(queue)
    assert b"Approve selected" not in queue.content
    base = f"/lab/projects/{engagement.project_id}/review/"
    refused = browser.post(f"{base}time-entries/{entry.pk}/approve/")
    assert refused.status_code == 403
    assert "Only the lab's owners, managers and reviewers review work." in text_of(refused)
    assert browser.post(f"{base}approve/", {"items": [f"time-entries:{entry.pk}"]}).status_code == 403
    assert browser.post(f"{base}time-entries/{entry.pk}/reject/", {"reason": "no"}).status_code == 403
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.SUBMITTED
    # Viewers see quality too, but gold answers are for owners and managers.
    quality = browser.get(f"/lab/projects/{engagement.project_id}/quality/")
    assert "The lab's owners and managers add gold answers." in text_of(quality)
    gold = browser.post(f"/lab/projects/{engagement.project_id}/quality/gold/", {"task_reference": "G", "label": "x"})
    assert gold.status_code == 403
    assert not GoldAnswer.objects.exists()


# --- quality ----------------------------------------------------------------------------


def test_quality_pages_show_scores_with_their_inputs_after_a_gold_answer_and_a_recompute(per_task):
    engagement, owner = per_task
    project = engagement.project
    second = _engage(owner, project, make_vetted_expert(display_name="Dr Ben"))
    first_user, second_user = engagement.contributor.user, second.contributor.user
    answers = {first_user: {"G1": "yes", "I1": "x", "I2": "p"}, second_user: {"G1": "no", "I1": "x", "I2": "q"}}
    submitted = {}
    for user, labels in answers.items():
        mine = engagement if user == first_user else second
        for ref, label in labels.items():
            submitted[(user, ref)] = task_submit(
                actor=user, engagement=mine, task_reference=ref, minutes=15, answer={"label": label}
            )
    work_reject(actor=owner, item=submitted[(second_user, "G1")], reason="Wrong on a known item")

    browser = log_in(owner)
    url = f"/lab/projects/{project.pk}/quality/"
    before = text_of(browser.get(url))
    assert "Not measured yet" in before
    assert "No scores yet." in before

    refused = browser.post(f"{url}gold/", {"task_reference": "G1", "label": ""})
    assert refused.status_code == 400
    assert "This field is required." in field_error(refused, "gold_label")
    assert 'value="G1"' in refused.content.decode()
    assert browser.post(f"{url}gold/", {"task_reference": "G1", "label": "yes"}).status_code == 302
    duplicate = browser.post(f"{url}gold/", {"task_reference": "G1", "label": "no"})
    assert "Already gold." in field_error(duplicate, "gold_task_reference")
    assert browser.post(f"{url}recompute/").status_code == 302
    assert QualityScore.objects.filter(project=project).count() == 2

    page = text_of(browser.get(url))
    assert re.search(r"Krippendorff's alpha: -?\d\.\d\d", page)
    assert "Dr Ada" in page
    assert "Dr Ben" in page
    assert "1 correct of 1 task whose right answer the lab knows (100%)" in page
    assert "0 correct of 1 task whose right answer the lab knows (0%)" in page
    assert "Agreed with the others on 1 of 3 items that other experts labelled too (33%)" in page
    assert "0 approved of 1 reviewed (0%)" in page
    assert "G1 yes" in page
    assert re.search(rf"{re.escape(owner.email)} 1 1 0% \(0 of 1\) 100% \(1 of 1\)", page)

    mine = text_of(log_in(first_user).get("/expert/quality/"))
    assert "How your score is made" in mine
    assert "ECG grading · Grading Lab" in mine
    assert (
        "Gold answers: 1 correct of 1 task whose right answer the lab knows (100%). Weight 0.5: 63% of this score."
        in mine
    )
    assert "Agreement with other experts: agreed with the others on 1 of 3 items" in mine
    assert "Reviews: no work reviewed yet. Left out; the other weights are scaled up." in mine
    assert "Project agreement (Krippendorff's alpha):" in mine
    score = QualityScore.objects.get(contributor=engagement.contributor)
    assert f"{score.score} of 1" in mine
    assert "No scores yet." in text_of(log_in(make_vetted_expert().user).get("/expert/quality/"))


# --- who may see and do what ------------------------------------------------------------


def test_another_labs_member_gets_404_on_the_review_and_quality_pages_and_every_post(hourly):
    engagement, _ = hourly
    entry = time_entry_log(
        actor=engagement.contributor.user, engagement=engagement, activity="meeting", work_date=_today(), minutes=30
    )
    _, stranger = make_lab()
    intruder = log_in(stranger)
    base = f"/lab/projects/{engagement.project_id}"
    for path in (f"{base}/review/", f"{base}/quality/"):
        assert intruder.get(path).status_code == 404, path
    events = AuditEvent.objects.count()
    posts = {
        f"{base}/review/time-entries/{entry.pk}/approve/": {},
        f"{base}/review/time-entries/{entry.pk}/reject/": {"reason": "mine"},
        f"{base}/review/time-entries/{entry.pk}/decide/": {"decision": "approve", "reason": "mine"},
        f"{base}/review/approve/": {"items": [f"time-entries:{entry.pk}"]},
        f"{base}/quality/gold/": {"task_reference": "G1", "label": "yes"},
        f"{base}/quality/recompute/": {},
    }
    for path, data in posts.items():
        assert intruder.post(path, data).status_code == 404, path
    assert AuditEvent.objects.count() == events
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.SUBMITTED
    assert not GoldAnswer.objects.exists()
    # Nor may they reach the work through their own project's URLs.
    own = _running(*make_lab())
    assert intruder.get(f"/lab/projects/{own.pk}/review/").status_code == 404  # not their lab either
    owner_of_own = own.lab.memberships.get().user
    mine = log_in(owner_of_own)
    assert mine.post(f"/lab/projects/{own.pk}/review/time-entries/{entry.pk}/approve/").status_code == 404
    assert (
        mine.post(f"/lab/projects/{own.pk}/review/approve/", {"items": [f"time-entries:{entry.pk}"]}).status_code == 400
    )
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.SUBMITTED


def test_an_expert_gets_404_on_another_experts_work_and_other_roles_get_403(hourly):
    engagement, owner = hourly
    entry = time_entry_log(
        actor=engagement.contributor.user, engagement=engagement, activity="meeting", work_date=_today(), minutes=30
    )
    work_reject(actor=owner, item=entry, reason="Missing agenda")
    other = log_in(make_vetted_expert().user)
    pk = engagement.pk
    for path in (
        f"/expert/engagements/{pk}/timesheet/",
        f"/expert/engagements/{pk}/history/",
        f"/expert/engagements/{pk}/tasks/",
    ):
        assert other.get(path).status_code == 404, path
    posts = {
        f"/expert/engagements/{pk}/timesheet/log/": _duration(_today(), "30"),
        f"/expert/engagements/{pk}/tasks/submit/": {"task_reference": "T-1", "minutes": "5"},
        f"/expert/time-entries/{entry.pk}/correct/": {**_duration(_today(), "60", "meeting"), "reason": "mine"},
        f"/expert/work/time-entries/{entry.pk}/appeal/": {"reason": "mine"},
    }
    for path, data in posts.items():
        assert other.post(path, data).status_code == 404, path
    assert TimeEntry.objects.count() == 1
    entry.refresh_from_db()
    assert entry.status == ReviewStatus.REJECTED
    # Lab members are not experts, and experts are not lab members.
    lab_browser = log_in(owner)
    assert lab_browser.get(f"/expert/engagements/{pk}/timesheet/").status_code == 403
    assert lab_browser.get("/expert/quality/").status_code == 403
    expert_browser = log_in(engagement.contributor.user)
    assert expert_browser.get(f"/lab/projects/{engagement.project_id}/review/").status_code == 403
    assert expert_browser.get(f"/lab/projects/{engagement.project_id}/quality/").status_code == 403
    # The lab cannot appeal for the expert, nor the expert review their own work.
    assert lab_browser.post(f"/expert/work/time-entries/{entry.pk}/appeal/", {"reason": "x"}).status_code == 403


def test_junk_input_is_never_a_server_error(hourly, per_task):
    engagement, owner = hourly
    task_engagement, task_owner = per_task
    user = engagement.contributor.user
    entry = time_entry_log(actor=user, engagement=engagement, activity="meeting", work_date=_today(), minutes=30)
    task = task_submit(
        actor=task_engagement.contributor.user, engagement=task_engagement, task_reference="T", minutes=9
    )
    junk = ["", " ", "abc", "-1", "0", "1e400", "NaN", "²", "99999999999999999999999", "<b>x</b>", "\x00", "25:99"]
    junk += ["2025-02-30T09:00", "0001-01-01T00:00", "9999-12-31T23:59", "2025-03-09T02:30", "+05:00"]
    expert = log_in(user)
    task_expert = log_in(task_engagement.contributor.user)
    time_fields = ["mode", "started_at", "ended_at", "work_date", "minutes", "activity", "note", "task_reference"]
    for value in junk:
        for mode in ("range", "duration", value):
            data = {**dict.fromkeys(time_fields, value), "mode": mode}
            assert expert.post(f"/expert/engagements/{engagement.pk}/timesheet/log/", data).status_code < 500
            correction = {**data, "reason": value}
            assert expert.post(f"/expert/time-entries/{entry.pk}/correct/", correction).status_code < 500
        for field in ("started_at", "ended_at"):
            data = {**_range(_today() - timedelta(days=1), (9, 0), (10, 0)), field: value}
            assert expert.post(f"/expert/engagements/{engagement.pk}/timesheet/log/", data).status_code < 500
        # A NUL in the query is refused before any view reads it; any other junk week shows this one.
        week = expert.get(f"/expert/engagements/{engagement.pk}/timesheet/", {"week": value}).status_code
        assert week == (400 if "\x00" in value else 200)
        assert expert.post(f"/expert/work/time-entries/{entry.pk}/appeal/", {"reason": value}).status_code < 500
        submit = {"task_reference": value, "minutes": value, "label": value}
        assert task_expert.post(f"/expert/engagements/{task_engagement.pk}/tasks/submit/", submit).status_code < 500
    lab = log_in(owner)
    task_lab = log_in(task_owner)
    base = f"/lab/projects/{engagement.project_id}"
    for value in junk:
        for action in ("reject", "decide"):
            data = {"reason": value, "decision": value}
            assert lab.post(f"{base}/review/time-entries/{entry.pk}/{action}/", data).status_code < 500
        assert lab.post(f"{base}/review/approve/", {"items": [value, value]}).status_code < 500
        assert lab.post(f"{base}/quality/gold/", {"task_reference": value, "label": value}).status_code < 500
        tasks = f"/lab/projects/{task_engagement.project_id}/review/tasks/{task.pk}"
        assert task_lab.post(f"{tasks}/reject/", {"reason": value}).status_code < 500
    for path in (
        f"{base}/review/notakind/{entry.pk}/approve/",
        f"{base}/review/tasks/{entry.pk}/approve/",
        f"{base}/review/time-entries/99999999999999999999/approve/",
        "/lab/projects/99999999999999999999/review/",
        "/expert/work/notakind/1/appeal/",
    ):
        assert lab.post(path).status_code in (403, 404), path
    assert expert.get("/expert/engagements/99999999999999999999/timesheet/").status_code == 404
    assert expert.post("/expert/work/notakind/1/appeal/", {"reason": "x"}).status_code == 404
    assert expert.get(f"/expert/engagements/{engagement.pk}/timesheet/log/").status_code == 405


# --- the days a timesheet offers -----------------------------------------------------------


def test_the_timesheet_offers_only_days_within_the_engagement(hourly):
    engagement, _ = hourly
    browser = log_in(engagement.contributor.user)
    url = f"/expert/engagements/{engagement.pk}/timesheet/"
    first = engagement.started_at.astimezone(LA).date()
    first_week = week_of(first)[0]

    # The week the engagement began: the days before it say so, and nothing earlier is offered.
    page = browser.get(f"{url}?week={first_week}")
    html = page.content.decode()
    if first > first_week:
        assert "Before the engagement." in text_of(page)
    assert f'href="?week={first_week - timedelta(days=7)}"' not in html
    assert "Previous week" not in text_of(page)
    assert f'min="{first.isoformat()}"' in html
    assert f'max="{_today().isoformat()}"' in html
    # A week long before it shows the engagement's first week instead.
    assert f"Week of {first_week:%-d %b}" in text_of(browser.get(f"{url}?week={first - timedelta(days=60)}"))
    # A day before it is refused on its field, nothing written.
    refused = browser.post(f"{url}log/?week={first_week}", _duration(first - timedelta(days=1), 30))
    assert refused.status_code == 400
    assert "The engagement runs from" in field_error(refused, "work_date")
    assert not TimeEntry.objects.filter(engagement=engagement).exists()


def test_a_closed_projects_timesheet_says_why_and_still_takes_earlier_work(hourly):
    from marketplace.services import project_transition

    engagement, owner = hourly
    project_transition(actor=owner, project=engagement.project, action="close", reason="Finished early")
    browser = log_in(engagement.contributor.user)
    url = f"/expert/engagements/{engagement.pk}/timesheet/"
    page = browser.get(url)
    assert "because the project was closed" in text_of(page)
    assert "can still be logged" in text_of(page)
    yesterday = _today() - timedelta(days=1)
    assert browser.post(f"{url}log/", _duration(yesterday, 60)).status_code == 302
    # Today the project closed at 08:00 in Los Angeles: a full day cannot have been worked.
    refused = browser.post(f"{url}log/", _duration(_today(), "9:00"))
    assert refused.status_code == 400
    assert "no more than that can be logged" in field_error(refused, "minutes")
