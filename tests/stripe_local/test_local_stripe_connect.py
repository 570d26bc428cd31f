"""The local Stripe server's Connect support and fault injection, through the real stripe SDK over HTTP."""

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
import stripe

from payouts.gateway import stripe_api as stripe_gateway
from stripe_local.connect import DEFAULT_PLATFORM_AVAILABLE_MINOR
from stripe_local.faults import InjectedFault
from stripe_local.server import faults, reset, webhook_deliveries


@pytest.fixture(autouse=True)
def _prompt_webhooks_and_no_faults():
    # Sent at once instead of after the default second, which keeps these tests quick.
    webhook_deliveries.set(delay_seconds=0)
    yield
    faults.clear()
    webhook_deliveries.clear()


@pytest.fixture
def client(stripe_server) -> stripe.StripeClient:
    # No automatic retries: these tests look at every answer, the injected faults included.
    return stripe.StripeClient("sk_test_local", base_addresses={"api": stripe_server.url}, max_network_retries=0)


def create_account(client: stripe.StripeClient, **metadata):
    return client.v1.accounts.create(
        params={
            "type": "express",
            "country": "US",
            "email": "expert@example.com",
            "capabilities": {"transfers": {"requested": True}},
            "metadata": metadata,
        }
    )


def onboarding_link(client: stripe.StripeClient, account_id: str):
    return client.v1.account_links.create(
        params={
            "account": account_id,
            "refresh_url": "http://127.0.0.1:8000/payouts/onboarding/again/",
            "return_url": "http://127.0.0.1:8000/payouts/onboarding/done/",
            "type": "account_onboarding",
        }
    )


def visit(url: str, **query) -> requests.Response:
    return requests.get(url, params=query, allow_redirects=False, timeout=10)


@pytest.fixture
def expert_account(client) -> str:
    """A connected account whose expert finished onboarding: transfers active."""
    account = create_account(client, contributor_id="1")
    assert visit(onboarding_link(client, account.id).url).status_code == 302
    return account.id


def transfer_params(destination: str, group: str, amount: int = 500) -> dict:
    return {
        "amount": amount,
        "currency": "usd",
        "destination": destination,
        "transfer_group": group,
        "metadata": {"payout_group": group},
    }


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def platform_available(client: stripe.StripeClient, currency: str, **options) -> int:
    balance = client.v1.balance.retrieve(options=options or None)
    return next(entry.amount for entry in balance.available if entry.currency == currency)


def transfers_in_group(client: stripe.StripeClient, group: str) -> list[str]:
    return [transfer.id for transfer in client.v1.transfers.list(params={"transfer_group": group}).auto_paging_iter()]


def replayed(stripe_object) -> bool:
    return stripe_object.last_response.headers.get("Idempotent-Replayed") == "true"


def events_received(
    inbox, event_type: str, object_id: str, *, count: int = 1, where=lambda event: True, timeout: float = 15
) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        events = [
            event
            for event, _, _ in inbox.deliveries
            if event["type"] == event_type and event["data"]["object"].get("id") == object_id and where(event)
        ]
        if len(events) >= count:
            return events
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(events)} of {count} {event_type} webhooks for {object_id} within {timeout} s")
        time.sleep(0.05)


# --- accounts ------------------------------------------------------------------------


def test_a_new_express_account_is_restricted_until_onboarded(client):
    account = client.v1.accounts.create(
        params={
            "type": "express",
            "country": "GB",
            "email": "ada@example.com",
            "capabilities": {"transfers": {"requested": True}},
            "metadata": {"contributor_id": "17"},
        }
    )
    assert account.id.startswith("acct_")
    assert (account.object, account.type, account.country, account.email) == (
        "account",
        "express",
        "GB",
        "ada@example.com",
    )
    assert account.default_currency == "gbp"
    assert account.capabilities.to_dict() == {"transfers": "inactive"}
    assert (account.details_submitted, account.charges_enabled, account.payouts_enabled) == (False, False, False)
    assert {"individual.first_name", "external_account", "tos_acceptance.date"} <= set(
        account.requirements.currently_due
    )
    assert account.requirements.past_due == account.requirements.currently_due
    assert account.requirements.disabled_reason == "requirements.past_due"
    assert account.metadata.to_dict() == {"contributor_id": "17"}
    assert isinstance(account.created, int)
    assert client.v1.accounts.retrieve(account.id).to_dict() == account.to_dict()

    updated = client.v1.accounts.update(account.id, params={"metadata": {"tier": "expert", "contributor_id": ""}})
    assert updated.metadata.to_dict() == {"tier": "expert"}
    assert client.v1.accounts.retrieve(account.id).metadata.to_dict() == {"tier": "expert"}


