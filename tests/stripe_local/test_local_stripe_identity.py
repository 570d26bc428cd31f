"""The local Stripe server's Identity and bank accounts, through the real stripe SDK over HTTP."""

import pytest
import requests
import stripe

from stripe_local.server import reset, webhook_deliveries


@pytest.fixture(autouse=True)
def _clean(stripe_server):
    reset()
    webhook_deliveries.set(delay_seconds=0)
    yield
    reset()


@pytest.fixture
def client(stripe_server) -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_local", base_addresses={"api": stripe_server.url}, max_network_retries=0)


def create_session(client, **options):
    return client.v1.identity.verification_sessions.create(
        params={
            "type": "document",
            "options": {"document": {"require_matching_selfie": True}},
            "metadata": {"verification_id": "7"},
            "client_reference_id": "contributor-3",
            "return_url": "http://127.0.0.1:8000/me/identity/",
        },
        options=options,
    )


def test_a_session_is_created_once_per_idempotency_key_and_listed(client):
    first = create_session(client, idempotency_key="identity-verification:7")
    again = create_session(client, idempotency_key="identity-verification:7")
    assert first.id == again.id and first.status == "requires_input"
    assert first.options["document"]["require_matching_selfie"] is True
    assert first.url.startswith("http://127.0.0.1:")
    listed = client.v1.identity.verification_sessions.list(params={"client_reference_id": "contributor-3"})
    assert [session.id for session in listed.data] == [first.id]


def test_verified_outputs_are_only_in_an_expanded_answer_and_gone_once_redacted(client, stripe_server, webhook_inbox):
    session = create_session(client)
    visit = requests.get(session.url, allow_redirects=False, timeout=10)
    assert visit.status_code == 302 and visit.headers["Location"] == "http://127.0.0.1:8000/me/identity/"
    stripe_server.identity_session_verify(
        session.id, first_name="Ada", last_name="Example", id_number="X123", issuing_country="GB"
    )
    webhook_inbox.wait_for("identity.verification_session.verified", object_id=session.id)
    plain = client.v1.identity.verification_sessions.retrieve(session.id)
    assert plain.status == "verified" and "verified_outputs" not in plain
    assert plain.last_verification_report.startswith("vr_")
    expanded = client.v1.identity.verification_sessions.retrieve(
        session.id, params={"expand": ["verified_outputs", "last_verification_report"]}
    )
    assert (expanded.verified_outputs.first_name, expanded.verified_outputs.id_number) == ("Ada", "X123")
    document = expanded.last_verification_report.document
    assert (document.issuing_country, document.type, document.number) == ("GB", "passport", "X123")

    client.v1.identity.verification_sessions.redact(session.id)
    redacted = client.v1.identity.verification_sessions.retrieve(session.id, params={"expand": ["verified_outputs"]})
    assert redacted.redaction.status == "redacted" and redacted.verified_outputs is None


def test_a_failed_check_and_a_cancel_send_their_events(client, stripe_server, webhook_inbox):
    session = create_session(client)
    stripe_server.identity_session_requires_input(session.id, code="selfie_face_mismatch")
    webhook_inbox.wait_for("identity.verification_session.requires_input", object_id=session.id)
    failed = client.v1.identity.verification_sessions.retrieve(session.id)
    assert failed.last_error.code == "selfie_face_mismatch"
    canceled = client.v1.identity.verification_sessions.cancel(session.id)
    assert canceled.status == "canceled"
    webhook_inbox.wait_for("identity.verification_session.canceled", object_id=session.id)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.identity.verification_sessions.cancel(session.id)


def test_the_same_bank_numbers_give_the_same_fingerprint_on_two_accounts(client, stripe_server):
    accounts = [
        client.v1.accounts.create(
            params={"type": "express", "country": "US", "capabilities": {"transfers": {"requested": True}}}
        )
        for _ in range(3)
    ]
    for account in accounts[:2]:
        stripe_server.account_bank_set(account.id, routing_number="110000000", account_number="000123456789")
    stripe_server.account_bank_set(accounts[2].id, routing_number="110000000", account_number="000999999999")
    banks = [client.v1.accounts.retrieve(account.id).external_accounts.data[0] for account in accounts]
    assert banks[0].fingerprint == banks[1].fingerprint != banks[2].fingerprint
    assert banks[0].last4 == "6789"
