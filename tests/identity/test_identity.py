"""Identity verification through Stripe Identity, end to end: the real stripe SDK, the local Stripe
server, and the webhooks it signs and sends, delivered to our platform endpoint."""

import pytest
import requests
from django.core import mail
from django.test import TestCase

from identity.models import AccountReviewCase, CaseKind, CaseStatus, IdentityVerification, VerificationStatus
from identity.names import name_score, names_match
from identity.selectors import duplicate_payout_blocks, payout_blocks
from payouts.models import StripeEvent
from stripe_local.server import reset, webhook_deliveries

from tests.helpers.factories import make_expert, make_ops
from tests.helpers.stripe_webhooks import deliver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_stripe(stripe_server):
    reset()
    webhook_deliveries.set(delay_seconds=0)
    yield
    reset()


def start(client_for, expert) -> tuple[str, str]:
    """The expert starts a verification; returns (session id, hosted URL)."""
    api = client_for(expert.user)
    started = api.post("/api/me/identity/verification/")
    assert started.status_code == 201, started.json()
    verification = IdentityVerification.objects.get(contributor=expert)
    return verification.stripe_session_id, started.json()["url"]


def submit(url: str) -> None:
    """The expert takes the photos on Stripe's page and is sent back to us."""
    visit = requests.get(url, allow_redirects=False, timeout=10)
    assert visit.status_code == 302
    assert visit.headers["Location"].endswith("/me/identity/")


def deliver_event(webhook_inbox, event_type: str, session_id: str):
    # Mail goes out once the handler's transaction commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = deliver("platform", *webhook_inbox.wait_for(event_type, object_id=session_id))
    assert response.status_code == 200, response.json()
    return response


def verify(stripe_server, webhook_inbox, client_for, expert, **outputs) -> IdentityVerification:
    session_id, url = start(client_for, expert)
    submit(url)
    stripe_server.identity_session_verify(session_id, **outputs)
    deliver_event(webhook_inbox, "identity.verification_session.verified", session_id)
    return IdentityVerification.objects.get(stripe_session_id=session_id)


def test_a_verified_session_leaves_the_outcome_and_its_date_and_never_the_document_number(
    stripe_server, webhook_inbox, client_for
):
    expert = make_expert(identity_verified=False, legal_name="Ada Example")
    api = client_for(expert.user)
    assert api.get("/api/me/identity/").json()["status"] == "not_started"
    assert payout_blocks(contributor_ids=[expert.pk], on=None)[expert.pk].startswith("Verify your identity before")

    verification = verify(
        stripe_server,
        webhook_inbox,
        client_for,
        expert,
        first_name="ADA",
        last_name="Example",
        dob={"day": 2, "month": 3, "year": 1985},
        id_number="X1234567",
        issuing_country="GB",
        document_type="passport",
    )
    assert verification.status == VerificationStatus.VERIFIED
    assert verification.verified_at is not None
    assert (verification.verified_name, str(verification.verified_dob)) == ("ADA Example", "1985-03-02")
    assert (verification.document_country, verification.document_type) == ("GB", "passport")
    assert len(verification.document_fingerprint) == 64 and "1234567" not in verification.document_fingerprint
    mine = api.get("/api/me/identity/").json()
    assert (mine["status"], mine["can_start"]) == ("verified", False)
    assert mine["verified_at"]
    assert payout_blocks(contributor_ids=[expert.pk], on=None) == {}
    # Starting again once verified is refused.
    assert api.post("/api/me/identity/verification/").json()["code"] == "identity_already_verified"
    assert any(message.subject == "Your identity is verified" for message in mail.outbox)


def test_a_failed_check_is_shown_in_plain_words_and_the_expert_tries_again_with_the_same_session(
    stripe_server, webhook_inbox, client_for, client
):
    expert = make_expert(identity_verified=False)
    session_id, url = start(client_for, expert)
    submit(url)
    stripe_server.identity_session_requires_input(session_id, code="document_expired")
    deliver_event(webhook_inbox, "identity.verification_session.requires_input", session_id)

    mine = client_for(expert.user).get("/api/me/identity/").json()
    assert mine["status"] == "requires_input"
    assert mine["last_error"] == "Your identity document has expired. Try again with a document that is still valid."
    assert mine["can_start"] is True
    client.force_login(expert.user)
    page = client.get("/me/identity/")
    assert b"Your identity document has expired" in page.content
    assert b"Try again" in page.content

    # Trying again resumes the session: no second session is made.
    again = client.post("/me/identity/start/")
    assert again.status_code == 302 and again["Location"] == url
    assert IdentityVerification.objects.filter(contributor=expert).count() == 1


