"""An expert verifies their identity on their identity page, in a real Chromium.

The expert finds the page from the menu and starts; the local Stripe server's hosted page
stands in for Stripe's capture page and sends them back; Stripe's signed Identity webhooks
reach the live server, which re-reads the session. Verified: the page shows the name on the
document and the date. Needs another try: the page says why in plain words and offers to try
again, which resumes the same session at Stripe.
"""

import re

import pytest
from playwright.sync_api import expect

from identity.models import IdentityVerification, VerificationStatus
from identity.selectors import payout_blocks

from tests.helpers.browser import UNLABELLED_CONTROLS_JS, log_in, reload_until, watch_server_errors
from tests.helpers.factories import make_expert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _start_at_stripe(page) -> IdentityVerification:
    """The expert starts (or resumes) and comes back from Stripe's page to theirs."""
    page.get_by_role("button", name=re.compile("^(Verify my identity|Try again)$")).click()
    expect(page).to_have_url(re.compile(r"/me/identity/$"))
    return IdentityVerification.objects.get()


def test_an_expert_verifies_their_identity_and_the_page_shows_the_verified_state(page, platform_webhooks, screenshot):
    stripe_server = platform_webhooks
    errors = watch_server_errors(page)
    expert = make_expert(identity_verified=False, legal_name="Ada Example")

    log_in(page, expert.user.email)
    expect(page).to_have_url(re.compile(r"/expert/$"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Identity").click()
    expect(page.get_by_role("heading", name="Your identity")).to_be_visible()
    expect(page.get_by_text("Not started", exact=True)).to_be_visible()
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []
    screenshot(page, "identity-01-not-started")

    verification = _start_at_stripe(page)
    assert verification.stripe_session_id.startswith("vs_")
    # Back from Stripe's page: Stripe's "processing" webhook has reached us.
    reload_until(page, page.get_by_text("Stripe is checking your documents"), timeout=10)
    expect(page.get_by_role("button", name="Verify my identity")).to_have_count(0)

    stripe_server.identity_session_verify(
        verification.stripe_session_id,
        first_name="Ada",
        last_name="Example",
        dob={"day": 2, "month": 3, "year": 1985},
        id_number="X1234567",
        issuing_country="GB",
    )
    reload_until(page, page.get_by_text("Your identity is verified."), timeout=10)
    expect(page.get_by_text("Ada Example", exact=True)).to_be_visible()
    expect(page.get_by_text("17 Jun 2026")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Verify my identity|Try again"))).to_have_count(0)
    expect(page.get_by_text("X1234567")).to_have_count(0)
    screenshot(page, "identity-02-verified")

    verification.refresh_from_db()
    assert verification.status == VerificationStatus.VERIFIED
    assert payout_blocks(contributor_ids=[expert.pk], on=None) == {}
    assert errors == []


def test_a_failed_check_is_explained_in_plain_words_and_trying_again_resumes_the_same_session(
    page, platform_webhooks, screenshot
):
    stripe_server = platform_webhooks
    errors = watch_server_errors(page)
    expert = make_expert(identity_verified=False, legal_name="Ben Example")

    log_in(page, expert.user.email)
    page.goto("/me/identity/")
    verification = _start_at_stripe(page)
    reload_until(page, page.get_by_text("Stripe is checking your documents"), timeout=10)

    stripe_server.identity_session_requires_input(verification.stripe_session_id, code="selfie_face_mismatch")
    reload_until(page, page.get_by_role("alert"), timeout=10)
    expect(page.get_by_role("alert")).to_contain_text(
        "Why the last try did not succeed: Your selfie did not match the photo on your document. "
        "Try again, facing the camera."
    )
    expect(page.get_by_text("Needs another try", exact=True)).to_be_visible()
    # Stripe's own words for its staff are not what the expert reads.
    expect(page.get_by_text("The captured face did not match")).to_have_count(0)
    screenshot(page, "identity-03-requires-input")

    again = _start_at_stripe(page)
    assert again.pk == verification.pk and again.stripe_session_id == verification.stripe_session_id
    reload_until(page, page.get_by_text("Stripe is checking your documents"), timeout=10)
    expect(page.get_by_role("alert")).to_have_count(0)

    stripe_server.identity_session_verify(verification.stripe_session_id, first_name="Ben", last_name="Example")
    reload_until(page, page.get_by_text("Your identity is verified."), timeout=10)
    assert IdentityVerification.objects.get().status == VerificationStatus.VERIFIED
    assert errors == []


def test_an_expert_and_operations_talk_about_a_duplicate_account_case_from_its_pages(
    browser, live_server, page, screenshot
):
    from django.db import transaction

    from identity.services import account_case_open_duplicate

    from tests.helpers.browser import log_in_ops
    from tests.helpers.factories import make_ops

    errors = watch_server_errors(page)
    first = make_expert(display_name="First Account")
    second = make_expert(display_name="Second Account")
    with transaction.atomic():
        case = account_case_open_duplicate(
            signal="bank_account", contributor_ids=(first.pk, second.pk), evidence={"bank_last4": "6789"}
        )

    log_in(page, second.user.email)
    page.goto(f"/me/identity/cases/{case.pk}/")
    page.get_by_role("link", name="Write to operations about this case").click()
    page.get_by_label("Your message").fill("The bank account is my spouse's; we share it.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("The bank account is my spouse's; we share it.")).to_be_visible()
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []
    screenshot(page, "account-case-conversation-expert")
    page.get_by_role("link", name=re.compile("^Open the case about an account")).click()
    expect(page).to_have_url(re.compile(rf"/me/identity/cases/{case.pk}/$"))

    ops = browser.new_context(base_url=live_server.url).new_page()
    errors += watch_server_errors(ops)
    reviewer, secret = make_ops(full_name="Rita Reviewer")
    log_in_ops(ops, reviewer, secret)
    ops.goto(f"/ops/account-cases/{case.pk}/")
    ops.get_by_role("link", name=f"Conversation with Second Account (#{second.pk}) about this case").click()
    expect(ops.get_by_text("The bank account is my spouse's; we share it.")).to_be_visible()
    ops.get_by_label("Your message").fill("Thank you: please send a statement showing both names.")
    ops.get_by_role("button", name="Send").click()
    expect(ops.get_by_text("please send a statement showing both names")).to_be_visible()

    page.goto("/inbox/")
    page.locator("[data-source=messages]").get_by_role("link").click()
    expect(page.get_by_text("please send a statement showing both names")).to_be_visible()
    assert errors == []
