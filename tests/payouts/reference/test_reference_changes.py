"""Operations change minimum wages and FX rates with four eyes; approval writes the rows, audited."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Role
from audit.models import AuditEvent
from config.errors import ApplicationError, Conflict, NotPermitted
from payouts.floors import minimum_wage_on
from payouts.models import FxOrigin, FxRate, MinimumWage, ReferenceChange, ReferenceChangeStatus
from payouts.reference.lookups import fx_rate_on
from payouts.reference.services import (
    reference_change_approve,
    reference_change_propose_fx_rate,
    reference_change_propose_fx_rate_retirement,
    reference_change_propose_minimum_wage,
    reference_change_propose_minimum_wage_correction,
    reference_change_propose_minimum_wage_retirement,
    reference_change_reject,
    reference_change_withdraw,
)

from tests.helpers.factories import make_ops

pytestmark = pytest.mark.django_db

CA_SOURCE = "https://www.dir.ca.gov/dlse/faq_minimumwage.htm"


@pytest.fixture
def finance_pair():
    return make_ops(Role.OPS_FINANCE)[0], make_ops(Role.OPS_FINANCE)[0]


def _propose_california(actor, **overrides):
    figures = {
        "country": "US",
        "subdivision": "US-CA",
        "currency": "USD",
        "hourly_minor": 1800,
        "averaging_unit": "item",
        "effective_from": date(2027, 1, 1),
        "source_url": CA_SOURCE,
        "legal_basis": "Cal. Labor Code 1182.12.",
        **overrides,
    }
    return reference_change_propose_minimum_wage(actor=actor, **figures)


def test_a_second_person_approves_and_the_wage_is_in_force_from_its_day(finance_pair):
    proposer, approver = finance_pair
    change = _propose_california(proposer)
    assert change.status == ReferenceChangeStatus.PENDING
    assert minimum_wage_on(country="US", subdivision="US-CA", on=date(2027, 1, 1)).hourly_minor == 1690

    with pytest.raises(NotPermitted):
        reference_change_approve(actor=proposer, change=change)
    change = reference_change_approve(actor=approver, change=change, reason="Checked against the DIR notice.")

    assert change.status == ReferenceChangeStatus.APPROVED
    row = change.created_minimum_wage
    assert (row.hourly_minor, row.averaging_unit, row.legal_basis) == (1800, "item", "Cal. Labor Code 1182.12.")
    assert minimum_wage_on(country="US", subdivision="US-CA", on=date(2026, 12, 31)).hourly_minor == 1690
    assert minimum_wage_on(country="US", subdivision="US-CA", on=date(2027, 1, 1)).hourly_minor == 1800
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "payouts.reference_change.proposed",
        "payouts.reference_change.approved",
        "payouts.minimum_wage.added",
    } <= actions


def test_the_database_refuses_a_decision_by_the_proposer(finance_pair):
    proposer, _ = finance_pair
    change = _propose_california(proposer)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReferenceChange.objects.filter(pk=change.pk).update(
            status=ReferenceChangeStatus.APPROVED, decided_by=proposer, decided_at=change.proposed_at
        )


def test_a_correction_retires_the_row_and_adds_the_right_figures(finance_pair):
    proposer, approver = finance_pair
    wrong = MinimumWage.in_force.get(country="US", subdivision="US-CA", effective_from=date(2026, 1, 1))
    change = reference_change_propose_minimum_wage_correction(
        actor=proposer,
        minimum_wage=wrong,
        currency="USD",
        hourly_minor=1695,
        averaging_unit="item",
        effective_from=date(2026, 1, 1),
        source_url=CA_SOURCE,
        reason="The notice says 16.95.",
    )
    reference_change_approve(actor=approver, change=change)
    wrong.refresh_from_db()
    assert wrong.retired_at is not None and wrong.retired_by == approver
    assert wrong.retired_reason == "The notice says 16.95."
    assert minimum_wage_on(country="US", subdivision="US-CA", on=date(2026, 6, 1)).hourly_minor == 1695
    assert MinimumWage.objects.filter(pk=wrong.pk).exists()  # kept for the statements that used it


def test_a_duplicate_for_the_same_place_and_day_is_refused_unless_it_is_a_correction(finance_pair):
    proposer, _ = finance_pair
    with pytest.raises(ApplicationError) as refused:
        _propose_california(proposer, effective_from=date(2026, 1, 1))
    assert refused.value.code == "duplicate" and "effective_from" in refused.value.fields
    _propose_california(proposer)
    with pytest.raises(ApplicationError) as again:
        _propose_california(proposer)
    assert again.value.code == "duplicate"


def test_bad_figures_are_refused_field_by_field_and_nothing_is_written(finance_pair):
    proposer, _ = finance_pair
    with pytest.raises(ApplicationError) as refused:
        _propose_california(
            proposer,
            country="XX",
            currency="ABC",
            hourly_minor=0,
            averaging_unit="month",
            effective_from=date(1999, 1, 1),
            source_url="not a url",
        )
    assert set(refused.value.fields) == {
        "country", "currency", "hourly_minor", "averaging_unit", "effective_from", "source_url"
    }  # fmt: skip
    with pytest.raises(ApplicationError) as wrong_place:
        _propose_california(proposer, subdivision="DE-BE")
    assert set(wrong_place.value.fields) == {"subdivision"}
    assert not ReferenceChange.objects.exists()


def test_an_fx_override_needs_a_reason_and_replaces_the_rate_of_its_day(finance_pair):
    proposer, approver = finance_pair
    with pytest.raises(ApplicationError) as refused:
        reference_change_propose_fx_rate(
            actor=proposer, base="EUR", quote="USD", rate=Decimal("1.2"), effective_from=date(2026, 6, 18), reason=""
        )
    assert "reason" in refused.value.fields
    with pytest.raises(ApplicationError) as too_high:
        reference_change_propose_fx_rate(
            actor=proposer,
            base="EUR",
            quote="USD",
            rate=Decimal("2000000"),
            effective_from=date(2026, 6, 18),
            reason="x",
        )
    assert "rate" in too_high.value.fields
    change = reference_change_propose_fx_rate(
        actor=proposer,
        base="EUR",
        quote="USD",
        rate=Decimal("1.2"),
        effective_from=date(2026, 6, 18),
        reason="The bank's feed was down; rate from the published fixing.",
    )
    reference_change_approve(actor=approver, change=change)
    row = FxRate.in_force.get(base="EUR", quote="USD", effective_from=date(2026, 6, 18))
    assert (row.origin, row.reason) == (FxOrigin.MANUAL, "The bank's feed was down; rate from the published fixing.")
    assert fx_rate_on(base="EUR", quote="USD", on=date(2026, 6, 18)) == Decimal("1.2")

    retire = reference_change_propose_fx_rate_retirement(actor=approver, fx_rate=row, reason="Typed by mistake.")
    reference_change_approve(actor=proposer, change=retire)
    assert fx_rate_on(base="EUR", quote="USD", on=date(2026, 6, 18)) != Decimal("1.2")


def test_reject_needs_a_reason_and_writes_nothing_and_withdraw_is_the_proposers(finance_pair):
    proposer, decider = finance_pair
    change = _propose_california(proposer)
    with pytest.raises(ApplicationError):
        reference_change_reject(actor=decider, change=change, reason="")
    with pytest.raises(NotPermitted):
        reference_change_withdraw(actor=decider, change=change)
    reference_change_reject(actor=decider, change=change, reason="Not yet enacted.")
    assert not MinimumWage.in_force.filter(subdivision="US-CA", effective_from=date(2027, 1, 1)).exists()
    with pytest.raises(Conflict):
        reference_change_withdraw(actor=proposer, change=change)
    other = _propose_california(proposer)
    assert reference_change_withdraw(actor=proposer, change=other).status == ReferenceChangeStatus.WITHDRAWN


def test_retiring_a_minimum_wage_and_only_finance_may_propose(finance_pair):
    proposer, approver = finance_pair
    reviewer, _ = make_ops(Role.OPS_REVIEWER)
    row = MinimumWage.in_force.get(country="DE", subdivision="", effective_from=date(2027, 1, 1))
    with pytest.raises(NotPermitted):
        reference_change_propose_minimum_wage_retirement(actor=reviewer, minimum_wage=row, reason="x")
    change = reference_change_propose_minimum_wage_retirement(actor=proposer, minimum_wage=row, reason="Not enacted.")
    with pytest.raises(Conflict):
        reference_change_propose_minimum_wage_retirement(actor=approver, minimum_wage=row, reason="Twice.")
    reference_change_approve(actor=approver, change=change)
    assert minimum_wage_on(country="DE", on=date(2027, 1, 1)).hourly_minor == 1390