def test_a_canceled_session_is_canceled_and_a_new_one_can_start(stripe_server, webhook_inbox, client_for):
    from payouts.gateway.stripe_api import identity_session_cancel

    expert = make_expert(identity_verified=False)
    session_id, _ = start(client_for, expert)
    identity_session_cancel(session_id)
    deliver_event(webhook_inbox, "identity.verification_session.canceled", session_id)
    assert IdentityVerification.objects.get(stripe_session_id=session_id).status == VerificationStatus.CANCELED
    started = client_for(expert.user).post("/api/me/identity/verification/")
    assert started.status_code == 201
    assert IdentityVerification.objects.filter(contributor=expert).count() == 2


def test_a_name_that_differs_goes_to_operations_who_clear_it_and_the_expert_is_then_verified(
    stripe_server, webhook_inbox, client_for, reviewer_client, ops_reviewer
):
    expert = make_expert(identity_verified=False, legal_name="Ada Example")
    verification = verify(stripe_server, webhook_inbox, client_for, expert, first_name="Adaline", last_name="Smith")
    # Not refused: the name is compared by a person.
    assert verification.status == VerificationStatus.NAME_REVIEW
    [case] = AccountReviewCase.objects.filter(kind=CaseKind.NAME_MISMATCH)
    assert case.evidence["legal_name"] == "Ada Example" and case.evidence["verified_name"] == "Adaline Smith"
    assert payout_blocks(contributor_ids=[expert.pk], on=None)[expert.pk].startswith(
        "Your identity document is verified, but its name differs"
    )
    queue = reviewer_client.get("/api/ops/account-cases/").json()["results"]
    assert [item["id"] for item in queue] == [case.pk]

    expert_api = client_for(expert.user)
    answer = expert_api.post(f"/api/me/account-cases/{case.pk}/answer/", {"text": "Smith is my married name."})
    assert answer.status_code == 201, answer.json()

    refused = reviewer_client.post(f"/api/ops/account-cases/{case.pk}/decision/", {"outcome": "cleared"})
    assert refused.status_code == 400
    decided = reviewer_client.post(
        f"/api/ops/account-cases/{case.pk}/decision/",
        {"outcome": "cleared", "reason": "The marriage certificate shows Smith is her married name."},
    )
    assert decided.status_code == 200, decided.json()
    verification.refresh_from_db()
    assert verification.status == VerificationStatus.VERIFIED
    assert payout_blocks(contributor_ids=[expert.pk], on=None) == {}
    cases = expert_api.get("/api/me/identity/").json()["cases"]
    assert cases[0]["decision_reason"] == "The marriage certificate shows Smith is her married name."
    again = reviewer_client.post(
        f"/api/ops/account-cases/{case.pk}/decision/", {"outcome": "confirmed", "reason": "again"}
    )
    assert again.json()["code"] == "case_decided"


def test_names_are_compared_without_accents_case_or_order():
    assert names_match("María José García López", "GARCIA LOPEZ, MARIA JOSE")
    assert name_score("Ada Example", "Ada Example") == 100
    assert not names_match("Ada Example", "Adaline Smith")


def test_a_webhook_delivered_twice_is_processed_once(stripe_server, webhook_inbox, client_for):
    expert = make_expert(identity_verified=False)
    session_id, url = start(client_for, expert)
    submit(url)
    stripe_server.identity_session_verify(session_id, first_name="Ada", last_name="Example")
    body, signature = webhook_inbox.wait_for("identity.verification_session.verified", object_id=session_id)
    for _ in range(3):
        assert deliver("platform", body, signature).status_code == 200
    event = StripeEvent.objects.get(type="identity.verification_session.verified")
    assert (event.status, event.attempts) == ("processed", 1)
    verification = IdentityVerification.objects.get(stripe_session_id=session_id)
    assert verification.status == VerificationStatus.VERIFIED
    from audit.models import AuditEvent

    assert (
        AuditEvent.objects.filter(action="identity.verification.updated", target_id=str(verification.pk))
        .filter(after__status="verified")
        .count()
        == 1
    )