def test_accounts_are_refused_or_missing_the_way_stripe_says(client):
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.accounts.retrieve("acct_doesnotexist")
    assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.accounts.create(params={"type": "express", "colour": "blue"})
    assert (unknown.value.http_status, unknown.value.code, unknown.value.param) == (400, "parameter_unknown", "colour")
    with pytest.raises(stripe.InvalidRequestError) as no_type:
        client.v1.accounts.create(params={"country": "US"})
    assert (no_type.value.code, no_type.value.param) == ("parameter_missing", "type")


def test_accounts_are_listed_newest_first_page_by_page(client):
    created = [create_account(client).id for _ in range(5)]
    first_page = client.v1.accounts.list(params={"limit": 2})
    assert first_page.has_more
    assert [account.id for account in first_page.data] == created[::-1][:2]
    assert first_page.url == "/v1/accounts"
    # Older accounts made by other tests follow ours.
    assert [account.id for account in first_page.auto_paging_iter()][:5] == created[::-1]
    since = client.v1.accounts.retrieve(created[0]).created
    recent = [account.id for account in client.v1.accounts.list(params={"created": {"gte": since}}).auto_paging_iter()]
    assert set(created) <= set(recent)
    assert not set(created) & {
        account.id for account in client.v1.accounts.list(params={"created": {"lt": since}}).auto_paging_iter()
    }


# --- onboarding ----------------------------------------------------------------------


def test_onboarding_through_the_account_link_activates_transfers_and_tells_only_the_connect_endpoint(
    stripe_server, client, webhook_inbox, connect_webhook_inbox, settings
):
    webhook_deliveries.set(hold=True)
    account = create_account(client)
    link = onboarding_link(client, account.id)
    assert link.object == "account_link"
    assert link.expires_at > link.created
    assert link.url.startswith(f"{stripe_server.url}/_local/onboarding/")

    done = visit(link.url)
    assert done.status_code == 302
    assert done.headers["Location"] == "http://127.0.0.1:8000/payouts/onboarding/done/"
    onboarded = client.v1.accounts.retrieve(account.id)
    assert onboarded.capabilities.transfers == "active"
    assert (onboarded.details_submitted, onboarded.payouts_enabled) == (True, True)
    assert onboarded.requirements.currently_due == onboarded.requirements.past_due == []
    assert onboarded.requirements.disabled_reason is None

    # Held then released: by the time release returns, every endpoint has had its answer.
    [event_id] = webhook_deliveries.release()
    body, signature = connect_webhook_inbox.wait_for("account.updated", object_id=account.id)
    event = stripe.Webhook.construct_event(body, signature, settings.STRIPE_CONNECT_WEBHOOK_SECRET)
    assert (event.id, event.type, event.account) == (event_id, "account.updated", account.id)
    assert event.id.startswith("evt_")
    assert isinstance(event.created, int)
    assert event.data.object.capabilities.transfers == "active"
    assert event.data.previous_attributes.capabilities.transfers == "inactive"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, signature, settings.STRIPE_WEBHOOK_SECRET)
    assert {attempt.endpoint for attempt in webhook_deliveries.attempts if attempt.event_id == event_id} == {
        "tests-connect"
    }
    assert not [event for event, _, _ in webhook_inbox.deliveries if event["id"] == event_id]

    # Account links are single-use: the expert is sent to ask for a new one.
    again = visit(link.url)
    assert again.status_code == 302
    assert again.headers["Location"] == "http://127.0.0.1:8000/payouts/onboarding/again/"


