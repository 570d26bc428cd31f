"""The payout pages through real HTTP and the local Stripe server.

Experts set up their payout account through Stripe's onboarding and follow their payouts;
operations finance prepare a batch, a second colleague approves it, everyone follows it
to the end, holds are placed and released, and a refused transfer is paid again.
"""

from datetime import date, timedelta

import pytest
import requests
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from payouts.models import Payout, PayoutAccount, PayoutBatch, PayoutBatchStatus, PayoutHold, PayoutStatus
from payouts.money import format_money
from stripe_local.server import reset, webhook_deliveries

from tests.helpers.factories import UserFactory, make_expert, make_ops
from tests.helpers.pages import field_error, log_in, ops_browser
from tests.helpers.pages import readable_text as text_of
from tests.helpers.payouts import approved_pay_run_in_bulk, onboarded_accounts_in_bulk
from tests.helpers.stripe_webhooks import deliver
from tests.helpers.tax import tax_forms_in_bulk

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_stripe(stripe_server, settings):
    reset()
    webhook_deliveries.set(delay_seconds=0)
    settings.PAYOUT_RATE_LIMIT_PER_SECOND = 0
    yield
    reset()


def expert_browser(contributor) -> Client:
    browser = Client()
    browser.force_login(contributor.user)
    return browser


def finance_pair():
    """Two operations finance colleagues, signed in with their second factor."""
    first, first_secret = make_ops(Role.OPS_FINANCE, full_name="Fiona Finance")
    second, second_secret = make_ops(Role.OPS_FINANCE, full_name="Sam Second")
    return (first, ops_browser(first, first_secret)), (second, ops_browser(second, second_secret))


# --- experts ---------------------------------------------------------------------------


def test_an_expert_sets_up_their_payout_account_through_stripe_and_sees_it_ready(connect_webhook_inbox):
    expert = make_expert()
    browser = log_in(expert.user)
    page = browser.get("/expert/payouts/")
    assert page.status_code == 200
    text = text_of(page)
    assert "Not set up" in text and "You have not set up a payout account yet." in text
    assert "Set up payouts with Stripe" in text
    assert "No payouts yet." in text

    sent = browser.post("/expert/payouts/account/")
    assert sent.status_code == 302
    assert "/_local/onboarding/" in sent["Location"]
    account_id = expert.payout_account.stripe_account_id
    waiting = text_of(browser.get("/expert/payouts/"))
    assert "Setting up" in waiting and "Stripe still needs from you:" in waiting
    assert "Your date of birth" in waiting and "A bank account to be paid into" in waiting
    assert "Continue setting up with Stripe" in waiting

    back = requests.get(sent["Location"], allow_redirects=False, timeout=10)
    assert back.status_code == 302 and back.headers["Location"] == "http://testserver/expert/payouts/"
    body, signature = connect_webhook_inbox.wait_for("account.updated", object_id=account_id)
    assert deliver("connect", body, signature).status_code == 200

    ready = text_of(browser.get("/expert/payouts/"))
    assert "Ready: your pay is sent to your Stripe account with each weekly batch." in ready
    assert "Stripe still needs" not in ready
    # A second click reuses the same account with a fresh link.
    again = browser.post("/expert/payouts/account/")
    assert again.status_code == 302 and again["Location"] != sent["Location"]
    expert.refresh_from_db()
    assert expert.payout_account.stripe_account_id == account_id


def test_an_expert_without_a_profile_is_told_to_fill_it_in_and_no_account_is_opened():
    user = UserFactory(role=Role.EXPERT)
    browser = log_in(user)
    assert "Fill in your profile" in text_of(browser.get("/expert/payouts/"))
    refused = browser.post("/expert/payouts/account/")
    assert refused.status_code == 400
    assert "Fill in your profile first" in text_of(refused)
    assert not Payout.objects.exists()


def test_stripe_unreachable_is_a_clear_message_not_an_error_page(settings):
    expert = make_expert()
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    refused = log_in(expert.user).post("/expert/payouts/account/")
    assert refused.status_code == 503
    assert "could not be reached" in text_of(refused)
    assert not PayoutAccount.objects.exists()