def test_the_same_document_on_two_accounts_opens_one_case_that_holds_both_experts_payouts(
    stripe_server, webhook_inbox, client_for, reviewer_client
):
    first = make_expert(identity_verified=False, legal_name="Ada Example", display_name="First")
    second = make_expert(identity_verified=False, legal_name="Ada Example", display_name="Second")
    document = {"first_name": "Ada", "last_name": "Example", "id_number": "P 123-456", "issuing_country": "US"}
    verify(stripe_server, webhook_inbox, client_for, first, **document)
    verify(stripe_server, webhook_inbox, client_for, second, **{**document, "id_number": "p123456"})

    [case] = AccountReviewCase.objects.filter(kind=CaseKind.DUPLICATE)
    assert case.signal == "identity_document"
    assert set(case.contributor_ids) == {first.pk, second.pk}
    assert "123456" not in str(case.evidence)
    held = duplicate_payout_blocks(contributor_ids=[first.pk, second.pk], on=None)
    assert set(held) == {first.pk, second.pk}
    assert f"case #{case.pk}" in held[first.pk] and "keeps working" in held[first.pk]
    assert any(m.subject == "A question about your account" and second.user.email in m.to for m in mail.outbox)

    # Each expert sees the case about them and no one else's.
    other = make_expert()
    assert client_for(other.user).post(f"/api/me/account-cases/{case.pk}/answer/", {"text": "?"}).status_code == 404

    decided = reviewer_client.post(
        f"/api/ops/account-cases/{case.pk}/decision/",
        {"outcome": "confirmed", "reason": "One person, two sign-ups.", "kept_contributor": first.pk},
    )
    assert decided.status_code == 200, decided.json()
    assert f"#{second.pk}" in decided.json()["referral"] and "deactivation case" in decided.json()["referral"]
    assert duplicate_payout_blocks(contributor_ids=[first.pk, second.pk], on=None) == {}


def test_a_tier_to_expert_needs_a_verified_identity(client_for, ops_reviewer):
    from config.errors import ApplicationError
    from vetting.services import tier_decision_propose

    expert = make_expert(identity_verified=False)
    with pytest.raises(ApplicationError) as refused:
        tier_decision_propose(actor=ops_reviewer[0], contributor=expert, tier="expert", reason="Strong record")
    assert refused.value.code == "identity_unverified"
    assert "verified identity" in refused.value.fields["tier"][0]


def test_who_may_decide_and_answer(stripe_server, webhook_inbox, client_for, ops_finance):
    expert = make_expert(identity_verified=False)
    verify(stripe_server, webhook_inbox, client_for, expert, first_name="Someone", last_name="Else")
    case = AccountReviewCase.objects.get()
    finance = client_for(*ops_finance)
    assert finance.get("/api/ops/account-cases/").status_code == 200
    assert (
        finance.post(f"/api/ops/account-cases/{case.pk}/decision/", {"outcome": "cleared", "reason": "x"}).status_code
        == 403
    )
    assert (
        client_for(expert.user)
        .post(f"/api/ops/account-cases/{case.pk}/decision/", {"outcome": "cleared", "reason": "x"})
        .status_code
        == 403
    )
    assert case.status == CaseStatus.OPEN
    reviewer, _ = make_ops()
    assert client_for(reviewer, _).post(f"/api/me/account-cases/{case.pk}/answer/", {"text": "x"}).status_code == 403