def test_onboarding_can_be_abandoned_or_end_pending_verification(client):
    account = create_account(client)
    abandoned = visit(onboarding_link(client, account.id).url, outcome="abandoned")
    assert abandoned.headers["Location"] == "http://127.0.0.1:8000/payouts/onboarding/done/"
    assert client.v1.accounts.retrieve(account.id).to_dict() == account.to_dict()

    visit(onboarding_link(client, account.id).url, outcome="pending")
    pending = client.v1.accounts.retrieve(account.id)
    assert pending.capabilities.transfers == "pending"
    assert pending.details_submitted
    assert not pending.payouts_enabled
    assert pending.requirements.currently_due == []
    assert pending.requirements.pending_verification
    assert pending.requirements.disabled_reason == "requirements.pending_verification"


def test_any_account_state_can_be_set_for_a_test_and_is_announced(
    client, stripe_server, expert_account, connect_webhook_inbox, settings
):
    due = ["individual.verification.document"]
    stripe_server.account_state_set(
        expert_account,
        capabilities={"transfers": "inactive"},
        payouts_enabled=False,
        requirements={"currently_due": due, "past_due": due, "disabled_reason": "requirements.past_due"},
    )
    account = client.v1.accounts.retrieve(expert_account)
    assert account.capabilities.transfers == "inactive"
    assert not account.payouts_enabled
    assert account.details_submitted
    assert (account.requirements.currently_due, account.requirements.past_due) == (due, due)
    assert account.requirements.disabled_reason == "requirements.past_due"

    [announced] = events_received(
        connect_webhook_inbox,
        "account.updated",
        expert_account,
        where=lambda event: event["data"]["object"]["requirements"]["past_due"] == due,
    )
    assert announced["account"] == expert_account
    assert announced["data"]["object"]["requirements"]["disabled_reason"] == "requirements.past_due"
    assert announced["data"]["previous_attributes"]["capabilities"] == {"transfers": "active"}

    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.transfers.create(params=transfer_params(expert_account, unique("restricted")))
    assert refused.value.code == "insufficient_capabilities_for_transfer"
    with pytest.raises(RuntimeError, match="400"):
        stripe_server.account_state_set(expert_account, capabilities={"transfers": "enabled"})


# --- transfers -----------------------------------------------------------------------


def test_a_transfer_moves_platform_funds_to_the_connected_account_and_tells_the_platform_endpoint(
    client, expert_account, webhook_inbox, connect_webhook_inbox, settings
):
    group = unique("payrun")
    webhook_deliveries.set(hold=True)
    before = platform_available(client, "usd")
    transfer = client.v1.transfers.create(
        params={**transfer_params(expert_account, group, amount=12_345), "description": "Week 12 pay"},
        options={"idempotency_key": f"payout-{group}"},
    )
    assert transfer.id.startswith("tr_")
    assert (transfer.object, transfer.amount, transfer.amount_reversed, transfer.currency) == (
        "transfer",
        12_345,
        0,
        "usd",
    )
    assert (transfer.destination, transfer.transfer_group, transfer.description) == (
        expert_account,
        group,
        "Week 12 pay",
    )
    assert transfer.metadata.to_dict() == {"payout_group": group}
    assert transfer.reversed is False
    assert (transfer.reversals.object, transfer.reversals.data) == ("list", [])
    assert isinstance(transfer.created, int)
    assert client.v1.transfers.retrieve(transfer.id).to_dict() == transfer.to_dict()

    assert platform_available(client, "usd") == before - 12_345
    assert platform_available(client, "usd", stripe_account=expert_account) == 12_345
    ledger_line = client.v1.balance_transactions.retrieve(transfer.balance_transaction)
    assert (ledger_line.type, ledger_line.amount, ledger_line.currency, ledger_line.source) == (
        "transfer",
        -12_345,
        "usd",
        transfer.id,
    )

    [event_id] = webhook_deliveries.release()
    body, signature = webhook_inbox.wait_for("transfer.created", object_id=transfer.id)
    event = stripe.Webhook.construct_event(body, signature, settings.STRIPE_WEBHOOK_SECRET)
    assert event.id == event_id
    assert "account" not in event.to_dict()
    assert event.data.object.amount == 12_345
    assert not [event for event, _, _ in connect_webhook_inbox.deliveries if event["type"].startswith("transfer.")]


