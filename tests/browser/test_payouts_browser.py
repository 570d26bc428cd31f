"""A week's pay out of the door in a real Chromium.

The expert sets up their payout account through Stripe's onboarding (the local Stripe
server's pages, its signed Connect webhook delivered to the live server); one finance
colleague prepares the batch, another approves it and follows it until every payout has
finished; the experts read their payouts; finance put a colleague's pay on hold.
Screenshots land in test-output/screenshots/payouts-*.png.
"""

import re
from datetime import date, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from payouts.models import PayoutBatch, PayoutStatus
from payouts.tasks import payout_batch_dispatch_task
from payouts.transfers.batches import payout_batch_dispatch
from stripe_local.server import register_webhook, reset, unregister_webhook, webhook_deliveries

from tests.helpers.browser import (
    UNLABELLED_CONTROLS_JS,
    horizontal_overflow,
    log_in,
    log_in_ops,
    reload_until,
    watch_server_errors,
)
from tests.helpers.factories import PASSWORD, make_ops
from tests.helpers.payouts import approved_pay_run_in_bulk
from tests.helpers.tax import tax_forms_in_bulk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def connect_webhooks(stripe_server, live_server, settings):
    """The local Stripe server sends its Connect events to the live server, as Stripe would."""
    reset()
    webhook_deliveries.set(delay_seconds=0)
    settings.PAYOUT_RATE_LIMIT_PER_SECOND = 0
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = "whsec_browser_connect"
    register_webhook(
        name="browser-connect",
        url=live_server.url + "/stripe/webhooks/connect/",
        secret=settings.STRIPE_CONNECT_WEBHOOK_SECRET,
        connect=True,
    )
    yield
    unregister_webhook(name="browser-connect")
    reset()


def _new_context(browser, live_server, errors, **options):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900}, **options)
    page = context.new_page()
    page.set_default_timeout(15000)
    errors += watch_server_errors(page)
    return context, page


def _can_log_in(contributor, name: str):
    user = contributor.user
    user.set_password(PASSWORD)
    user.full_name = name
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    type(contributor).objects.filter(pk=contributor.pk).update(display_name=name)
    return user