def test_another_expert_s_payouts_are_never_shown(stripe_server):
    run = approved_pay_run_in_bulk(experts=2, period_start=date(2024, 5, 6), prefix="mine")
    mine, theirs = (statement.contributor for statement in run.statements.order_by("id"))
    (_, browser), _ = finance_pair()
    assert browser.post("/ops/payouts/new/", {"pay_run": run.pk}).status_code == 302
    page = text_of(expert_browser(mine).get("/expert/payouts/"))
    payouts = {p.contributor_id: p for p in Payout.objects.all()}
    assert format_money(payouts[mine.pk].amount_minor, "USD") in page
    assert format_money(payouts[theirs.pk].amount_minor, "USD") not in page


# --- operations: batches ---------------------------------------------------------------


def test_finance_prepare_a_batch_a_colleague_approves_it_and_everyone_follows_it_to_the_end(
    stripe_server, django_capture_on_commit_callbacks, mailoutbox
):
    run = approved_pay_run_in_bulk(experts=3, period_start=date(2024, 3, 4), prefix="batchpage")
    ready_one, ready_two, without_account = (s.contributor for s in run.statements.order_by("id"))
    onboarded_accounts_in_bulk(stripe_server, [ready_one, ready_two])
    tax_forms_in_bulk([without_account])  # held for want of a payout account alone
    (_, preparer_browser), (_, approver_browser) = finance_pair()
    reviewer, reviewer_secret = make_ops(Role.OPS_REVIEWER)
    reviewer_browser = ops_browser(reviewer, reviewer_secret)

    listing = text_of(preparer_browser.get("/ops/payouts/"))
    assert "No payout batches yet." in listing and "Week of 4 Mar 2024" in listing

    prepared = preparer_browser.post("/ops/payouts/new/", {"pay_run": run.pk})
    assert prepared.status_code == 302
    batch = PayoutBatch.objects.get(run=run)
    assert prepared["Location"] == f"/ops/payouts/{batch.pk}/"
    page = text_of(preparer_browser.get(prepared["Location"]))
    assert "Waiting for approval" in page
    assert "you prepared this batch, so another operations finance colleague has to approve it" in page.lower()
    assert "No payout account yet: 1" in page
    assert "You have not set up a payout account yet" in page

    # Four eyes: the preparer is refused on the batch page, and a reviewer cannot approve at all.
    refused = preparer_browser.post(f"/ops/payouts/{batch.pk}/approve/")
    assert refused.status_code == 403
    assert "The person who prepared a payout batch cannot approve it." in text_of(refused)
    assert reviewer_browser.post(f"/ops/payouts/{batch.pk}/approve/").status_code == 403
    batch.refresh_from_db()
    assert batch.status == PayoutBatchStatus.DRAFT
    assert "Approve and send the payouts" not in text_of(reviewer_browser.get(f"/ops/payouts/{batch.pk}/"))

    with django_capture_on_commit_callbacks(execute=True):
        approved = approver_browser.post(f"/ops/payouts/{batch.pk}/approve/")
    assert approved.status_code == 302
    progress = reviewer_browser.get(f"/ops/payouts/{batch.pk}/progress/").json()
    assert (progress["status"], progress["percent"], progress["done"]) == ("approved", 100, True)
    assert progress["counts"]["paid"] == 2 and progress["counts"]["held"] == 1

    finished = reviewer_browser.get(f"/ops/payouts/{batch.pk}/")
    text = text_of(finished)
    assert "Sending finished" in text
    assert "data-progress-url" not in finished.content.decode()  # nothing left to follow
    transfers = list(Payout.objects.filter(status=PayoutStatus.PAID).values_list("stripe_transfer_id", flat=True))
    assert len(transfers) == 2 and all(transfer in text for transfer in transfers)
    held_only = text_of(reviewer_browser.get(f"/ops/payouts/{batch.pk}/", {"status": "held"}))
    assert "1 payout" in held_only and without_account.display_name in held_only
    assert ready_one.display_name not in held_only

    # The experts read the same outcome.
    paid_page = text_of(expert_browser(ready_one).get("/expert/payouts/"))
    assert "Paid" in paid_page and "Carried forward" not in paid_page
    held_page = text_of(expert_browser(without_account).get("/expert/payouts/"))
    assert "Carried forward to a later payout" in held_page
    assert "You have not set up a payout account yet; set one up to receive this pay." in held_page