def test_transfers_are_refused_as_stripe_refuses_them_and_nothing_moves(client, stripe_server, expert_account):
    group = unique("refused")
    restricted = create_account(client)
    for destination, code in [
        ("acct_doesnotexist", "resource_missing"),
        (restricted.id, "insufficient_capabilities_for_transfer"),
    ]:
        with pytest.raises(stripe.InvalidRequestError) as refused:
            client.v1.transfers.create(params=transfer_params(destination, group))
        assert (refused.value.http_status, refused.value.code, refused.value.param) == (400, code, "destination")
        assert refused.value.error.type == "invalid_request_error"

    stripe_server.platform_balance_set(currency="sek", available_minor=500)
    try:
        with pytest.raises(stripe.InvalidRequestError) as short:
            client.v1.transfers.create(params={**transfer_params(expert_account, group, amount=501), "currency": "sek"})
        assert (short.value.http_status, short.value.code) == (400, "balance_insufficient")
        assert platform_available(client, "sek") == 500
        assert transfers_in_group(client, group) == []

        top_up = stripe_server.platform_balance_top_up(currency="sek", amount_minor=1_000)
        assert (top_up["type"], top_up["amount"]) == ("topup", 1_000)
        client.v1.transfers.create(params={**transfer_params(expert_account, group, amount=1_500), "currency": "sek"})
        assert platform_available(client, "sek") == 0
    finally:
        stripe_server.platform_balance_set(currency="sek", available_minor=DEFAULT_PLATFORM_AVAILABLE_MINOR)


def test_transfers_are_listed_by_destination_group_and_date_page_by_page(client, expert_account):
    other_account = create_account(client)
    visit(onboarding_link(client, other_account.id).url)
    ours_group, theirs_group = unique("ours"), unique("theirs")
    ours = [
        client.v1.transfers.create(params=transfer_params(expert_account, ours_group, amount=100 + n)) for n in range(5)
    ]
    theirs = [client.v1.transfers.create(params=transfer_params(other_account.id, theirs_group)) for _ in range(2)]
    newest_first = [transfer.id for transfer in ours[::-1]]

    page = client.v1.transfers.list(params={"destination": expert_account, "limit": 2})
    assert page.has_more
    assert [transfer.id for transfer in page.data] == newest_first[:2]
    assert [transfer.id for transfer in page.auto_paging_iter()] == newest_first
    assert transfers_in_group(client, theirs_group) == [transfer.id for transfer in theirs[::-1]]

    first_second, last_second = ours[0].created, ours[-1].created
    for created in ({"gte": first_second}, {"lte": last_second}, {"gte": first_second, "lte": last_second}):
        listed = client.v1.transfers.list(params={"destination": expert_account, "created": created})
        assert [transfer.id for transfer in listed.auto_paging_iter()] == newest_first
    before_any = client.v1.transfers.list(params={"destination": expert_account, "created": {"lt": first_second}})
    assert before_any.data == []
    assert not before_any.has_more

    back = client.v1.transfers.list(params={"destination": expert_account, "limit": 2, "ending_before": ours[0].id})
    assert [transfer.id for transfer in back.data] == [ours[2].id, ours[1].id]
    assert back.has_more
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.list(params={"limit": 101})


# --- reversals -----------------------------------------------------------------------


