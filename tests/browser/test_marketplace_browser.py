"""The lab's main journey in a real Chromium: a lab, a project, funding, matching, staffing.

Stripe is the local test server; it signs and sends its webhook to the live server, so
the project becomes funded exactly as it would in production, after the page is reloaded.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from marketplace.models import Engagement, Project, ProjectStatus
from stripe_local.server import register_webhook, unregister_webhook

from tests.helpers.browser import UNLABELLED_CONTROLS_JS, horizontal_overflow, log_in, reload_until, watch_server_errors
from tests.helpers.factories import UserFactory, make_vetted_expert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FUNDED_WITHIN_SECONDS = 30


@pytest.fixture
def stripe_webhooks(stripe_server, live_server, settings):
    """localstripe delivers its signed webhooks to the live server, as Stripe would."""
    register_webhook(
        name="browser", url=live_server.url + "/stripe/webhooks/platform/", secret=settings.STRIPE_WEBHOOK_SECRET
    )
    yield
    unregister_webhook(name="browser")


def test_lab_drafts_funds_opens_and_staffs_a_project(
    browser, live_server, page, phone_page, screenshot, stripe_webhooks
):
    errors = watch_server_errors(page)
    owner = UserFactory(role=Role.LAB_MEMBER, full_name="Lena Lab")
    expert = make_vetted_expert(weekly_availability_hours=25)
    today = timezone.now().date()

    # A lab of one's own.
    log_in(page, owner.email)
    expect(page).to_have_url(re.compile(r"/$"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Labs").click()
    expect(page).to_have_url(re.compile(r"/lab/$"))
    page.get_by_label("Lab name").fill("Helix Research")
    page.get_by_label("Country").select_option("US")
    screenshot(page, "lab-01-home")
    page.get_by_role("button", name="Create the lab").click()
    expect(page.get_by_role("heading", name="Helix Research")).to_be_visible()
    expect(page.get_by_text("Helix Research is created, and you are its owner.")).to_be_visible()
    expect(page.get_by_role("region", name="Members")).to_contain_text(owner.email)
    screenshot(page, "lab-01b-lab-page")

    # A project whose per-task pay works out below the tier's floor is refused on the rate.
    page.get_by_role("link", name="Draft a project").click()
    expect(page.get_by_role("heading", name="Draft a project")).to_be_visible()
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []
    page.get_by_label("Title").fill("Cardiology answer review")
    page.get_by_label("Brief").fill("Grade model answers to cardiology questions against guidelines.")
    page.get_by_label("Cardiology", exact=True).check()
    page.get_by_label("Lowest tier").select_option("domain")
    page.get_by_label("Professional license").check()
    page.get_by_label("Countries experts may work from").select_option(["US", "GB"])
    page.get_by_label("Languages every expert must work in").select_option(["en"])
    page.get_by_label("Graphic medical imagery").check()
    page.get_by_label("Per task").check()
    page.get_by_label("Currency").select_option("USD")
    page.get_by_label("Rate:", exact=True).fill("5.00")
    page.get_by_label("Minutes a task takes").fill("20")
    page.get_by_label("Hours a week from each expert").fill("10")
    page.get_by_label("Experts needed").fill("2")
    page.get_by_label("Budget:", exact=True).fill("20000.00")
    page.get_by_label("Starts on").fill((today + timedelta(days=1)).isoformat())
    page.get_by_label("Ends on").fill((today + timedelta(days=60)).isoformat())
    with page.expect_response(re.compile(r"/projects/new/$")) as refused:
        page.get_by_role("button", name="Save as a draft").click()
    assert refused.value.status == 400
    rate_field = page.locator(".field", has=page.locator("#id_rate"))
    expect(rate_field).to_have_class(re.compile("field-has-error"))
    expect(rate_field.locator("#id_rate_error")).to_contain_text("below the domain tier's floor of $35.00")
    expect(page.get_by_label("Rate:", exact=True)).to_have_value("5.00")
    expect(page.get_by_label("Title")).to_have_value("Cardiology answer review")
    expect(page.get_by_label("Cardiology", exact=True)).to_be_checked()
    rate_field.scroll_into_view_if_needed()
    screenshot(page, "lab-02-rate-refused")
    assert not Project.objects.exists()

    # Fix it, look at the preview against every place's minimum wage, then save.
    page.get_by_label("Rate:", exact=True).fill("15.00")
    page.get_by_role("button", name="Preview the rate").click()
    preview = page.get_by_role("region", name="Rate preview")
    expect(preview).to_contain_text("Effective pay: $45.00 an hour")
    expect(preview).to_contain_text("This rate meets every floor in force below.")
    expect(preview.get_by_role("row", name=re.compile(r"^California"))).to_contain_text("Meets the floor")
    preview.scroll_into_view_if_needed()
    screenshot(page, "lab-03-rate-preview")
    assert not Project.objects.exists()
    page.get_by_role("button", name="Save as a draft").click()
    expect(page.get_by_text("The project is saved as a draft.")).to_be_visible()
    expect(page.locator(".page-head .badge")).to_have_text("Draft")
    project = Project.objects.get()
    assert (project.rate_minor, project.task_estimate_minutes) == (1500, 20)

    # Fund with the Visa test card; the page says so until Stripe's webhook confirms it.
    page.get_by_role("button", name="Pay $30,000.00 with a test card (Visa, succeeds)").click()
    expect(page.get_by_text("Payment sent. Waiting for Stripe to confirm; refresh in a moment.")).to_be_visible()
    screenshot(page, "lab-04-payment-sent")
    reload_until(page, page.get_by_role("heading", name="Status: Funded"), timeout=FUNDED_WITHIN_SECONDS)
    expect(page.locator("#funding .badge")).to_have_text("Paid")
    project.refresh_from_db()
    assert project.status == ProjectStatus.FUNDED

    page.get_by_role("button", name="Open to experts").click()
    expect(page.get_by_text("The project is now open.")).to_be_visible()
    expect(page.locator(".page-head .badge")).to_have_text("Open")

    # The ranked candidates, with the reasons for each score; invite the best one.
    candidate = page.locator("li.candidate", has=page.get_by_role("heading", name="Dr Ada"))
    expect(candidate).to_contain_text("Exact specialty match (Cardiology): +30")
    expect(candidate.locator(".score")).to_contain_text("/ 100")
    candidate.get_by_label("Message (optional)").fill("Your ECG work is exactly what we need.")
    screenshot(page, "lab-05-candidates")
    candidate.get_by_role("button", name="Invite Dr Ada").click()
    expect(page.get_by_text("Dr Ada is invited.")).to_be_visible()
    expect(page.locator("#requests")).to_contain_text("Waiting for the expert to answer.")

    # The expert, in a browser of their own, reads the terms and accepts.
    expert_context = browser.new_context(base_url=live_server.url)
    try:
        expert_page = expert_context.new_page()
        expert_page.set_default_timeout(15000)
        errors += watch_server_errors(expert_page)
        log_in(expert_page, expert.user.email)
        expect(expert_page).to_have_url(re.compile(r"/expert/$"))
        # Open projects are listed for applying; this one is already offered to them.
        expert_page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
        listed = expert_page.locator(
            "li.project-card", has=expert_page.get_by_role("heading", name="Cardiology answer review")
        )
        expect(listed).to_contain_text("Invitation or application pending")
        screenshot(expert_page, "lab-06a-expert-projects")
        expert_page.get_by_role("navigation", name="Main").get_by_role("link", name="Invitations").click()
        invitation = expert_page.locator(
            "li.invitation", has=expert_page.get_by_role("heading", name="Cardiology answer review")
        )
        expect(invitation).to_contain_text("$15.00 a task, estimated at 20 minutes a task: about $45.00 an hour")
        expect(invitation).to_contain_text("About 20 minutes, as the lab estimates it")
        expect(invitation.locator(".sensitive-warning")).to_contain_text("Graphic medical imagery")
        expect(invitation).to_contain_text("Your ECG work is exactly what we need.")
        screenshot(expert_page, "lab-06-expert-invitation")
        invitation.get_by_role("button", name="Accept the invitation to Cardiology answer review").click()
        expect(expert_page.get_by_text("You joined “Cardiology answer review” at $15.00 a task.")).to_be_visible()
        expect(expert_page.locator("#engagements")).to_contain_text("Cardiology answer review")
        screenshot(expert_page, "lab-07-expert-engagement")
    finally:
        expert_context.close()

    page.reload()
    engaged = page.locator("#engagements")
    expect(engaged).to_contain_text("Dr Ada")
    expect(engaged).to_contain_text("$15.00 a task")
    expect(page.locator("#budget")).to_contain_text("1 active engagement")
    screenshot(page, "lab-08-project-staffed")
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []
    engagement = Engagement.objects.get()
    assert (engagement.contributor_id, engagement.rate_minor) == (expert.pk, 1500)

    # A rate change is seen against every floor first, and saved only on confirmation.
    rate = page.locator("#rate")
    rate.get_by_label("New rate").fill("13.00")
    rate.get_by_label("Reason").fill("The tasks got shorter with better tooling.")
    rate.get_by_role("button", name="Preview the change").click()
    expect(rate.get_by_role("region", name="Preview of the new rate")).to_contain_text("Effective pay: $39.00 an hour")
    rate.scroll_into_view_if_needed()
    screenshot(page, "lab-09-rate-change-preview")
    rate.get_by_role("button", name="Confirm the change").click()
    expect(page.get_by_text("The new rate applies to engagements that start on or after")).to_be_visible()
    expect(page.locator("#engagements")).to_contain_text("$15.00 a task")
    project.refresh_from_db()
    assert project.rate_minor == 1300
    assert Engagement.objects.get().rate_minor == 1500

    # The same project page on a phone: everything reachable without sideways scrolling.
    errors += watch_server_errors(phone_page)
    log_in(phone_page, owner.email)
    expect(phone_page).to_have_url(re.compile(r"/$"))
    phone_page.goto(f"/lab/projects/{project.pk}/")
    expect(phone_page.get_by_role("heading", name="Budget")).to_be_visible()
    assert horizontal_overflow(phone_page) <= 0, "the project page scrolls sideways on a phone"
    screenshot(phone_page, "phone-lab-project")
    assert errors == []