def test_a_batch_that_is_still_sending_is_followed_live(stripe_server):
    run = approved_pay_run_in_bulk(experts=2, period_start=date(2024, 3, 11), prefix="live")
    onboarded_accounts_in_bulk(stripe_server, [s.contributor for s in run.statements.all()])
    (_, preparer_browser), (_, approver_browser) = finance_pair()
    preparer_browser.post("/ops/payouts/new/", {"pay_run": run.pk})
    batch = PayoutBatch.objects.get(run=run)
    # Approved, but the news has not reached a worker yet (on-commit callbacks are not run here).
    assert approver_browser.post(f"/ops/payouts/{batch.pk}/approve/").status_code == 302
    page = approver_browser.get(f"/ops/payouts/{batch.pk}/")
    assert f'data-progress-url="/ops/payouts/{batch.pk}/progress/"' in page.content.decode()
    assert "0% of the payouts due are finished" in text_of(page)
    progress = approver_browser.get(f"/ops/payouts/{batch.pk}/progress/")
    assert progress["Cache-Control"] == "no-store"
    assert progress.json() | {"amounts": None} == {
        "status": "approved",
        "finished": False,
        "percent": 0,
        "line": "0% of the payouts due are finished",
        "done": False,
        "retrying": 0,
        "counts": {"held": 0, "pending": 2, "submitted": 0, "paid": 0, "failed": 0, "reversed": 0},
        "amounts": None,
    }


def test_preparing_a_batch_refuses_bad_input_on_the_form_and_writes_nothing(stripe_server):
    run = approved_pay_run_in_bulk(experts=1, period_start=date(2024, 3, 18), prefix="refuse")
    (_, browser), (_, colleague) = finance_pair()
    for value in ("", "abc", "999999"):
        refused = browser.post("/ops/payouts/new/", {"pay_run": value})
        assert refused.status_code == 400
        assert field_error(refused, "pay_run")
    assert browser.post("/ops/payouts/new/", {"pay_run": run.pk}).status_code == 302
    # Already batched: no longer offered, and refused if sent anyway.
    twice = colleague.post("/ops/payouts/new/", {"pay_run": run.pk})
    assert twice.status_code == 400
    assert "no payout batch yet" in field_error(twice, "pay_run")
    assert PayoutBatch.objects.count() == 1
    assert "Every approved pay run has its batch." in text_of(colleague.get("/ops/payouts/"))


def test_a_refused_transfer_is_paid_again_from_the_batch_page(stripe_server, django_capture_on_commit_callbacks):
    run = approved_pay_run_in_bulk(experts=1, period_start=date(2024, 4, 1), prefix="again")
    expert = run.statements.get().contributor
    [account] = onboarded_accounts_in_bulk(stripe_server, [expert])
    stripe_server.account_state_set(account.stripe_account_id, capabilities={"transfers": "inactive"})
    (_, preparer), (_, approver) = finance_pair()
    preparer.post("/ops/payouts/new/", {"pay_run": run.pk})
    batch = PayoutBatch.objects.get(run=run)
    with django_capture_on_commit_callbacks(execute=True):
        approver.post(f"/ops/payouts/{batch.pk}/approve/")
    failed = Payout.objects.get()
    assert failed.status == PayoutStatus.FAILED
    page = text_of(preparer.get(f"/ops/payouts/{batch.pk}/"))
    assert "Stripe refused the transfer: Your destination account" in page
    assert "Pay again" in page
    assert "Stripe refused the transfer" in text_of(expert_browser(expert).get("/expert/payouts/"))

    again = preparer.post(f"/ops/payouts/payout/{failed.pk}/retry/")
    assert again.status_code == 302
    retry = Payout.objects.get(replaces=failed)
    assert retry.status == PayoutStatus.HELD
    after = text_of(preparer.get(f"/ops/payouts/{batch.pk}/"))
    assert "Sent again" in after and "To be sent again with the next payout batch." in after
    twice = approver.post(f"/ops/payouts/payout/{failed.pk}/retry/")
    assert twice.status_code == 409
    assert "This payout has already been sent again." in text_of(twice)
    not_failed = approver.post(f"/ops/payouts/payout/{retry.pk}/retry/")
    assert not_failed.status_code == 400
    assert Payout.objects.count() == 2
    assert preparer.post("/ops/payouts/payout/999999/retry/").status_code == 404