def test_reversals_take_funds_back_in_part_then_in_full(client, expert_account, webhook_inbox, settings):
    transfer = client.v1.transfers.create(params=transfer_params(expert_account, unique("reversed"), amount=1_000))
    before = platform_available(client, "usd")

    part = client.v1.transfers.reversals.create(transfer.id, params={"amount": 300, "metadata": {"reason": "fix"}})
    assert part.id.startswith("trr_")
    assert (part.object, part.amount, part.currency, part.transfer) == ("transfer_reversal", 300, "usd", transfer.id)
    assert part.metadata.to_dict() == {"reason": "fix"}
    halfway = client.v1.transfers.retrieve(transfer.id)
    assert (halfway.amount_reversed, halfway.reversed) == (300, False)

    with pytest.raises(stripe.InvalidRequestError) as too_much:
        client.v1.transfers.reversals.create(transfer.id, params={"amount": 701})
    assert (too_much.value.http_status, too_much.value.param) == (400, "amount")

    rest = client.v1.transfers.reversals.create(transfer.id)
    assert rest.amount == 700
    reversed_transfer = client.v1.transfers.retrieve(transfer.id)
    assert (reversed_transfer.amount_reversed, reversed_transfer.reversed) == (1_000, True)
    assert [reversal.id for reversal in reversed_transfer.reversals.data] == [rest.id, part.id]
    assert [reversal.id for reversal in client.v1.transfers.reversals.list(transfer.id).auto_paging_iter()] == [
        rest.id,
        part.id,
    ]
    assert client.v1.transfers.reversals.retrieve(transfer.id, part.id).amount == 300
    with pytest.raises(stripe.InvalidRequestError) as done:
        client.v1.transfers.reversals.create(transfer.id)
    assert "already been fully reversed" in done.value.user_message

    assert platform_available(client, "usd") == before + 1_000
    assert platform_available(client, "usd", stripe_account=expert_account) == 0
    ledger_line = client.v1.balance_transactions.retrieve(part.balance_transaction)
    assert (ledger_line.type, ledger_line.amount, ledger_line.source) == ("transfer_refund", 300, part.id)

    announced = events_received(webhook_inbox, "transfer.reversed", transfer.id, count=2)
    assert sorted(event["data"]["object"]["amount_reversed"] for event in announced) == [300, 1_000]
    body, signature = webhook_inbox.wait_for("transfer.reversed", object_id=transfer.id)
    assert "account" not in stripe.Webhook.construct_event(body, signature, settings.STRIPE_WEBHOOK_SECRET).to_dict()


# --- balance transactions ------------------------------------------------------------


def test_balance_transactions_are_filtered_paged_and_kept_to_their_own_account(client, expert_account):
    since = int(time.time())
    transfers = [
        client.v1.transfers.create(params=transfer_params(expert_account, unique("ledger"), amount=200 + n))
        for n in range(3)
    ]
    reversal = client.v1.transfers.reversals.create(transfers[0].id, params={"amount": 50})
    ours = {transfer.balance_transaction for transfer in transfers}

    listed = client.v1.balance_transactions.list(params={"type": "transfer", "created": {"gte": since}, "limit": 2})
    assert listed.url == "/v1/balance_transactions"
    paged = [line.id for line in listed.auto_paging_iter() if line.id in ours]
    assert paged == [transfer.balance_transaction for transfer in transfers[::-1]]
    refunds = {
        line.id for line in client.v1.balance_transactions.list(params={"type": "transfer_refund"}).auto_paging_iter()
    }
    assert reversal.balance_transaction in refunds
    assert not refunds & ours
    earlier = client.v1.balance_transactions.list(params={"type": "transfer", "created": {"lte": since - 1}})
    assert not {line.id for line in earlier.auto_paging_iter()} & ours

    connected = list(client.v1.balance_transactions.list(options={"stripe_account": expert_account}).auto_paging_iter())
    assert sorted((line.type, line.amount) for line in connected) == [
        ("payment", 200),
        ("payment", 201),
        ("payment", 202),
        ("payment_refund", -50),
    ]
    with pytest.raises(stripe.InvalidRequestError) as hidden:
        client.v1.balance_transactions.retrieve(connected[0].id)
    assert hidden.value.http_status == 404

    with pytest.raises(stripe.PermissionError):
        client.v1.balance.retrieve(options={"stripe_account": "acct_doesnotexist"})
    with pytest.raises(stripe.InvalidRequestError, match="platform only"):
        client.v1.transfers.create(
            params=transfer_params(expert_account, unique("scoped")), options={"stripe_account": expert_account}
        )


# --- idempotency ---------------------------------------------------------------------


