"""An expert's week and the lab's review of it, in a real Chromium: log, refuse an overlap, review, appeal.

Screenshots of each step land in test-output/screenshots/work-*.png; the timesheet is also
checked at phone width.
"""

import re
import zoneinfo
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from marketplace.models import ReviewStatus, TimeEntry
from marketplace.services import invitation_send, lab_member_add, staffing_request_accept
from payouts.weeks import week_of

from tests.helpers.browser import UNLABELLED_CONTROLS_JS, horizontal_overflow, log_in, watch_server_errors
from tests.helpers.factories import UserFactory, make_lab, make_open_project, make_vetted_expert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LA = zoneinfo.ZoneInfo("America/Los_Angeles")


def _running_engagement():
    """An expert engaged by the hour on a project that began two weeks ago, plus two lab reviewers."""
    lab, owner = make_lab(name="Helix Research")
    owner.full_name = "Olga Owner"
    owner.save(update_fields=["full_name"])
    project = make_open_project(lab, owner, title="Cardiology answer review", headcount=3)
    type(project).objects.filter(pk=project.pk).update(starts_on=timezone.now().date() - timedelta(days=14))
    expert = make_vetted_expert()
    engagement = staffing_request_accept(
        actor=expert.user, request=invitation_send(actor=owner, project=project, contributor=expert)
    )
    type(engagement).objects.filter(pk=engagement.pk).update(started_at=timezone.now() - timedelta(days=14))
    colleague = UserFactory(role=Role.LAB_MEMBER, full_name="Rita Reviewer")
    lab_member_add(actor=owner, lab=lab, email=colleague.email, role="reviewer")
    return engagement, owner, colleague


def _log_range(page, day, start: str, end: str, kind: str, note: str = "") -> None:
    form = page.locator("#log")
    form.get_by_label("A start and an end").check()
    form.get_by_label("Start:", exact=True).fill(f"{day.isoformat()}T{start}")
    form.get_by_label("End:", exact=True).fill(f"{day.isoformat()}T{end}")
    form.get_by_label("Kind of work").select_option(label=kind)
    form.get_by_label("Note (optional)").fill(note)
    form.get_by_role("button", name="Log the time").click()


