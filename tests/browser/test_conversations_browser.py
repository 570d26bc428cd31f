"""A rejection talked through in a real Chromium: the lab rejects an entry with a reason, the expert
answers in the entry's conversation and appeals, another reviewer reads the conversation, answers
and corrects the decision; the expert reads both.

Screenshots land in test-output/screenshots/conversation-*.png.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from conversations.models import Thread
from marketplace.models import ReviewStatus, TimeEntry
from marketplace.services import invitation_send, lab_member_add, staffing_request_accept, time_entry_log

from tests.helpers.browser import UNLABELLED_CONTROLS_JS, log_in, watch_server_errors
from tests.helpers.factories import UserFactory, make_lab, make_open_project, make_vetted_expert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _logged_meeting():
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
    engagement.refresh_from_db()
    colleague = UserFactory(role=Role.LAB_MEMBER, full_name="Rita Reviewer")
    lab_member_add(actor=owner, lab=lab, email=colleague.email, role="reviewer")
    entry = time_entry_log(
        actor=expert.user,
        engagement=engagement,
        activity="meeting",
        work_date=timezone.now().date() - timedelta(days=1),
        minutes=60,
        note="Calibration call",
    )
    return entry, owner, colleague


def _lab_page(browser, live_server, errors):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    errors += watch_server_errors(page)
    return context, page


def test_a_rejection_is_talked_through_and_corrected(browser, live_server, page, screenshot, stripe_server):
    errors = watch_server_errors(page)
    entry, owner, colleague = _logged_meeting()
    expert = entry.contributor

    # The lab rejects the hour with a reason.
    context, lab_page = _lab_page(browser, live_server, errors)
    try:
        log_in(lab_page, owner.email)
        lab_page.goto(f"/lab/projects/{entry.project_id}/review/")
        meeting = lab_page.locator("li.review-item", has_text="Calibration call")
        meeting.get_by_label("Reason (the expert reads it)").fill(
            "Please correct the duration: the call was 30 minutes."
        )
        meeting.get_by_role("button", name=re.compile("^Reject")).click()
        expect(lab_page.get_by_text("The expert reads your reason and may appeal.")).to_be_visible()
    finally:
        context.close()

    # The expert reads the reason, answers it in the entry's conversation, and appeals.
    log_in(page, expert.user.email)
    expect(page).to_have_url(re.compile(r"/expert/$"))
    page.goto(f"/expert/engagements/{entry.engagement_id}/timesheet/?week={entry.work_date}")
    rejected = page.locator("li.entry", has_text="Calibration call")
    expect(rejected).to_contain_text("Please correct the duration: the call was 30 minutes.")
    rejected.get_by_role("link", name=re.compile("^Answer the lab in a conversation")).click()
    expect(page.get_by_role("heading", name=re.compile("Cardiology answer review: time on"))).to_be_visible()
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []
    page.get_by_label("Your message").fill("The call ran a full hour: <the invite> says 10:00-11:00 & we overran.")
    screenshot(page, "conversation-01-expert-answers")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Sent.")).to_be_visible()
    expect(page.locator(".message-body")).to_have_text(
        "The call ran a full hour: <the invite> says 10:00-11:00 & we overran."
    )
    page.get_by_role("link", name="Open the time entry").click()
    rejected = page.locator("li.entry", has_text="Calibration call")
    rejected.locator("summary", has_text="Appeal").click()
    rejected.get_by_label("Why the rejection is wrong").fill("See the conversation: the call lasted an hour.")
    rejected.get_by_role("button", name="Send the appeal").click()
    expect(page.get_by_text("Your appeal is sent.")).to_be_visible()

    # Another reviewer finds the conversation from the appeal, answers, and corrects the decision.
    context, lab_page = _lab_page(browser, live_server, errors)
    try:
        log_in(lab_page, colleague.email)
        lab_page.get_by_role("navigation", name="Main").get_by_role("link", name="Conversations").click()
        expect(lab_page.locator(".conversation-list")).to_contain_text("Unread")
        lab_page.goto(f"/lab/projects/{entry.project_id}/review/")
        appeal = lab_page.locator("#appeals li.review-item")
        appeal.get_by_role("link", name=re.compile("^Conversation with the expert")).click()
        expect(lab_page.locator(".message-body")).to_contain_text("The call ran a full hour")
        lab_page.get_by_label("Your message").fill("You are right, the calendar shows an hour. Approving it now.")
        lab_page.get_by_role("button", name="Send").click()
        expect(lab_page.get_by_text("Sent.")).to_be_visible()
        screenshot(lab_page, "conversation-02-lab-answers")
        lab_page.get_by_role("link", name="Open the time entry").click()
        appeal = lab_page.locator("#appeals li.review-item")
        appeal.get_by_label("Reason for the decision").fill("The expert showed the call lasted an hour.")
        appeal.get_by_role("button", name=re.compile("^Uphold the appeal and approve")).click()
        expect(lab_page.get_by_text(re.compile("is upheld: the work is approved"))).to_be_visible()
    finally:
        context.close()
    assert TimeEntry.objects.get(pk=entry.pk).status == ReviewStatus.APPROVED

    # The expert sees the answer and the corrected decision.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Conversations").click()
    expect(page.locator(".conversation-list")).to_contain_text("Unread")
    page.locator(".conversation-list").get_by_role("link").first.click()
    expect(page.locator(".message-body").nth(1)).to_have_text(
        "You are right, the calendar shows an hour. Approving it now."
    )
    screenshot(page, "conversation-03-expert-reads")
    page.get_by_role("link", name="Open the time entry").click()
    decided = page.locator("li.entry", has_text="Calibration call")
    expect(decided).to_contain_text("Appeal upheld: The expert showed the call lasted an hour.")
    assert Thread.objects.get().messages.count() == 2
    assert errors == []
