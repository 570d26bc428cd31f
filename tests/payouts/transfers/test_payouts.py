"""Payouts through Stripe Connect, end to end: onboarding, batches, sending, the ledger, reversals, reconciliation.

Everything goes through the API or the services, the real stripe SDK and the local Stripe
server; webhooks are the ones the server signs and sends, delivered to our endpoints.
"""

import time
from datetime import date, timedelta

import pytest
import requests
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Role
from api.serializers.payouts import PayoutOutput
from marketplace.models import Engagement, Project
from marketplace.services import invitation_send, staffing_request_accept, time_entry_log, work_approve
from payouts.ledger.selectors import account_balances
from payouts.models import (
    JournalEntry,
    Payout,
    PayoutAccount,
    PayoutBatch,
    PayoutHoldReason,
    PayoutStatus,
    PayRunStatus,
    StripeEvent,
)
from payouts.payruns.services import pay_run_approve, pay_run_start
from payouts.tasks import payouts_reconcile_task
from payouts.transfers.batches import payout_batch_approve, payout_batch_create, payout_batch_dispatch
from payouts.transfers.holds import payout_hold_place
from payouts.transfers.sending import payout_retry, payout_send
from payouts.weeks import week_of
from stripe_local.server import reset, webhook_deliveries

from tests.helpers.factories import make_lab, make_open_project, make_ops, make_vetted_expert
from tests.helpers.payouts import approved_pay_run_in_bulk, onboarded_accounts_in_bulk, stripe_client
from tests.helpers.stripe_webhooks import deliver
from tests.helpers.tax import sign_tax_form

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_stripe(stripe_server, settings):
    # A clean Stripe for each test, so reconciliation sees only this test's transfers;
    # before the webhook fixtures register their endpoints.
    reset()
    webhook_deliveries.set(delay_seconds=0)
    settings.PAYOUT_RATE_LIMIT_PER_SECOND = 0
    yield
    reset()


def weeks_ago(n: int):
    return week_of(timezone.now().date())[0] - timedelta(days=7 * n)


@pytest.fixture
def team():
    """A running project with four engaged experts, started three weeks ago; and its lab owner."""
    lab, owner = make_lab()
    project = make_open_project(
        lab,
        owner,
        min_tier="bulk",
        required_credential_kinds=[],
        allowed_countries=["US", "GB"],
        headcount=4,
        rate_minor=1800,
    )
    Project.objects.filter(pk=project.pk).update(starts_on=timezone.now().date() - timedelta(days=21))
    engagements = {}
    for name in ("ana", "ben", "cy", "di"):
        expert = make_vetted_expert(display_name=name.title())
        sign_tax_form(expert)
        engagement = staffing_request_accept(
            actor=expert.user, request=invitation_send(actor=owner, project=project, contributor=expert)
        )
        Engagement.objects.filter(pk=engagement.pk).update(started_at=timezone.now() - timedelta(days=21))
        engagement.refresh_from_db()
        engagements[name] = engagement
    return engagements, owner


def log(team, name: str, week: int, minutes: int):
    engagements, owner = team
    engagement = engagements[name]
    entry = time_entry_log(
        actor=engagement.contributor.user,
        engagement=engagement,
        activity="task_work",
        work_date=weeks_ago(week),
        minutes=minutes,
    )
    work_approve(actor=owner, item=entry)


def approved_run(capture, week: int):
    preparer, _ = make_ops(Role.OPS_FINANCE)
    with capture(execute=True):
        run = pay_run_start(actor=preparer, period_start=weeks_ago(week))
    run.refresh_from_db()
    assert run.status == PayRunStatus.DRAFT, run.error
    return pay_run_approve(actor=make_ops(Role.OPS_FINANCE)[0], run=run)


def onboard(client_for, connect_webhook_inbox, contributor, outcome: str = "completed"):
    """The expert signs their tax form, asks for a link, finishes onboarding at Stripe, and Stripe tells our Connect endpoint."""
    if not contributor.tax_forms.exists():
        sign_tax_form(contributor)
    api = client_for(contributor.user)
    link = api.post("/api/me/payout-account/onboarding-link/")
    assert link.status_code == 201, link.json()
    account_id = link.json()["account"]["stripe_account_id"]
    visit = requests.get(link.json()["url"], params={"outcome": outcome}, allow_redirects=False, timeout=10)
    assert visit.status_code == 302
    assert (
        deliver("connect", *connect_webhook_inbox.wait_for("account.updated", object_id=account_id)).status_code == 200
    )
    return api