def test_a_repeated_idempotency_key_replays_the_first_answer_and_a_changed_request_is_refused(client, expert_account):
    group = unique("idempotent")
    params = transfer_params(expert_account, group)
    first = client.v1.transfers.create(params=params, options={"idempotency_key": group})
    again = client.v1.transfers.create(params=params, options={"idempotency_key": group})
    assert again.id == first.id
    assert replayed(again)
    assert not replayed(first)
    assert transfers_in_group(client, group) == [first.id]
    with pytest.raises(stripe.IdempotencyError) as mismatch:
        client.v1.transfers.create(params={**params, "amount": 501}, options={"idempotency_key": group})
    assert mismatch.value.http_status == 400

    reversal = client.v1.transfers.reversals.create(
        first.id, params={"amount": 10}, options={"idempotency_key": f"{group}-reversal"}
    )
    assert (
        client.v1.transfers.reversals.create(
            first.id, params={"amount": 10}, options={"idempotency_key": f"{group}-reversal"}
        ).id
        == reversal.id
    )
    assert client.v1.transfers.retrieve(first.id).amount_reversed == 10

    account_params = {"type": "express", "metadata": {"key": group}}
    account = client.v1.accounts.create(params=account_params, options={"idempotency_key": f"{group}-account"})
    account_again = client.v1.accounts.create(params=account_params, options={"idempotency_key": f"{group}-account"})
    assert (account_again.id, replayed(account_again)) == (account.id, True)


def test_idempotency_keys_are_scoped_by_connected_account(stripe_server, expert_account):
    def create_customer(**headers) -> requests.Response:
        return requests.post(
            f"{stripe_server.url}/v1/customers",
            data={"email": "lab@example.com"},
            headers={"Authorization": "Bearer sk_test_local", "Idempotency-Key": "same-key", **headers},
            timeout=10,
        )

    platform = create_customer()
    connected = create_customer(**{"Stripe-Account": expert_account})
    connected_again = create_customer(**{"Stripe-Account": expert_account})
    assert platform.json()["id"] != connected.json()["id"]
    assert "Idempotent-Replayed" not in connected.headers
    assert connected_again.json()["id"] == connected.json()["id"]
    assert connected_again.headers["Idempotent-Replayed"] == "true"


# --- fault injection -----------------------------------------------------------------


def test_a_500_before_the_transfer_leaves_nothing_and_a_retry_makes_it(client, expert_account):
    group = unique("before")
    faults.set(path_prefix="/v1/transfers", error_rate=1.0, kinds=("500_before",), limit=1)
    with pytest.raises(stripe.APIError) as failed:
        client.v1.transfers.create(params=transfer_params(expert_account, group), options={"idempotency_key": group})
    assert failed.value.http_status == 500
    assert failed.value.error.type == "api_error"
    assert transfers_in_group(client, group) == []

    retried = client.v1.transfers.create(
        params=transfer_params(expert_account, group), options={"idempotency_key": group}
    )
    assert not replayed(retried)
    assert transfers_in_group(client, group) == [retried.id]
    assert faults.injected == [InjectedFault("POST", "/v1/transfers", "500_before")]


def test_a_500_after_the_transfer_hides_one_that_replay_and_listing_find(client, expert_account):
    group = unique("after")
    faults.set(path_prefix="/v1/transfers", error_rate=1.0, kinds=("500_after",), limit=1)
    with pytest.raises(stripe.APIError):
        client.v1.transfers.create(params=transfer_params(expert_account, group), options={"idempotency_key": group})

    [found] = client.v1.transfers.list(params={"transfer_group": group}).data
    assert found.metadata.payout_group == group
    replay = client.v1.transfers.create(
        params=transfer_params(expert_account, group), options={"idempotency_key": group}
    )
    assert (replay.id, replayed(replay)) == (found.id, True)
    assert transfers_in_group(client, group) == [found.id]


def test_a_429_is_a_rate_limit_error_and_performs_nothing(client, expert_account):
    group = unique("throttled")
    faults.set(path_prefix="/v1/transfers", error_rate=1.0, kinds=("429",), limit=1)
    with pytest.raises(stripe.RateLimitError) as throttled:
        client.v1.transfers.create(params=transfer_params(expert_account, group), options={"idempotency_key": group})
    assert throttled.value.http_status == 429
    assert transfers_in_group(client, group) == []