def test_two_accounts_paid_into_one_bank_account_wait_for_a_decision_and_are_paid_by_the_next_batch(
    stripe_server, connect_webhook_inbox, ops_reviewer, django_capture_on_commit_callbacks, settings
):
    from datetime import date

    from accounts.models import Role
    from identity.services import account_case_decide
    from payouts.models import Payout, PayoutHoldReason, PayoutStatus
    from payouts.transfers.batches import payout_batch_approve, payout_batch_create

    from tests.helpers.payouts import approved_pay_run_in_bulk, onboarded_accounts_in_bulk

    settings.PAYOUT_RATE_LIMIT_PER_SECOND = 0
    run = approved_pay_run_in_bulk(experts=3, period_start=date(2024, 6, 3), prefix="samebank")
    contributors = [statement.contributor for statement in run.statements.order_by("contributor_id")]
    first, second, third = onboarded_accounts_in_bulk(stripe_server, contributors)
    for account in (first, second):
        stripe_server.account_bank_set(
            account.stripe_account_id, routing_number="110000000", account_number="000123456789"
        )
        with django_capture_on_commit_callbacks(execute=True):
            body, signature = connect_webhook_inbox.wait_for("account.updated", object_id=account.stripe_account_id)
            assert deliver("connect", body, signature).status_code == 200
    [case] = AccountReviewCase.objects.filter(kind=CaseKind.DUPLICATE)
    assert (case.signal, case.evidence["bank_last4"]) == ("bank_account", "6789")
    assert set(case.contributor_ids) == {first.contributor_id, second.contributor_id}
    assert "000123456789" not in str(case.evidence)

    preparer, approver = make_ops(Role.OPS_FINANCE)[0], make_ops(Role.OPS_FINANCE)[0]
    batch = payout_batch_create(actor=preparer, run=run)
    reasons = dict(Payout.objects.filter(batch=batch).values_list("contributor_id", "hold_reason"))
    assert reasons[first.contributor_id] == reasons[second.contributor_id] == PayoutHoldReason.DUPLICATE_ACCOUNT
    assert reasons[third.contributor_id] == ""
    with django_capture_on_commit_callbacks(execute=True):
        payout_batch_approve(actor=approver, batch=batch)
    assert Payout.objects.get(batch=batch, contributor_id=third.contributor_id).status == PayoutStatus.PAID

    account_case_decide(
        actor=ops_reviewer[0], case=case, outcome="cleared", reason="Spouses sharing a household account."
    )
    next_run = approved_pay_run_in_bulk(experts=1, period_start=date(2024, 6, 10), prefix="samebank-next")
    onboarded_accounts_in_bulk(stripe_server, [next_run.statements.get().contributor])
    next_batch = payout_batch_create(actor=preparer, run=next_run)
    with django_capture_on_commit_callbacks(execute=True):
        payout_batch_approve(actor=approver, batch=next_batch)
    for account in (first, second):
        paid = Payout.objects.get(contributor_id=account.contributor_id, status=PayoutStatus.PAID)
        assert (paid.batch_id, paid.carried_from_id) == (next_batch.pk, batch.pk)


def test_the_same_tax_identifier_signed_on_two_accounts_opens_a_case(django_capture_on_commit_callbacks):
    from tests.helpers.tax import sign_tax_form

    first, second = make_expert(), make_expert()
    with django_capture_on_commit_callbacks(execute=True):
        sign_tax_form(first, tin="536-90-4399")
    assert not AccountReviewCase.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        sign_tax_form(second, tin="536904399")
    [case] = AccountReviewCase.objects.filter(kind=CaseKind.DUPLICATE)
    assert case.signal == "tin" and set(case.contributor_ids) == {first.pk, second.pk}
    assert "4399" not in str(case.evidence)
    assert set(duplicate_payout_blocks(contributor_ids=[first.pk, second.pk], on=None)) == {first.pk, second.pk}


def test_the_verified_date_of_birth_and_name_reach_sanctions_screening(stripe_server, webhook_inbox, client_for):
    from datetime import date

    from screening.models import ScreeningSubject, SubjectKind

    expert = make_expert(identity_verified=False, legal_name="Ada Example")
    verify(
        stripe_server,
        webhook_inbox,
        client_for,
        expert,
        first_name="Ada",
        last_name="Example",
        dob={"day": 2, "month": 3, "year": 1985},
        id_number="X7654321",
        issuing_country="GB",
        document_type="passport",
    )
    subject = ScreeningSubject.objects.get(kind=SubjectKind.EXPERT, ref_id=expert.pk)
    assert subject.date_of_birth == date(1985, 3, 2)