# --- operations: holds -----------------------------------------------------------------


def test_holds_are_placed_with_a_reason_shown_to_the_expert_and_released(mailoutbox):
    expert = make_expert()
    (_, browser), (_, colleague) = finance_pair()
    reviewer, reviewer_secret = make_ops(Role.OPS_REVIEWER)
    reviewer_browser = ops_browser(reviewer, reviewer_secret)
    assert "No payouts are on hold." in text_of(browser.get("/ops/payout-holds/"))
    review_by = timezone.now().date() + timedelta(days=14)

    # Bad input: every field says what is wrong, what was typed is kept, nothing is written.
    refused = browser.post(
        "/ops/payout-holds/new/",
        {"expert_email": "nobody@nowhere.example", "reason": "Identity check", "review_by": review_by.isoformat()},
    )
    assert refused.status_code == 400
    assert "No expert has this email address." in field_error(refused, "expert_email")
    assert 'value="nobody@nowhere.example"' in refused.content.decode()
    assert "Identity check" in refused.content.decode()
    past = browser.post(
        "/ops/payout-holds/new/",
        {"expert_email": expert.user.email, "reason": "   ", "review_by": "2020-01-01"},
    )
    assert past.status_code == 400
    assert field_error(past, "reason")
    blank_date = browser.post(
        "/ops/payout-holds/new/", {"expert_email": expert.user.email, "reason": "Check", "review_by": "2020-01-01"}
    )
    assert blank_date.status_code == 400
    assert "Choose a date after today." in field_error(blank_date, "review_by")
    assert (
        reviewer_browser.post(
            "/ops/payout-holds/new/",
            {"expert_email": expert.user.email, "reason": "Check", "review_by": review_by.isoformat()},
        ).status_code
        == 403
    )
    assert not PayoutHold.objects.exists()

    placed = browser.post(
        "/ops/payout-holds/new/",
        {
            "expert_email": expert.user.email.upper(),
            "reason": "Tax form missing",
            "review_by": review_by.isoformat(),
        },
    )
    assert placed.status_code == 302
    hold = PayoutHold.objects.get()
    listing = text_of(reviewer_browser.get("/ops/payout-holds/"))
    assert "Tax form missing" in listing and expert.display_name in listing
    assert "Release the hold" not in listing  # reviewers read, finance act
    expert_page = text_of(log_in(expert.user).get("/expert/payouts/"))
    assert "Your payouts are on hold" in expert_page and "Tax form missing" in expert_page
    assert review_by.strftime("%-d %B %Y") in expert_page

    twice = colleague.post(
        "/ops/payout-holds/new/",
        {"expert_email": expert.user.email, "reason": "Again", "review_by": review_by.isoformat()},
    )
    assert twice.status_code == 409
    assert "already on hold" in text_of(twice)
    assert "\nAgain</textarea>" in twice.content.decode()  # what was typed is kept

    too_long = colleague.post(f"/ops/payout-holds/{hold.pk}/release/", {f"release-{hold.pk}-note": "x" * 501})
    assert too_long.status_code == 400
    assert field_error(too_long, f"release-{hold.pk}-note")
    released = colleague.post(f"/ops/payout-holds/{hold.pk}/release/", {f"release-{hold.pk}-note": "Form received"})
    assert released.status_code == 302
    hold.refresh_from_db()
    assert hold.released_at is not None and hold.release_note == "Form received"
    assert "No payouts are on hold." in text_of(browser.get("/ops/payout-holds/"))
    history = text_of(browser.get("/ops/payout-holds/", {"show": "all"}))
    assert "Released" in history and "Form received" in history
    again = colleague.post(f"/ops/payout-holds/{hold.pk}/release/", {})
    assert again.status_code == 400
    assert "already released" in text_of(again)
    assert "Your payouts are on hold" not in text_of(log_in(expert.user).get("/expert/payouts/"))
