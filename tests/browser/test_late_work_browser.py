"""An expert files late work from the timesheet of a week that has closed, in a real Chromium."""

import re
import zoneinfo
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from marketplace.models import TimeEntry
from payouts.weeks import is_locked, week_of

from tests.helpers.browser import UNLABELLED_CONTROLS_JS, log_in, watch_server_errors
from tests.helpers.factories import PDF_BYTES, make_running_engagement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LA = zoneinfo.ZoneInfo("America/Los_Angeles")


def test_an_expert_files_late_work_with_evidence_from_a_closed_weeks_timesheet(
    browser, live_server, page, screenshot, stripe_server
):
    errors = watch_server_errors(page)
    engagement, _ = make_running_engagement()
    expert = engagement.contributor
    closed_week = week_of(timezone.now().astimezone(LA).date())[0] - timedelta(days=14)
    day = max(closed_week + timedelta(days=3), engagement.started_at.astimezone(LA).date())
    assert is_locked(day)

    log_in(page, expert.user.email)
    page.goto(f"{live_server.url}/expert/engagements/{engagement.pk}/timesheet/?week={closed_week}")
    expect(page.get_by_text("This pay week is locked")).to_be_visible()
    late = page.locator("#late")
    expect(late.get_by_role("heading", name="File late work")).to_be_visible()
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []

    late.get_by_label("A duration on a day").check()
    late.get_by_label("Day:", exact=True).fill(day.isoformat())
    late.get_by_label("Duration:", exact=True).fill("1:30")
    # The reason is required before the form is sent (the server refuses it too).
    expect(late.get_by_label("Why it is logged late")).to_have_attribute("required", "")
    late.get_by_label("Why it is logged late").fill("I was travelling without a connection.")
    late.get_by_label("Evidence (optional)").set_input_files(
        files=[{"name": "ticket.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    late.get_by_role("button", name="File the adjustment request").click()
    expect(page.get_by_text(re.compile(r"Filed 1 h 30 min of late work"))).to_be_visible()
    expect(page.get_by_text("I was travelling without a connection.")).to_be_visible()
    entry = TimeEntry.objects.get(late_request=True)
    assert (entry.minutes, entry.work_date, entry.late_week_start, entry.late_evidence_type) == (
        90,
        day,
        closed_week,
        "application/pdf",
    )
    screenshot(page, "late-work-filed")
    assert errors == []