def deliveries_of(inbox, event_type: str, object_id: str, *, count: int) -> list[tuple[bytes, str]]:
    """The first ``count`` deliveries of an event type about one object, oldest first, waiting for them."""
    deadline = time.monotonic() + 15
    while True:
        found = [
            (body, signature)
            for event, body, signature in list(inbox.deliveries)
            if event["type"] == event_type and event["data"]["object"]["id"] == object_id
        ]
        if len(found) >= count:
            return found[:count]
        assert time.monotonic() < deadline, f"{len(found)} of {count} {event_type} webhooks for {object_id}"
        time.sleep(0.05)


def payable(contributor) -> int:
    return sum(
        row["balance"]
        for row in account_balances(kind="expert_payable")
        if row["contributor_id"] == contributor.pk and row["currency"] == "USD"
    )


def transfers_of(run) -> list:
    listed = stripe_client().v1.transfers.list(params={"transfer_group": f"payrun:{run.pk}", "limit": 100})
    return list(listed.auto_paging_iter())


# --- payout accounts -----------------------------------------------------------------


def test_an_expert_onboards_through_an_account_link_and_stripe_s_webhook_makes_the_account_active(
    client_for, connect_webhook_inbox
):
    expert = make_vetted_expert()
    api = client_for(expert.user)
    before = api.get("/api/me/payout-account/").json()
    assert (before["status"], before["summary"]) == ("not_started", "You have not set up a payout account yet.")

    link = api.post("/api/me/payout-account/onboarding-link/", HTTP_IDEMPOTENCY_KEY="onboard-1")
    assert link.status_code == 201, link.json()
    again = api.post("/api/me/payout-account/onboarding-link/", HTTP_IDEMPOTENCY_KEY="onboard-1")
    assert again.json()["url"] == link.json()["url"]
    account_id = link.json()["account"]["stripe_account_id"]
    assert PayoutAccount.objects.get(contributor=expert).stripe_account_id == account_id
    # A second link (the first one is single-use) reuses the same account.
    second = api.post("/api/me/payout-account/onboarding-link/").json()
    assert second["account"]["stripe_account_id"] == account_id and second["url"] != link.json()["url"]

    pending = api.get("/api/me/payout-account/").json()
    assert pending["status"] == "onboarding"
    assert "Your date of birth" in pending["requirements_due"]
    assert "A bank account to be paid into" in pending["requirements_due"]
    assert pending["disabled_reason_text"] == "Stripe needs more information before it can send you money."

    visit = requests.get(second["url"], allow_redirects=False, timeout=10)
    assert visit.status_code == 302
    assert visit.headers["Location"] == "http://testserver/expert/pay/"
    body, signature = connect_webhook_inbox.wait_for("account.updated", object_id=account_id)
    assert deliver("connect", body, signature).status_code == 200
    # The platform endpoint's secret does not verify a Connect event.
    assert deliver("platform", body, signature).status_code == 400

    ready = api.get("/api/me/payout-account/").json()
    assert (ready["status"], ready["transfers_capability"], ready["requirements_due"]) == ("active", "active", [])
    assert StripeEvent.objects.get(type="account.updated").status == "processed"


def test_stripe_asking_for_more_after_onboarding_is_shown_in_plain_words(
    client_for, connect_webhook_inbox, stripe_server
):
    expert = make_vetted_expert()
    api = onboard(client_for, connect_webhook_inbox, expert, outcome="pending")
    verifying = api.get("/api/me/payout-account/").json()
    assert verifying["status"] == "verifying"
    assert verifying["pending_verification"] == ["A photo of an identity document"]

    account_id = verifying["stripe_account_id"]
    stripe_server.account_state_set(
        account_id,
        capabilities={"transfers": "inactive"},
        requirements={
            "currently_due": ["individual.id_number", "individual.verification.document"],
            "pending_verification": [],
            "disabled_reason": "requirements.past_due",
        },
    )
    body, signature = deliveries_of(connect_webhook_inbox, "account.updated", account_id, count=2)[-1]
    assert deliver("connect", body, signature).status_code == 200
    restricted = api.get("/api/me/payout-account/").json()
    assert restricted["status"] == "restricted"
    assert restricted["requirements_due"] == ["Your tax identification number", "A photo of an identity document"]