def test_an_experts_week_is_reviewed_and_an_appeal_decided_by_another_reviewer(
    browser, live_server, page, phone_page, screenshot, stripe_server
):
    errors = watch_server_errors(page)
    engagement, owner, colleague = _running_engagement()
    expert = engagement.contributor
    monday = week_of(timezone.now().astimezone(LA).date())[0] - timedelta(days=7)
    tuesday, wednesday, thursday = (monday + timedelta(days=n) for n in (1, 2, 3))

    # The expert finds the timesheet from their engagements and goes back a week.
    log_in(page, expert.user.email)
    expect(page).to_have_url(re.compile(r"/expert/$"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invitations").click()
    page.get_by_role("link", name="Timesheet for Cardiology answer review").click()
    expect(page.get_by_role("heading", name="Log time")).to_be_visible()
    expect(page.get_by_text("Times are in your time zone, America/Los_Angeles.")).to_be_visible()
    page.get_by_role("link", name="← Previous week").click()
    expect(page.get_by_role("heading", name=re.compile(rf"^Week of {monday:%-d %b}"))).to_be_visible()
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []

    # A week of mixed work: start-and-end entries and a duration on a day.
    _log_range(page, monday, "09:00", "12:00", "Task work", "Graded 14 answers")
    expect(page.get_by_text(f"Logged 3 h of task work on {monday:%a %-d %b %Y}.")).to_be_visible()
    _log_range(page, tuesday, "10:00", "11:30", "Training", "Rubric walkthrough")
    _log_range(page, wednesday, "14:00", "15:00", "Meeting", "Calibration call")
    form = page.locator("#log")
    form.get_by_label("A duration on a day").check()
    expect(form.get_by_label("Start:", exact=True)).to_be_hidden()
    form.get_by_label("Day:", exact=True).fill(thursday.isoformat())
    form.get_by_label("Duration:", exact=True).fill("1:15")
    form.get_by_label("Kind of work").select_option(label="Assessment")
    form.get_by_role("button", name="Log the time").click()
    expect(page.get_by_text(f"Logged 1 h 15 min of assessment on {thursday:%a %-d %b %Y}.")).to_be_visible()
    week = page.locator("#week")
    expect(week.locator(".week-totals dd").first).to_have_text("6 h 45 min")
    monday_row = week.locator("li.day", has=page.locator(f"#day-{monday.isoformat()}"))
    expect(monday_row.locator(".day-total")).to_contain_text("3 h")
    expect(monday_row).to_contain_text("09:00\N{EN DASH}12:00 · 3 h · Task work")
    screenshot(page, "work-01-expert-week")

    # An overlap is refused next to the start, naming the entry it clashes with; what was typed stays.
    with page.expect_response(re.compile(r"/timesheet/log/")) as refused:
        _log_range(page, monday, "11:00", "13:00", "Review", "Second pass")
    assert refused.value.status == 400
    start_field = page.locator("#log .field", has=page.locator("#id_started_at"))
    expect(start_field).to_have_class(re.compile("field-has-error"))
    expect(start_field.locator("#id_started_at_error")).to_contain_text(
        f"Overlaps your entry of {monday:%d %b %Y} 09:00-12:00 (task work)."
    )
    expect(page.locator("#id_started_at")).to_have_value(f"{monday.isoformat()}T11:00")
    expect(page.locator("#id_note")).to_have_value("Second pass")
    start_field.scroll_into_view_if_needed()
    screenshot(page, "work-02-overlap-refused")
    assert TimeEntry.objects.count() == 4

    # The lab: from the project page to its review queue; approve two together, reject one.
    lab_context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    try:
        lab_page = lab_context.new_page()
        lab_page.set_default_timeout(15000)
        errors += watch_server_errors(lab_page)
        log_in(lab_page, owner.email)
        lab_page.goto(f"/lab/projects/{engagement.project_id}/")
        lab_page.locator(".page-head").get_by_role("link", name="Review queue").click()
        expect(lab_page.get_by_role("heading", name=re.compile("^Review queue"))).to_be_visible()
        expect(lab_page.get_by_text("Review window: 7 days.")).to_be_visible()
        expect(lab_page.get_by_role("heading", name="Time entries waiting (4)")).to_be_visible()
        assert lab_page.evaluate(UNLABELLED_CONTROLS_JS) == []
        lab_page.get_by_label(f"Select 3 h of task work by Dr Ada on {monday:%-d %b %Y}").check()
        lab_page.get_by_label(f"Select 1 h 30 min of training by Dr Ada on {tuesday:%-d %b %Y}").check()
        screenshot(lab_page, "work-03-review-queue")
        lab_page.get_by_role("button", name="Approve selected").click()
        expect(lab_page.get_by_text("Approved 2 items.")).to_be_visible()
        expect(lab_page.get_by_role("heading", name="Time entries waiting (2)")).to_be_visible()
        meeting = lab_page.locator("li.review-item", has_text="Calibration call")
        meeting.get_by_label("Reason (the expert reads it)").fill("Calibration calls are not billable on this project.")
        meeting.get_by_role("button", name=re.compile("^Reject")).click()
        expect(lab_page.get_by_text("The expert reads your reason and may appeal.")).to_be_visible()

        # The expert reads the reason and appeals.
        page.goto(f"/expert/engagements/{engagement.pk}/timesheet/?week={monday}")
        rejected = page.locator("li.entry", has_text="Calibration call")
        expect(rejected).to_contain_text("Calibration calls are not billable on this project.")
        expect(rejected.locator(".badge")).to_have_text("Rejected")
        rejected.locator("summary", has_text="Appeal").click()
        rejected.get_by_label("Why the rejection is wrong").fill("The brief lists calibration as paid onboarding.")
        screenshot(page, "work-04-expert-appeal")
        rejected.get_by_role("button", name="Send the appeal").click()
        expect(page.get_by_text("Your appeal is sent.")).to_be_visible()
        expect(page.locator("li.entry", has_text="Calibration call").locator(".badge")).to_have_text("Appealed")
        expect(page.locator("li.entry", has_text="Graded 14 answers").locator(".badge")).to_have_text("Approved")

        # The reviewer who rejected it sees the appeal but does not decide it.
        lab_page.reload()
        appeal = lab_page.locator("#appeals li.review-item")
        expect(appeal).to_contain_text("The expert's appeal: The brief lists calibration as paid onboarding.")
        expect(appeal).to_contain_text("You rejected this, so a different reviewer decides the appeal.")
        expect(appeal.get_by_role("button", name=re.compile("^Uphold"))).to_have_count(0)
        screenshot(lab_page, "work-05-appeal-waiting")
    finally:
        lab_context.close()

    # A second reviewer decides it.
    reviewer_context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    try:
        reviewer_page = reviewer_context.new_page()
        reviewer_page.set_default_timeout(15000)
        errors += watch_server_errors(reviewer_page)
        log_in(reviewer_page, colleague.email)
        reviewer_page.goto(f"/lab/projects/{engagement.project_id}/review/")
        appeal = reviewer_page.locator("#appeals li.review-item")
        appeal.get_by_label("Reason for the decision").fill("Agreed: the brief counts calibration as onboarding.")
        screenshot(reviewer_page, "work-06-second-reviewer-decides")
        appeal.get_by_role("button", name=re.compile("^Uphold the appeal and approve")).click()
        expect(reviewer_page.get_by_text(re.compile("is upheld: the work is approved"))).to_be_visible()
        expect(reviewer_page.get_by_role("heading", name="Appeals to decide (0)")).to_be_visible()
    finally:
        reviewer_context.close()
    meeting = TimeEntry.objects.get(note="Calibration call")
    assert (meeting.status, meeting.appeal_decided_by_id) == (ReviewStatus.APPROVED, colleague.pk)

    page.reload()
    decided = page.locator("li.entry", has_text="Calibration call")
    expect(decided).to_contain_text("Appeal upheld: Agreed: the brief counts calibration as onboarding.")
    expect(page.locator(".week-totals dd").nth(1)).to_have_text("5 h 30 min")
    screenshot(page, "work-07-expert-week-after-review")

    # The same timesheet on a phone: nothing scrolls sideways, the forms still fit.
    errors += watch_server_errors(phone_page)
    log_in(phone_page, expert.user.email)
    expect(phone_page).to_have_url(re.compile(r"/expert/$"))
    phone_page.goto(f"/expert/engagements/{engagement.pk}/timesheet/?week={monday}")
    expect(phone_page.get_by_role("heading", name="Log time")).to_be_visible()
    assert horizontal_overflow(phone_page) <= 0, "the timesheet scrolls sideways on a phone"
    screenshot(phone_page, "phone-work-timesheet")
    entry = phone_page.locator("li.entry", has_text="Rubric walkthrough")
    entry.locator("summary", has_text="Correct").click()
    expect(entry.get_by_label("Why it changes")).to_be_visible()
    assert horizontal_overflow(phone_page) <= 0, "the correction form scrolls sideways on a phone"
    entry.scroll_into_view_if_needed()
    screenshot(phone_page, "phone-work-correction")
    assert errors == []