def test_a_timeout_comes_after_the_transfer_was_made(stripe_server, client, expert_account):
    group = unique("timeout")
    impatient = stripe.StripeClient(
        "sk_test_local",
        base_addresses={"api": stripe_server.url},
        max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=0.5),
    )
    faults.set(path_prefix="/v1/transfers", error_rate=1.0, kinds=("timeout",), timeout_delay_seconds=1.5, limit=1)
    with pytest.raises(stripe.APIConnectionError):
        impatient.v1.transfers.create(params=transfer_params(expert_account, group), options={"idempotency_key": group})

    [made] = transfers_in_group(client, group)
    replay = client.v1.transfers.create(
        params=transfer_params(expert_account, group), options={"idempotency_key": group}
    )
    assert (replay.id, replayed(replay)) == (made, True)


def test_the_gateway_client_rides_through_a_500_after_by_retrying_with_the_same_key(stripe_server, expert_account):
    group = unique("gateway")
    faults.set(path_prefix="/v1/transfers", error_rate=1.0, kinds=("500_after",), limit=1)
    client = stripe_gateway._client()
    transfer = client.v1.transfers.create(
        params=transfer_params(expert_account, group), options={"idempotency_key": group}
    )
    assert replayed(transfer)
    assert transfers_in_group(client, group) == [transfer.id]
    assert [fault.kind for fault in faults.injected] == ["500_after"]


def test_faults_are_the_same_for_the_same_seed_and_cover_every_kind(client, expert_account):
    def run(seed: int) -> tuple[list[str], list[str], int]:
        group = unique(f"seed-{seed}")
        faults.set(path_prefix="/v1/transfers", error_rate=0.6, kinds=("500", "429"), seed=seed)
        outcomes = []
        for n in range(16):
            try:
                client.v1.transfers.create(
                    params=transfer_params(expert_account, group), options={"idempotency_key": f"{group}-{n}"}
                )
                outcomes.append("ok")
            except stripe.StripeError as exc:
                outcomes.append(str(exc.http_status))
        kinds = [fault.kind for fault in faults.injected]
        faults.clear()
        return outcomes, kinds, len(transfers_in_group(client, group))

    outcomes, kinds, made = run(seed=7)
    assert run(seed=7) == (outcomes, kinds, made)
    assert run(seed=8)[:2] != (outcomes, kinds)
    assert {"500_before", "500_after", "429"} <= set(kinds)
    assert "ok" in outcomes
    # Every request answered "ok" made a transfer, and so did every 500 after the fact.
    assert made == outcomes.count("ok") + kinds.count("500_after")


def test_faults_only_touch_the_chosen_paths_and_methods(client, expert_account):
    faults.set(path_prefix="/v1/transfers", error_rate=1.0, kinds=("429",))
    client.v1.transfers.list(params={"limit": 1})
    create_account(client)
    assert faults.injected == []
    with pytest.raises(ValueError, match="kinds"):
        faults.set(path_prefix="/v1/transfers", error_rate=1.0, kinds=("503",))


# --- webhook deliveries --------------------------------------------------------------


def test_held_webhooks_are_released_in_reverse_order_and_verify_when_they_arrive(
    client, expert_account, webhook_inbox, settings
):
    group = unique("late")
    webhook_deliveries.set(hold=True)
    transfers = [client.v1.transfers.create(params=transfer_params(expert_account, group)) for _ in range(3)]
    assert len(webhook_deliveries.held) == 3
    assert not [
        event for event, _, _ in webhook_inbox.deliveries if event["data"]["object"].get("transfer_group") == group
    ]

    released_at = int(time.time())
    released = webhook_deliveries.release(order="reversed")
    assert webhook_deliveries.held == []
    arrived = [
        (event, body, signature)
        for event, body, signature in webhook_inbox.deliveries
        if event["type"] == "transfer.created" and event["data"]["object"]["transfer_group"] == group
    ]
    assert [event["data"]["object"]["id"] for event, _, _ in arrived] == [transfer.id for transfer in transfers[::-1]]
    assert [event["id"] for event, _, _ in arrived] == released
    assert len(set(released)) == 3
    for event, body, signature in arrived:
        assert stripe.Webhook.construct_event(body, signature, settings.STRIPE_WEBHOOK_SECRET).id == event["id"]
        # Signed when sent, as Stripe does, so a late event still verifies within the tolerance.
        assert int(signature.split(",")[0].removeprefix("t=")) >= released_at
        assert event["object"] == "event"
        assert isinstance(event["created"], int)


