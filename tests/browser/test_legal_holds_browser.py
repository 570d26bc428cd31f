"""An operations reviewer places a legal hold on a person found by email, sees it stop their
erasure, and releases it with a note. In a real Chromium."""

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from privacy.models import LegalHold
from privacy.services import erasure_request_open

from tests.helpers.browser import log_in_ops, watch_server_errors
from tests.helpers.factories import make_expert, make_ops

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reviewer_places_a_legal_hold_and_releases_it(live_server, page, screenshot):
    errors = watch_server_errors(page)
    expert = make_expert()
    email = expert.user.email
    erasure = erasure_request_open(actor=expert.user, statement="I am leaving the platform.")
    reviewer, secret = make_ops(Role.OPS_REVIEWER)

    log_in_ops(page, reviewer, secret)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Legal holds").click()
    expect(page.get_by_text("No records are on hold.")).to_be_visible()

    # A mistyped address is caught by the form, with what was typed kept.
    page.get_by_label("The person's email address").fill("nobody@example.test")
    page.get_by_label("Reason").fill("A claim about unpaid hours is before the tribunal.")
    page.get_by_role("button", name="Place the hold").click()
    expect(page.get_by_text("Nobody has an account with this email address.")).to_be_visible()
    page.get_by_label("The person's email address").fill(email)
    page.get_by_role("button", name="Place the hold").click()
    expect(page.get_by_text("they have not been told")).to_be_visible()
    expect(page.locator(".card-list").get_by_text("In force")).to_be_visible()
    screenshot(page, "legal-hold-placed")

    page.goto(f"{live_server.url}/ops/erasure-requests/{erasure.pk}/")
    expect(page.get_by_role("heading", name="Legal hold in force")).to_be_visible()
    expect(page.get_by_text("A claim about unpaid hours is before the tribunal.")).to_be_visible()
    page.get_by_role("link", name=f"See the holds on {email}").click()

    page.get_by_label("Why the hold ends").fill("The claim was settled.")
    page.get_by_role("button", name=f"Release the hold on {email}'s records").click()
    expect(page.get_by_text("the retention schedule applies again")).to_be_visible()
    expect(page.get_by_text("The claim was settled.")).to_be_visible()
    screenshot(page, "legal-hold-released")
    hold = LegalHold.objects.get(user=expert.user)
    assert hold.released_by == reviewer and hold.release_note == "The claim was settled."

    page.goto(f"{live_server.url}/ops/erasure-requests/{erasure.pk}/")
    expect(page.get_by_role("heading", name="Legal hold in force")).to_have_count(0)
    assert errors == []
