"""Operations decide a possible sanctions match with four eyes, in a real Chromium.

An expert whose name is close to an entry of the sample SDN list has their pay held while
the check is under way, and reads only that a check is under way. One reviewer finds the
match in the queue and proposes clearing it with a reason; the same reviewer is not offered
the second decision, and is refused with the reason if they send it anyway; a second
reviewer agrees. The next payout batch then takes the held payout over with the new one,
and neither is held for sanctions.
"""

import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from payouts.models import Payout, PayoutHoldReason, PayoutStatus
from payouts.transfers.batches import payout_batch_approve, payout_batch_create
from payouts.transfers.compliance import compliance_blocks
from screening.models import ReviewStatus, ScreeningReview
from screening.services import SanctionsFiles, sanctions_list_import
from stripe_local.server import reset

from tests.helpers.browser import UNLABELLED_CONTROLS_JS, log_in, log_in_ops, watch_server_errors
from tests.helpers.factories import make_expert, make_ops
from tests.helpers.payouts import approved_pay_run_of, onboarded_accounts_in_bulk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAMPLES = Path(__file__).resolve().parents[2] / "screening" / "samples"
CHECK_UNDER_WAY = "Your payouts are paused while we check your name against the sanctions lists"


@pytest.fixture
def held_for_sanctions(stripe_server, settings):
    """Ivan, close to an entry of the sample list, with one payout held for the check and a week still to pay."""
    reset()
    settings.PAYOUT_RATE_LIMIT_PER_SECOND = 0
    sanctions_list_import(
        actor=None,
        list_kind="sdn",
        files=SanctionsFiles(prim=(SAMPLES / "SDN.CSV").read_bytes(), add=(SAMPLES / "ADD.CSV").read_bytes()),
        published_on=date(2026, 6, 15),
        source="SDN.CSV",
    )
    ivan = make_expert(legal_name="Ivan Testovich Sample", display_name="Ivan S.")
    review = ScreeningReview.objects.get(subject__kind="expert", subject__ref_id=ivan.pk)
    onboarded_accounts_in_bulk(stripe_server, [ivan])
    first_run = approved_pay_run_of([ivan], period_start=date(2026, 6, 1), prefix="screening")
    second_run = approved_pay_run_of([ivan], period_start=date(2026, 6, 8), prefix="screening")
    preparer, _ = make_ops(Role.OPS_FINANCE, full_name="Priya Preparer")
    approver, _ = make_ops(Role.OPS_FINANCE, full_name="Aaron Approver")
    payout_batch_approve(actor=approver, batch=payout_batch_create(actor=preparer, run=first_run))
    [held] = Payout.objects.filter(contributor=ivan)
    assert (held.status, held.hold_reason) == (PayoutStatus.HELD, PayoutHoldReason.SANCTIONS)
    yield ivan, review, second_run
    reset()


def _new_page(browser, live_server, errors):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    errors += watch_server_errors(page)
    return context, page


