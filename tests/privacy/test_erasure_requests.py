"""A person asks to be erased on the "Your data" page or the API; an operations reviewer,
never the person, erases them or refuses with reasons the person reads, within a month."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from accounts.models import Role, User
from audit.models import AuditEvent
from config.errors import Conflict, NotPermitted
from inbox.selectors import inbox_for
from payouts.ledger.services import Leg, journal_post, ledger_account
from payouts.models import AccountKind, JournalKind
from privacy.models import ErasureRequest, ErasureStatus
from privacy.services import erasure_request_decide, erasure_request_open, erasure_request_withdraw

from tests.helpers.factories import make_expert, make_ops
from tests.helpers.pages import log_in, ops_browser

pytestmark = pytest.mark.django_db


def test_the_person_asks_on_the_page_and_operations_see_it_due_within_a_month(django_capture_on_commit_callbacks):
    expert = make_expert(legal_name="Greta Lindqvist")
    reviewer, secret = make_ops(Role.OPS_REVIEWER)
    page = log_in(expert.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = page.post(reverse("your-data-erase"), {"statement": "I am leaving the platform."}, follow=True)
    assert "Operations answer within a month" in response.content.decode()
    erasure = ErasureRequest.objects.get(user=expert.user)
    assert erasure.due_at - erasure.requested_at == timedelta(days=30)
    assert "answer by" in page.get(reverse("your-data")).content.decode()
    assert any(reviewer.email in m.to for m in mail.outbox)
    queue = next(s for s in inbox_for(user=reviewer).sections if s.name == "erasure_requests")
    assert queue.items[0].count == 1
    # A second request while one is open is refused in words.
    with pytest.raises(Conflict):
        erasure_request_open(actor=expert.user)
    listed = ops_browser(reviewer, secret).get(reverse("ops-erasure-requests")).content.decode()
    assert f"#{erasure.pk}" in listed


def test_operations_erase_and_the_person_is_mailed_at_the_address_they_had(django_capture_on_commit_callbacks):
    expert = make_expert(legal_name="Greta Lindqvist")
    address = expert.user.email
    erasure = erasure_request_open(actor=expert.user, statement="Please erase me.")
    reviewer, secret = make_ops(Role.OPS_REVIEWER)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = ops_browser(reviewer, secret).post(
            reverse("ops-erasure-request", args=[erasure.pk]),
            {"decision": "erase", "reason": "Nothing is owed and no legal hold applies."},
        )

    assert response.status_code == 302
    erasure.refresh_from_db()
    assert erasure.status == ErasureStatus.ERASED and erasure.statement == ""
    assert erasure.erased["account"] == 1
    user = User.objects.get(pk=expert.user_id)
    assert user.email != address and not user.is_active
    assert [m.to for m in mail.outbox if m.subject == "Your data was erased"] == [[address]]
    assert AuditEvent.objects.filter(action="privacy.person.erased").count() == 1


def test_a_refusal_needs_reasons_and_the_person_reads_them(django_capture_on_commit_callbacks):
    expert = make_expert()
    erasure = erasure_request_open(actor=expert.user)
    reviewer, secret = make_ops(Role.OPS_REVIEWER)
    pages = ops_browser(reviewer, secret)
    empty = pages.post(reverse("ops-erasure-request", args=[erasure.pk]), {"decision": "refuse", "reason": ""})
    assert empty.status_code == 400 and ErasureRequest.objects.get(pk=erasure.pk).status == ErasureStatus.OPEN

    with django_capture_on_commit_callbacks(execute=True):
        erasure_request_decide(
            actor=reviewer, request=erasure, erase=False, reason="A tax inquiry about 2026 is open; we must keep it."
        )

    assert "A tax inquiry about 2026 is open" in log_in(expert.user).get(reverse("your-data")).content.decode()


def test_money_still_owed_stops_the_erasure_and_the_page_says_why():
    expert = make_expert()
    with transaction.atomic():
        journal_post(
            actor=None,
            kind=JournalKind.ACCRUAL,
            reference=f"test-accrual:{expert.pk}",
            description="A week's pay, approved",
            legs=[
                Leg(ledger_account(kind=AccountKind.PLATFORM_REVENUE, currency="EUR"), 5_000, "EUR"),
                Leg(ledger_account(kind=AccountKind.EXPERT_PAYABLE, currency="EUR", contributor=expert), -5_000, "EUR"),
            ],
        )
    erasure = erasure_request_open(actor=expert.user)
    reviewer, secret = make_ops(Role.OPS_REVIEWER)
    pages = ops_browser(reviewer, secret)
    assert (
        "€50.00 approved for them is not paid out yet."
        in pages.get(reverse("ops-erasure-request", args=[erasure.pk])).content.decode()
    )

    response = pages.post(reverse("ops-erasure-request", args=[erasure.pk]), {"decision": "erase", "reason": "Asked."})

    assert response.status_code == 400 and "not paid out yet" in response.content.decode()
    assert ErasureRequest.objects.get(pk=erasure.pk).status == ErasureStatus.OPEN
    assert User.objects.get(pk=expert.user_id).is_active


def test_nobody_decides_their_own_request_and_only_the_person_withdraws():
    reviewer, _ = make_ops(Role.OPS_REVIEWER)
    own = erasure_request_open(actor=reviewer)
    with pytest.raises(NotPermitted):
        erasure_request_decide(actor=reviewer, request=own, erase=False, reason="No.")
    expert = make_expert()
    erasure = erasure_request_open(actor=expert.user)
    with pytest.raises(NotPermitted):
        erasure_request_withdraw(actor=make_expert().user, request=erasure)
    assert erasure_request_withdraw(actor=expert.user, request=erasure).status == ErasureStatus.WITHDRAWN


def test_the_api_asks_and_operations_decide(client_for):
    expert = make_expert()
    asked = client_for(expert.user).post("/api/me/erasure-requests/", {"statement": "x" * 2001}, format="json")
    assert asked.status_code == 400 and "statement" in asked.json()["fields"]
    asked = client_for(expert.user).post("/api/me/erasure-requests/", {"statement": "Erase me."}, format="json")
    assert asked.status_code == 201 and asked.json()["status"] == "open"
    reviewer = client_for(*make_ops(Role.OPS_REVIEWER))
    [listed] = reviewer.get("/api/ops/erasure-requests/").json()
    assert listed["blocks"] == []
    decided = reviewer.post(
        f"/api/ops/erasure-requests/{listed['id']}/decision/",
        {"erase": False, "reason": "Kept: legal hold."},
        format="json",
    )
    assert decided.status_code == 200 and decided.json()["status"] == "refused"