# --- batches -------------------------------------------------------------------------


def test_a_batch_pays_each_expert_once_and_carries_the_rest_forward_with_their_reasons(
    team, client_for, connect_webhook_inbox, webhook_inbox, django_capture_on_commit_callbacks, settings
):
    # Two weeks of work are logged while both are open; then both have closed and are run.
    settings.PAY_WEEK_GRACE_HOURS = 336
    engagements, _ = team
    ana, ben, cy, di = (engagements[name].contributor for name in ("ana", "ben", "cy", "di"))
    for name, minutes in (("ana", 120), ("ben", 60), ("cy", 3), ("di", 60)):
        log(team, name, week=2, minutes=minutes)
    for name in ("ana", "ben", "cy", "di"):
        log(team, name, week=1, minutes=60)
    settings.PAY_WEEK_GRACE_HOURS = 0
    for expert in (ana, cy, di):
        onboard(client_for, connect_webhook_inbox, expert)
    run = approved_run(django_capture_on_commit_callbacks, week=2)

    preparer, approver, reviewer = (
        make_ops(Role.OPS_FINANCE),
        make_ops(Role.OPS_FINANCE),
        make_ops(Role.OPS_REVIEWER),
    )
    prep, appr, rev = client_for(*preparer), client_for(*approver), client_for(*reviewer)
    hold = prep.post(
        "/api/ops/payout-holds/",
        {
            "contributor": di.pk,
            "reason": "Identity check after a reported account takeover",
            "review_by": str(timezone.now().date() + timedelta(days=7)),
        },
    )
    assert hold.status_code == 201, hold.json()
    assert rev.post("/api/ops/payout-batches/", {"pay_run": run.pk}).status_code == 403

    created = prep.post("/api/ops/payout-batches/", {"pay_run": run.pk}, HTTP_IDEMPOTENCY_KEY="batch-1")
    assert created.status_code == 201, created.json()
    batch = created.json()
    assert prep.post("/api/ops/payout-batches/", {"pay_run": run.pk}).json()["code"] == "payout_batch_exists"
    assert batch["progress"]["counts"]["pending"] == 1
    assert batch["progress"]["held_by_reason"] == {
        "no_account": 1,
        "account_not_ready": 0,
        "below_minimum": 1,
        "on_hold": 1,
        "sanctions": 0,
        "duplicate_account": 0,
        "identity": 0,
        "tax_form": 0,
        "retry": 0,
        "sanctions": 0,
        "duplicate_account": 0,
        "identity": 0,
        "tax_form": 0,
    }
    held = {
        p["contributor_name"]: p["reason"]
        for p in prep.get(f"/api/ops/payout-batches/{batch['id']}/payouts/?status=held").json()["results"]
    }
    assert held["Ben"] == "You have not set up a payout account yet; set one up to receive this pay."
    assert held["Cy"].startswith("$0.90 is below the minimum payout of $1.00; it is carried forward")
    assert held["Di"].startswith("Payouts are on hold: Identity check after a reported account takeover")

    # Four eyes: not the preparer, not a reviewer; the database refuses it too.
    assert prep.post(f"/api/ops/payout-batches/{batch['id']}/approve/").json()["code"] == "four_eyes"
    assert rev.post(f"/api/ops/payout-batches/{batch['id']}/approve/").status_code == 403

    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutBatch.objects.filter(pk=batch["id"]).update(
            status="approved", approved_by=preparer[0], approved_at=timezone.now()
        )
    with django_capture_on_commit_callbacks(execute=True):
        approved = appr.post(f"/api/ops/payout-batches/{batch['id']}/approve/")
    assert approved.status_code == 200, approved.json()
    progress = appr.get(f"/api/ops/payout-batches/{batch['id']}/").json()["progress"]
    assert progress["counts"]["paid"] == 1 and progress["done"] is True
    paid = Payout.objects.get(contributor=ana)
    assert progress["amounts_minor"]["USD"]["sent"] == paid.amount_minor == 3600

    # Sending again (a duplicated task, a repeated dispatch) sends nothing more.
    payout_batch_dispatch(batch_id=batch["id"])
    [transfer] = transfers_of(run)
    assert (transfer.id, transfer.amount, transfer.destination) == (
        paid.stripe_transfer_id,
        3600,
        PayoutAccount.objects.get(contributor=ana).stripe_account_id,
    )
    assert transfer.metadata["payout_id"] == str(paid.pk)
    body, signature = webhook_inbox.wait_for("transfer.created", object_id=transfer.id)
    for _ in range(2):
        assert deliver("platform", body, signature).status_code == 200
    assert payable(ana) == 0
    assert JournalEntry.objects.filter(reference=f"payout:{paid.pk}").count() == 1

    mine = client_for(ben.user).get("/api/me/payouts/").json()["results"]
    assert [(p["status"], p["hold_reason"], p["statement"]) for p in mine] == [
        ("held", "no_account", run.statements.get(contributor=ben).pk)
    ]
    assert mine[0]["period_starts_on"] == str(weeks_ago(2))

    # The hold is lifted and Cy earns more: the next batch takes both over; Ben is still without an account.
    assert (
        prep.post(f"/api/ops/payout-holds/{hold.json()['id']}/release/", {"note": "Identity confirmed"}).status_code
        == 200
    )
    second_run = approved_run(django_capture_on_commit_callbacks, week=1)
    second = prep.post("/api/ops/payout-batches/", {"pay_run": second_run.pk}).json()
    assert second["progress"]["counts"]["pending"] == 5  # ana, cy, di this week; cy's and di's carried payouts
    assert second["progress"]["held_by_reason"]["no_account"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        appr.post(f"/api/ops/payout-batches/{second['id']}/approve/")
    for expert in (ana, cy, di):
        assert payable(expert) == 0
    assert payable(ben) == -(1800 + 1800)
    statuses = set(Payout.objects.filter(contributor=cy).values_list("status", "carried_from_id"))
    assert statuses == {("paid", batch["id"]), ("paid", None)}
    assert Payout.objects.filter(status=PayoutStatus.HELD, batch_id=second["id"]).count() == 2
    # The first batch keeps what it paid; what it held moved on to the later batch.
    first = prep.get(f"/api/ops/payout-batches/{batch['id']}/").json()["progress"]
    assert (first["counts"]["paid"], first["counts"]["held"], first["carried_on"]) == (1, 0, 3)
    call_command("payouts_reconcile", "--since", str(timezone.now().date()))


def test_a_hold_placed_after_approval_stops_a_payout_that_has_not_left(
    stripe_server, django_capture_on_commit_callbacks
):
    run = approved_pay_run_in_bulk(experts=2, period_start=date(2024, 1, 1))
    contributors = [s.contributor for s in run.statements.select_related("contributor")]
    onboarded_accounts_in_bulk(stripe_server, contributors)
    preparer, approver, finance = (make_ops(Role.OPS_FINANCE)[0] for _ in range(3))
    batch = payout_batch_create(actor=preparer, run=run)
    with django_capture_on_commit_callbacks(execute=False):
        payout_batch_approve(actor=approver, batch=batch)
    hold = payout_hold_place(
        actor=finance, contributor=contributors[0], reason="Chargeback investigation", review_by=date(2099, 1, 1)
    )
    first, second = Payout.objects.filter(batch=batch).order_by("contributor_id")
    first.refresh_from_db()
    assert (first.status, first.hold_reason, first.hold_id) == ("held", PayoutHoldReason.ON_HOLD, hold.pk)
    assert payout_send(payout_id=first.pk).status == "held"
    assert payout_send(payout_id=second.pk).status == "paid"
    assert len(transfers_of(run)) == 1


# --- reversals -----------------------------------------------------------------------


def test_a_reversal_at_stripe_reverses_the_payout_and_its_posting_and_operations_pay_it_again(
    team, client_for, connect_webhook_inbox, webhook_inbox, django_capture_on_commit_callbacks, settings
):
    # Two weeks of work are logged while both are open; then both have closed and are run.
    settings.PAY_WEEK_GRACE_HOURS = 336
    engagements, _ = team
    ana = engagements["ana"].contributor
    log(team, "ana", week=2, minutes=120)
    log(team, "ana", week=1, minutes=60)
    settings.PAY_WEEK_GRACE_HOURS = 0
    expert_api = onboard(client_for, connect_webhook_inbox, ana)
    run = approved_run(django_capture_on_commit_callbacks, week=2)
    preparer, approver = make_ops(Role.OPS_FINANCE), make_ops(Role.OPS_FINANCE)
    prep, appr = client_for(*preparer), client_for(*approver)
    batch = prep.post("/api/ops/payout-batches/", {"pay_run": run.pk}).json()
    with django_capture_on_commit_callbacks(execute=True):
        appr.post(f"/api/ops/payout-batches/{batch['id']}/approve/")
    payout = Payout.objects.get(contributor=ana)
    assert payout.status == PayoutStatus.PAID and payable(ana) == 0

    stripe = stripe_client()
    stripe.v1.transfers.reversals.create(payout.stripe_transfer_id, params={"amount": 1000})
    assert (
        deliver(
            "platform", *webhook_inbox.wait_for("transfer.reversed", object_id=payout.stripe_transfer_id)
        ).status_code
        == 200
    )
    payout.refresh_from_db()
    assert (payout.status, payout.amount_reversed_minor) == ("reversed", 1000)
    assert payable(ana) == -1000

    stripe.v1.transfers.reversals.create(payout.stripe_transfer_id)
    reversed_events = deliveries_of(webhook_inbox, "transfer.reversed", payout.stripe_transfer_id, count=2)
    for body, signature in reversed_events:  # the first one again too: nothing twice
        assert deliver("platform", body, signature).status_code == 200
    payout.refresh_from_db()
    assert (payout.status, payout.amount_reversed_minor) == ("reversed", 3600)
    assert payable(ana) == -3600
    mine = expert_api.get("/api/me/payouts/").json()["results"]
    assert mine[0]["status"] == "reversed" and "taken back" in mine[0]["reason"]

    retried = prep.post(f"/api/ops/payouts/{payout.pk}/retry/")
    assert retried.status_code == 201, retried.json()
    assert (retried.json()["status"], retried.json()["hold_reason"], retried.json()["amount_minor"]) == (
        "held",
        "retry",
        3600,
    )
    assert prep.post(f"/api/ops/payouts/{payout.pk}/retry/").json()["code"] == "payout_retried"
    assert prep.post(f"/api/ops/payouts/{retried.json()['id']}/retry/").json()["code"] == "illegal_transition"

    next_run = approved_run(django_capture_on_commit_callbacks, week=1)
    next_batch = prep.post("/api/ops/payout-batches/", {"pay_run": next_run.pk}).json()
    assert next_batch["progress"]["counts"]["pending"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        appr.post(f"/api/ops/payout-batches/{next_batch['id']}/approve/")
    assert Payout.objects.get(pk=retried.json()["id"]).status == PayoutStatus.PAID
    assert payable(ana) == 0
    call_command("payouts_reconcile", "--since", str(timezone.now().date()))


# --- reconciliation ------------------------------------------------------------------


def test_reconciliation_is_clean_and_then_names_every_planted_difference(
    stripe_server, django_capture_on_commit_callbacks, capsys, mailoutbox
):
    run = approved_pay_run_in_bulk(experts=4, period_start=date(2024, 2, 5))
    onboarded_accounts_in_bulk(stripe_server, [s.contributor for s in run.statements.select_related("contributor")])
    batch = payout_batch_create(actor=make_ops(Role.OPS_FINANCE)[0], run=run)
    with django_capture_on_commit_callbacks(execute=True):
        payout_batch_approve(actor=make_ops(Role.OPS_FINANCE)[0], batch=batch)
    today = str(timezone.now().date())
    call_command("payouts_reconcile", "--since", today, "--until", today)
    assert "payouts reconcile with Stripe" in capsys.readouterr().out

    first, second, third, fourth = Payout.objects.filter(batch=batch).order_by("id")
    stripe = stripe_client()
    # A second transfer for a paid payout, and one nobody here made.
    duplicate = stripe.v1.transfers.create(
        params={
            "amount": first.amount_minor,
            "currency": "usd",
            "destination": first.destination,
            "transfer_group": first.transfer_group,
            "metadata": {"payout_id": str(first.pk)},
        }
    )
    stranger = stripe.v1.transfers.create(params={"amount": 123, "currency": "usd", "destination": first.destination})
    # Reversed at Stripe, the webhook never processed.
    stripe.v1.transfers.reversals.create(second.stripe_transfer_id)
    # Our amount differs from the transfer's, and a posting is missing (rows changed behind the services).
    Payout.objects.filter(pk=third.pk).update(amount_minor=third.amount_minor + 1)

    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # past the append-only trigger
        cursor.execute(
            "DELETE FROM payouts_posting WHERE entry_id IN (SELECT id FROM payouts_journalentry WHERE reference = %s)",
            [f"payout:{fourth.pk}"],
        )
        cursor.execute("SET session_replication_role = origin")

    with pytest.raises(CommandError, match="difference"):
        call_command("payouts_reconcile", "--since", today)
    report = capsys.readouterr().err
    assert f"transfer {duplicate.id}" in report and f"a second transfer for payout #{first.pk}" in report
    assert f"transfer {stranger.id} (123 USD to {first.destination}): unknown at Stripe" in report
    assert f"payout #{second.pk} " in report and "reversed at Stripe" in report
    assert f"payout #{third.pk} ({third.amount_minor + 1} USD" in report and f"is {third.amount_minor} USD" in report
    assert f"payout #{fourth.pk} " in report and "ledger posting missing or wrong" in report
    assert f"payout #{third.pk} " in report and "balance transaction" in report and "reversal trr_" in report
    # The changed amount disagrees with the transfer, its posting and its balance transaction; the
    # reversal shows on the transfer and as a balance transaction; one line each.
    assert len(report.strip().splitlines()) == 8
    # The daily task finds the same and tells operations finance.
    finance = make_ops(Role.OPS_FINANCE)[0]
    with django_capture_on_commit_callbacks(execute=True):
        assert payouts_reconcile_task() == 8
    [mail] = [m for m in mailoutbox if m.to == [finance.email]]
    assert mail.subject == "Payout reconciliation: 8 difference(s) with Stripe"
    assert f"a second transfer for payout #{first.pk}" in mail.body


def test_the_reconciliation_command_needs_a_start_date():
    with pytest.raises(CommandError):
        call_command("payouts_reconcile")


def test_a_transfer_stripe_refuses_fails_the_payout_with_stripe_s_reason_and_a_retry_pays_it_later(
    stripe_server, django_capture_on_commit_callbacks, mailoutbox
):
    run = approved_pay_run_in_bulk(experts=1, period_start=date(2024, 4, 1))
    expert = run.statements.get().contributor
    [account] = onboarded_accounts_in_bulk(stripe_server, [expert])
    # Stripe restricts the account; its account.updated has not reached us yet.
    stripe_server.account_state_set(account.stripe_account_id, capabilities={"transfers": "inactive"})
    finance = [make_ops(Role.OPS_FINANCE)[0] for _ in range(3)]
    batch = payout_batch_create(actor=finance[0], run=run)
    with django_capture_on_commit_callbacks(execute=True):
        payout_batch_approve(actor=finance[1], batch=batch)
    payout = batch.payouts.get()
    assert (payout.status, payout.failure_code) == (PayoutStatus.FAILED, "insufficient_capabilities_for_transfer")
    assert PayoutOutput(payout).data["reason"].startswith("Stripe refused the transfer: Your destination account")
    assert [m.subject for m in mailoutbox if m.to == [expert.user.email]] == ["We could not send your pay"]
    assert not JournalEntry.objects.filter(reference=f"payout:{payout.pk}").exists()
    assert payable(expert) == -payout.amount_minor

    stripe_server.account_state_set(account.stripe_account_id, capabilities={"transfers": "active"})
    retry = payout_retry(actor=finance[2], payout=payout)
    later = approved_pay_run_in_bulk(experts=1, period_start=date(2024, 4, 8), prefix="later")
    onboarded_accounts_in_bulk(stripe_server, [later.statements.get().contributor])
    next_batch = payout_batch_create(actor=finance[0], run=later)
    with django_capture_on_commit_callbacks(execute=True):
        payout_batch_approve(actor=finance[1], batch=next_batch)
    retry.refresh_from_db()
    assert (retry.status, retry.batch_id, retry.carried_from_id) == (PayoutStatus.PAID, next_batch.pk, batch.pk)
    assert payable(expert) == 0
    assert len(transfers_of(run)) == 1  # the retry, in the group of the week it pays