def test_experts_set_up_payouts_and_a_batch_is_approved_by_a_second_person_and_followed_to_the_end(
    browser, live_server, page, phone_page, screenshot, connect_webhooks, monkeypatch
):
    errors = watch_server_errors(page)
    run = approved_pay_run_in_bulk(experts=2, period_start=date(2024, 6, 3), prefix="browserpay")
    ada_profile, ben_profile = (statement.contributor for statement in run.statements.order_by("id"))
    # Both have signed their tax forms: what holds Ben's pay here is his payout account.
    tax_forms_in_bulk([ada_profile, ben_profile])
    ada = _can_log_in(ada_profile, "Dr Ada")
    ben = _can_log_in(ben_profile, "Dr Ben")
    preparer, preparer_secret = make_ops(Role.OPS_FINANCE, full_name="Priya Preparer")
    approver, approver_secret = make_ops(Role.OPS_FINANCE, full_name="Aaron Approver")

    # Ada sets up her payout account: Stripe's pages, then back to ours, ready once Stripe says so.
    log_in(page, ada.email)
    expect(page).to_have_url(re.compile(r"/expert/$"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Payouts").click()
    expect(page.get_by_role("heading", name="My payouts")).to_be_visible()
    expect(page.get_by_text("You have not set up a payout account yet.")).to_be_visible()
    screenshot(page, "payouts-01-expert-not-set-up")
    page.get_by_role("button", name="Set up payouts with Stripe").click()
    expect(page).to_have_url(re.compile(r"/expert/payouts/$"))
    reload_until(page, page.get_by_text("Ready: your pay is sent to your Stripe account"), timeout=15)
    expect(page.get_by_text("Stripe still needs from you")).to_have_count(0)
    screenshot(page, "payouts-02-expert-ready")

    # Priya prepares the batch; she cannot approve her own.
    preparer_context, preparer_page = _new_context(browser, live_server, errors)
    try:
        log_in_ops(preparer_page, preparer, preparer_secret)
        preparer_page.get_by_role("navigation", name="Main").get_by_role("link", name="Payouts").click()
        expect(preparer_page.get_by_text("No payout batches yet.")).to_be_visible()
        assert preparer_page.evaluate(UNLABELLED_CONTROLS_JS) == []
        preparer_page.get_by_label("Approved pay run").select_option(label=f"Week of 3 Jun 2024 (run #{run.pk})")
        preparer_page.get_by_role("button", name="Prepare the batch").click()
        expect(preparer_page.get_by_role("heading", name="Waiting for approval")).to_be_visible()
        expect(preparer_page.get_by_text(re.compile("You prepared this batch, so another"))).to_be_visible()
        expect(preparer_page.get_by_role("button", name="Approve and send the payouts")).to_have_count(0)
        ben_row = preparer_page.get_by_role("row", name=re.compile("Dr Ben"))
        expect(ben_row).to_contain_text("You have not set up a payout account yet")
        screenshot(preparer_page, "payouts-03-batch-draft-four-eyes")
    finally:
        preparer_context.close()
    batch = PayoutBatch.objects.get(run=run)

    # Aaron approves. The send is queued for a worker; the page follows it as the worker sends.
    queued: list[int] = []
    monkeypatch.setattr(payout_batch_dispatch_task, "delay", queued.append)
    approver_context, approver_page = _new_context(browser, live_server, errors)
    try:
        log_in_ops(approver_page, approver, approver_secret)
        approver_page.goto(f"/ops/payouts/{batch.pk}/")
        approve = approver_page.get_by_role("button", name="Approve and send the payouts")
        approve.focus()
        approver_page.keyboard.press("Enter")
        expect(approver_page.get_by_text(re.compile("approved: the payouts are on their way"))).to_be_visible()
        expect(approver_page.get_by_role("heading", name="Sending")).to_be_visible()
        expect(approver_page.get_by_label("Payouts finished")).to_be_visible()
        screenshot(approver_page, "payouts-04-batch-sending")
        assert queued == [batch.pk]

        payout_batch_dispatch(batch_id=batch.pk)  # the worker's job
        expect(approver_page.get_by_role("heading", name="Sending finished")).to_be_visible(timeout=20000)
        ada_row = approver_page.get_by_role("row", name=re.compile("Dr Ada"))
        expect(ada_row).to_contain_text("Paid")
        expect(ada_row).to_contain_text(re.compile(r"tr_\w+"))
        expect(approver_page.get_by_role("row", name=re.compile("Dr Ben"))).to_contain_text("Held: carried forward")
        screenshot(approver_page, "payouts-05-batch-finished")
        assert batch.payouts.get(contributor=ada_profile).status == PayoutStatus.PAID

        # Ben's pay is put on hold: a past review date is refused with what was typed kept.
        approver_page.get_by_role("navigation", name="Main").get_by_role("link", name="Payouts").click()
        approver_page.get_by_role("link", name="Holds", exact=True).click()
        expect(approver_page.get_by_text("No payouts are on hold.")).to_be_visible()
        approver_page.get_by_label("Expert's email address").fill(ben.email)
        approver_page.get_by_label("Reason").fill("Tax form W-8BEN missing")
        approver_page.get_by_label("Review by").fill("2020-01-01")
        approver_page.get_by_role("button", name="Place the hold").click()
        expect(approver_page.locator("#id_review_by_error")).to_contain_text("Choose a date after today.")
        expect(approver_page.get_by_label("Reason")).to_have_value("Tax form W-8BEN missing")
        expect(approver_page.get_by_label("Expert's email address")).to_have_value(ben.email)
        screenshot(approver_page, "payouts-06-hold-refused")
        approver_page.get_by_label("Review by").fill((timezone.now().date() + timedelta(days=14)).isoformat())
        approver_page.get_by_role("button", name="Place the hold").click()
        expect(approver_page.get_by_text(re.compile("Payouts to Dr Ben are on hold"))).to_be_visible()
        expect(approver_page.get_by_role("heading", name="Dr Ben")).to_be_visible()
        screenshot(approver_page, "payouts-07-holds")
    finally:
        approver_context.close()

    # The experts read the outcome: Ada paid, Ben told why his pay is waiting.
    page.goto("/expert/payouts/")
    expect(page.get_by_role("row", name=re.compile("3 Jun"))).to_contain_text("Paid")
    screenshot(page, "payouts-08-expert-paid")
    ben_context, ben_page = _new_context(browser, live_server, errors)
    try:
        log_in(ben_page, ben.email)
        ben_page.goto("/expert/payouts/")
        expect(ben_page.get_by_role("heading", name="Your payouts are on hold")).to_be_visible()
        expect(ben_page.get_by_text("Tax form W-8BEN missing")).to_be_visible()
        expect(ben_page.get_by_text(re.compile("Carried forward to a later payout"))).to_be_visible()
        screenshot(ben_page, "payouts-09-expert-held")
    finally:
        ben_context.close()

    # On a phone, nothing scrolls sideways.
    errors += watch_server_errors(phone_page)
    log_in(phone_page, ben.email)
    expect(phone_page).to_have_url(re.compile(r"/expert/$"))
    phone_page.goto("/expert/payouts/")
    expect(phone_page.get_by_role("heading", name="My payouts")).to_be_visible()
    assert horizontal_overflow(phone_page) <= 0, "the payouts page scrolls sideways on a phone"
    screenshot(phone_page, "phone-payouts")
    assert errors == []