def test_each_webhook_can_be_delivered_several_times(client, expert_account, webhook_inbox):
    webhook_deliveries.set(copies=3, hold=True)
    transfer = client.v1.transfers.create(params=transfer_params(expert_account, unique("twice")))
    webhook_deliveries.release()
    copies = events_received(webhook_inbox, "transfer.created", transfer.id, count=3)
    assert len({event["id"] for event in copies}) == 1
    assert [attempt.status for attempt in webhook_deliveries.attempts if attempt.event_id == copies[0]["id"]] == [
        200,
        200,
        200,
    ]


def test_webhooks_can_arrive_late(client, expert_account, webhook_inbox):
    webhook_deliveries.set(delay_seconds=1.5)
    transfer = client.v1.transfers.create(params=transfer_params(expert_account, unique("delayed")))
    time.sleep(0.5)
    assert not [event for event, _, _ in webhook_inbox.deliveries if event["data"]["object"].get("id") == transfer.id]
    events_received(webhook_inbox, "transfer.created", transfer.id)


def test_faults_and_deliveries_can_be_steered_over_http_for_a_server_in_another_process(
    stripe_server, client, expert_account, webhook_inbox
):
    group = unique("http")
    assert requests.post(
        f"{stripe_server.url}/_local/faults",
        json={"path_prefix": "/v1/transfers", "error_rate": 1, "kinds": ["429"], "limit": 1},
        timeout=10,
    ).ok
    with pytest.raises(stripe.RateLimitError):
        client.v1.transfers.create(params=transfer_params(expert_account, group))
    cleared = requests.delete(f"{stripe_server.url}/_local/faults", timeout=10).json()
    assert cleared["injected"] == [{"method": "POST", "path": "/v1/transfers", "kind": "429"}]

    assert requests.post(f"{stripe_server.url}/_local/webhooks/delivery", json={"hold": True}, timeout=10).ok
    transfer = client.v1.transfers.create(params=transfer_params(expert_account, group))
    released = requests.post(f"{stripe_server.url}/_local/webhooks/release", json={"order": "reversed"}, timeout=10)
    [event_id] = released.json()["released"]
    assert events_received(webhook_inbox, "transfer.created", transfer.id)[0]["id"] == event_id
    refused = requests.post(f"{stripe_server.url}/_local/faults", json={"error_rate": 2}, timeout=10)
    assert refused.status_code == 400


# --- the server as a whole -----------------------------------------------------------


def test_reset_forgets_connect_objects_faults_and_held_events(client, expert_account):
    transfer = client.v1.transfers.create(params=transfer_params(expert_account, unique("forgotten"), amount=700))
    faults.set(path_prefix="/v1/accounts", error_rate=1.0, kinds=("429",))
    webhook_deliveries.set(hold=True)
    client.v1.transfers.create(params=transfer_params(expert_account, unique("held")))
    assert webhook_deliveries.held

    reset()
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.accounts.retrieve(expert_account)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.retrieve(transfer.id)
    assert platform_available(client, "usd") == DEFAULT_PLATFORM_AVAILABLE_MINOR
    assert webhook_deliveries.held == []
    assert create_account(client).id.startswith("acct_")
    assert faults.injected == []


def test_the_server_runs_on_its_own_with_platform_and_connect_endpoints():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stripe_local.server",
            "--port",
            "0",
            "--webhook",
            "platform=http://127.0.0.1:9/platform/=whsec_platform",
            "--connect-webhook",
            "connect=http://127.0.0.1:9/connect/=whsec_connect",
        ],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        started = json.loads(process.stdout.readline())
        assert (started["webhooks"], started["connect_webhooks"]) == (["platform"], ["connect"])
        client = stripe.StripeClient("sk_test_local", base_addresses={"api": started["local_stripe"]})
        assert create_account(client).capabilities.transfers == "inactive"
    finally:
        process.terminate()
        process.wait(timeout=10)
