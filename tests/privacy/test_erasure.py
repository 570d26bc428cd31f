"""Erasing a person: their name and email leave every page and API answer, the ledger and
their statements still reconcile, and the audit trail still verifies."""

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notice, Role
from config.errors import ApplicationError, NotPermitted
from contributors.models import Contributor, ContributorStatus
from conversations.erasure import ERASED_MESSAGE
from conversations.models import Message
from conversations.services import message_post, thread_open
from marketplace.models import Engagement
from marketplace.services import time_entry_log, work_reject
from marketplace.services.engagements import engagements_end
from payouts.ledger.services import Leg, journal_post, ledger_account
from payouts.models import AccountKind, JournalKind, PayStatement
from privacy.erasure import erasure_blocks, person_erase_now

from tests.helpers.factories import make_credential, make_expert, make_ops, make_running_engagement
from tests.helpers.pages import ops_browser
from tests.helpers.reporting import pay_expert

pytestmark = pytest.mark.django_db

NAME, EMAIL = "Greta Lindqvist", "greta.lindqvist@example.org"


def _expert_paid_in_full():
    expert = make_expert(legal_name=NAME, display_name="Greta L.")
    expert.user.email = EMAIL
    expert.user.save(update_fields=["email"])
    make_credential(expert, issuer="Karolinska Institutet", identifier="SE-998877")
    pay_expert(expert, amount_minor=41_250, paid_at="2026-05-14T10:00:00Z")
    return expert


def test_after_erasure_pages_and_api_no_longer_name_the_person_and_the_books_still_hold(client_for, capsys):
    expert = _expert_paid_in_full()
    reviewer, secret = make_ops(Role.OPS_REVIEWER)
    statements_before = list(PayStatement.objects.filter(contributor=expert).values_list("total_minor", "currency"))
    assert erasure_blocks(user=expert.user) == []

    counts = person_erase_now(actor=reviewer, user=expert.user, reason="Erasure request approved.")

    assert counts["account"] == 1 and counts["credential_documents"] == 1 and counts["audit_personal_rows"] > 0
    assert Contributor.objects.get(pk=expert.pk).status == ContributorStatus.DEACTIVATED
    pages = ops_browser(reviewer, secret)
    # A second person for the API: a TOTP code is accepted once.
    api = client_for(*make_ops(Role.OPS_REVIEWER, email="second.reviewer@example.com"))
    answers = [
        pages.get(reverse("ops-contributors")),
        pages.get(reverse("ops-contributor", args=[expert.pk])),
        pages.get("/ops/audit/"),
        api.get("/api/ops/contributors/"),
        api.get(f"/api/ops/contributors/{expert.pk}/"),
        api.get("/api/ops/audit/"),
    ]
    for answer in answers:
        assert answer.status_code == 200
        text = answer.content.decode()
        for personal in (NAME, "Greta L.", EMAIL, "Karolinska", "SE-998877"):
            assert personal not in text, (answer.request["PATH_INFO"], personal)
    # What was paid stays, to the cent, and the books still balance.
    assert list(PayStatement.objects.filter(contributor=expert).values_list("total_minor", "currency")) == (
        statements_before
    )
    call_command("ledger_reconcile")
    call_command("audit_verify")
    assert "audit chain intact" in capsys.readouterr().out
    # The erased person cannot sign in.
    assert not pages.login(email=EMAIL, password="whatever")


def test_erasure_waits_while_money_is_owed():
    expert = make_expert(legal_name=NAME)
    reviewer, _ = make_ops(Role.OPS_REVIEWER)
    # Pay approved (the payable credited) and not yet paid out.
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

    assert erasure_blocks(user=expert.user) == ["€50.00 approved for them is not paid out yet."]
    with pytest.raises(ApplicationError) as refused:
        person_erase_now(actor=reviewer, user=expert.user, reason="Erasure request approved.")
    assert refused.value.code == "erasure_blocked"
    assert Contributor.objects.get(pk=expert.pk).legal_name == NAME


def test_only_operations_other_than_the_person_erase():
    expert = _expert_paid_in_full()
    with pytest.raises(NotPermitted):
        person_erase_now(actor=expert.user, user=expert.user, reason="Mine")


def test_a_legal_hold_stops_erasure_and_a_waiting_copy_of_their_data_goes_with_them(django_capture_on_commit_callbacks):
    from privacy.models import DataExport
    from privacy.services import data_export_request, legal_hold_place, legal_hold_release

    reviewer, _ = make_ops(Role.OPS_REVIEWER)
    expert = make_expert()
    hold = legal_hold_place(actor=reviewer, user=expert.user, reason="A claim is before a court.")
    assert erasure_blocks(user=expert.user) == ["A legal hold keeps their records until operations release it."]
    legal_hold_release(actor=reviewer, hold=hold, note="Settled.")
    with django_capture_on_commit_callbacks(execute=True):
        export = data_export_request(actor=expert.user)
    export.refresh_from_db()
    stored, storage = export.file.name, export.file.storage
    assert storage.exists(stored)

    with django_capture_on_commit_callbacks(execute=True):
        counts = person_erase_now(actor=reviewer, user=expert.user, reason="Asked by the person.")

    assert counts["data_exports"] == 1
    assert DataExport.objects.get(pk=export.pk).status == "expired"
    assert not storage.exists(stored)


def test_what_the_person_wrote_goes_and_the_other_sides_record_stays(stripe_server):
    engagement, owner = make_running_engagement()
    expert = engagement.contributor.user
    entry = time_entry_log(
        actor=expert, engagement=engagement, activity="task_work", work_date=timezone.now().date(), minutes=60
    )
    work_reject(actor=owner, item=entry, reason="Please correct the duration.")
    thread, _ = thread_open(actor=expert, kind="time_entry", subject_id=entry.pk)
    message_post(actor=expert, thread=thread, body="Greta here: it was 60 minutes.")
    message_post(actor=owner, thread=thread, body="Thanks, we will look again.")
    reviewer, _ = make_ops(Role.OPS_REVIEWER)
    finance, _ = make_ops(Role.OPS_FINANCE)
    assert erasure_blocks(user=expert) == ["1 engagement is still running: ending it pays the last week worked."]
    with transaction.atomic():
        engagements_end(actor=owner, engagements=Engagement.objects.filter(pk=engagement.pk), cause="project_closed")
    with pytest.raises(NotPermitted):
        person_erase_now(actor=finance, user=expert, reason="Erasure request approved.")

    counts = person_erase_now(actor=reviewer, user=expert, reason="Erasure request approved.")

    assert counts["messages"] == 1 and counts["notices"] >= 1
    assert [m.body for m in Message.objects.filter(thread=thread).order_by("created_at", "pk")] == [
        ERASED_MESSAGE,
        "Thanks, we will look again.",
    ]
    assert not Notice.objects.filter(recipient=expert).exists()