def test_two_reviewers_clear_a_possible_match_and_the_next_batch_no_longer_holds_the_pay(
    browser, live_server, page, screenshot, held_for_sanctions
):
    ivan, review, second_run = held_for_sanctions
    errors = watch_server_errors(page)
    first, first_secret = make_ops(Role.OPS_REVIEWER, full_name="Noor First")
    second, second_secret = make_ops(Role.OPS_REVIEWER, full_name="Tomas Second")
    finance, finance_secret = make_ops(Role.OPS_FINANCE, full_name="Mei Finance")

    # Ivan reads that a check is under way, never which list or entry.
    log_in(page, ivan.user.email)
    page.goto("/expert/payouts/")
    held_row = page.get_by_role("row", name=re.compile("1 Jun"))
    expect(held_row).to_contain_text("Held: carried forward")
    expect(held_row).to_contain_text(CHECK_UNDER_WAY)
    expect(page.get_by_text(re.compile("SDN|SAMPLE, Ivan"))).to_have_count(0)
    screenshot(page, "screening-01-expert-held")

    # The first reviewer finds the match in the queue and proposes clearing it.
    first_context, first_page = _new_page(browser, live_server, errors)
    try:
        log_in_ops(first_page, first, first_secret)
        first_page.get_by_role("navigation", name="Main").get_by_role("link", name="Sanctions").click()
        expect(first_page.get_by_role("heading", name="Possible sanctions matches")).to_be_visible()
        row = first_page.get_by_role("row", name=re.compile(f"Review #{review.pk}"))
        expect(row).to_contain_text("Ivan Testovich Sample")
        expect(row).to_contain_text("Possible match, to review")
        screenshot(first_page, "screening-02-queue")
        row.get_by_role("link", name=f"Review #{review.pk}").click()
        expect(first_page.get_by_role("heading", name=f"Sanctions review #{review.pk}")).to_be_visible()
        expect(first_page.get_by_text("SAMPLE, Ivan Testovich").first).to_be_visible()
        expect(first_page.get_by_text("1 Sample Street, Tehran, Iran")).to_be_visible()
        assert first_page.evaluate(UNLABELLED_CONTROLS_JS) == []

        first_page.get_by_label("Not the same person: clear").check()
        first_page.get_by_label("Reason").fill("no")
        first_page.get_by_role("button", name="Propose").click()
        expect(first_page.get_by_text("At least 10 characters", exact=False).first).to_be_visible()
        first_page.get_by_label("Not the same person: clear").check()
        first_page.get_by_label("Reason").fill("Passport: born 12 May 1991 in Denver; the entry was born in 1970.")
        first_page.get_by_role("button", name="Propose").click()
        expect(first_page.get_by_text("Proposal recorded; a second reviewer has to agree.")).to_be_visible()

        # The proposer is not offered the second decision, and the page says why.
        expect(
            first_page.get_by_text("You proposed this; another reviewer has to agree or send it back.")
        ).to_be_visible()
        expect(first_page.get_by_role("button", name="Record")).to_have_count(0)
        screenshot(first_page, "screening-03-proposed")
        # Sent anyway (a stale form, a second tab), the decision is refused with the reason.
        csrf = next(c["value"] for c in first_context.cookies() if c["name"] == "csrftoken")
        refused = first_page.request.post(
            f"/ops/screening/{review.pk}/second/",
            form={"agree": "true", "reason": "Agreeing with my own proposal."},
            headers={"X-CSRFToken": csrf, "Referer": first_page.url},
        )
        assert refused.status == 400
        assert "cannot also second it" in refused.text()
    finally:
        first_context.close()
    review.refresh_from_db()
    assert review.status == ReviewStatus.PROPOSED_CLEAR
    assert compliance_blocks(contributor_ids=[ivan.pk], on=date(2026, 6, 17))[ivan.pk][0] == "sanctions"

    # A second reviewer agrees: the review is decided.
    second_context, second_page = _new_page(browser, live_server, errors)
    try:
        log_in_ops(second_page, second, second_secret)
        second_page.goto(f"/ops/screening/{review.pk}/")
        expect(
            second_page.get_by_role("paragraph").filter(has_text="Passport: born 12 May 1991 in Denver")
        ).to_be_visible()
        second_page.get_by_label("Agree: decide it").check()
        second_page.get_by_label("Reason").fill("Checked the passport scan: a different man.")
        second_page.get_by_role("button", name="Record").click()
        expect(second_page.get_by_text(re.compile(r"^Review cleared"))).to_be_visible()
        expect(second_page.get_by_text("Cleared: not the same person").first).to_be_visible()
        expect(second_page.get_by_text("Kept until 17 Jun 2036")).to_be_visible()
        screenshot(second_page, "screening-04-cleared")
        second_page.get_by_role("link", name="← Sanctions reviews").click()
        expect(second_page.get_by_text("No possible matches are waiting for review.")).to_be_visible()
    finally:
        second_context.close()
    assert compliance_blocks(contributor_ids=[ivan.pk], on=date(2026, 6, 17)) == {}

    # The next batch takes the held payout over with this week's: neither is held.
    finance_context, finance_page = _new_page(browser, live_server, errors)
    try:
        log_in_ops(finance_page, finance, finance_secret)
        finance_page.goto("/ops/payouts/")
        finance_page.get_by_label("Approved pay run").select_option(label=f"Week of 8 Jun 2026 (run #{second_run.pk})")
        finance_page.get_by_role("button", name="Prepare the batch").click()
        expect(finance_page.get_by_role("heading", name="Waiting for approval")).to_be_visible()
        rows = finance_page.get_by_role("row", name=re.compile("Ivan S."))
        expect(rows).to_have_count(2)
        for n in range(2):
            expect(rows.nth(n)).to_contain_text("Pending")
        expect(finance_page.get_by_text(CHECK_UNDER_WAY)).to_have_count(0)
        screenshot(finance_page, "screening-05-next-batch")
    finally:
        finance_context.close()
    assert set(Payout.objects.filter(contributor=ivan).values_list("status", "hold_reason")) == {
        (PayoutStatus.PENDING, "")
    }

    page.reload()
    expect(page.get_by_role("row", name=re.compile("1 Jun"))).to_contain_text("Pending")
    expect(page.get_by_text(CHECK_UNDER_WAY)).to_have_count(0)
    screenshot(page, "screening-06-expert-no-longer-held")
    assert errors == []
