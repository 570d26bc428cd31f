"""The double-entry ledger: balanced or refused, append-only at the database, funding booked once."""

import pytest
from django.db import connection, transaction
from django.db.utils import IntegrityError as DbIntegrityError

from marketplace.services import funding_settle_from_provider, project_funding_start
from payouts.ledger.selectors import account_balances
from payouts.ledger.services import LedgerUnbalanced, Leg, journal_post, journal_reverse, ledger_account
from payouts.models import AccountKind, JournalEntry, Posting

from tests.helpers.factories import make_lab, make_project

pytestmark = pytest.mark.django_db


def _accounts():
    clearing = ledger_account(kind=AccountKind.STRIPE_CLEARING, currency="USD")
    revenue = ledger_account(kind=AccountKind.PLATFORM_REVENUE, currency="USD")
    return clearing, revenue


def test_a_balanced_entry_is_written_once_per_reference():
    clearing, revenue = _accounts()
    legs = [Leg(clearing, 500, "USD"), Leg(revenue, -500, "USD")]
    first = journal_post(actor=None, kind="test", reference="test:1", description="t", legs=legs)
    again = journal_post(actor=None, kind="test", reference="test:1", description="t", legs=legs)
    assert first.pk == again.pk
    assert Posting.objects.count() == 2


def test_an_unbalanced_entry_is_refused_before_it_reaches_the_database():
    clearing, revenue = _accounts()
    with pytest.raises(LedgerUnbalanced):
        journal_post(
            actor=None,
            kind="test",
            reference="t:2",
            description="t",
            legs=[Leg(clearing, 500, "USD"), Leg(revenue, -499, "USD")],
        )
    assert not JournalEntry.objects.exists()


def test_the_database_refuses_an_unbalanced_entry_written_behind_the_services_back():
    clearing, revenue = _accounts()
    with pytest.raises(DbIntegrityError, match="does not balance"), transaction.atomic():
        entry = JournalEntry.objects.create(
            kind="x", reference="raw:1", description="raw", occurred_at="2026-01-01T00:00Z"
        )
        Posting.objects.create(entry=entry, account=clearing, amount_minor=100, currency="USD")
        Posting.objects.create(entry=entry, account=revenue, amount_minor=-99, currency="USD")
        with connection.cursor() as cursor:
            # What commit would do: run the deferred balance check now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_the_database_refuses_mixed_currency_balancing():
    clearing, _ = _accounts()
    euros = ledger_account(kind=AccountKind.PLATFORM_REVENUE, currency="EUR")
    with pytest.raises(DbIntegrityError, match="does not balance"), transaction.atomic():
        entry = JournalEntry.objects.create(
            kind="x", reference="raw:2", description="raw", occurred_at="2026-01-01T00:00Z"
        )
        Posting.objects.create(entry=entry, account=clearing, amount_minor=100, currency="USD")
        Posting.objects.create(entry=entry, account=euros, amount_minor=-100, currency="EUR")
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE payouts_posting SET amount_minor = amount_minor * 2",
        "DELETE FROM payouts_posting",
        "UPDATE payouts_journalentry SET description = 'rewritten'",
        "DELETE FROM payouts_journalentry",
    ],
)
def test_the_database_refuses_to_change_or_remove_history(sql):
    clearing, revenue = _accounts()
    journal_post(
        actor=None,
        kind="test",
        reference="t:3",
        description="t",
        legs=[Leg(clearing, 7, "USD"), Leg(revenue, -7, "USD")],
    )
    with pytest.raises(DbIntegrityError, match="append-only"), connection.cursor() as cursor:
        cursor.execute(sql)


def test_a_correction_is_a_reversing_entry_and_balances_are_sums():
    clearing, revenue = _accounts()
    entry = journal_post(
        actor=None,
        kind="test",
        reference="t:4",
        description="t",
        legs=[Leg(clearing, 900, "USD"), Leg(revenue, -900, "USD")],
    )
    journal_reverse(actor=None, entry=entry, reason="posted twice by mistake")
    balances = {row["kind"]: row["balance"] for row in account_balances()}
    assert balances == {"stripe_clearing": 0, "platform_revenue": 0}
    assert JournalEntry.objects.get(reverses=entry).reference == "reversal:t:4"


def test_a_settled_funding_is_booked_once(stripe_server):
    lab, owner = make_lab()
    project = make_project(lab, owner)
    funding = project_funding_start(actor=owner, project=project, payment_method="pm_card_visa")
    funding_settle_from_provider(payment_intent_id=funding.stripe_payment_intent_id)
    funding_settle_from_provider(payment_intent_id=funding.stripe_payment_intent_id)
    balances = {(row["kind"], row["lab_id"]): row["balance"] for row in account_balances()}
    assert balances == {("stripe_clearing", None): 3_000_000, ("lab_funds_held", lab.pk): -3_000_000}
    assert JournalEntry.objects.filter(reference=f"funding:{funding.pk}").count() == 1
