"""Two people deciding reference changes at the same moment: the data gets one row, the other is told why."""

from datetime import date

import pytest

from accounts.models import Role
from config.errors import ApplicationError
from payouts.models import MinimumWage, ReferenceChange, ReferenceChangeKind
from payouts.reference.services import reference_change_approve, reference_change_propose_minimum_wage

from tests.helpers.factories import make_ops
from tests.helpers.races import at_once

FIGURES = {
    "country": "US",
    "subdivision": "US-CA",
    "currency": "USD",
    "hourly_minor": 1800,
    "averaging_unit": "item",
    "effective_from": date(2027, 1, 1),
    "source_url": "https://www.dir.ca.gov/dlse/faq_minimumwage.htm",
}


def _new_rows():
    return MinimumWage.in_force.filter(subdivision="US-CA", effective_from=date(2027, 1, 1))


@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_write_the_row_once():
    proposer, first, second = (make_ops(Role.OPS_FINANCE)[0] for _ in range(3))
    change = reference_change_propose_minimum_wage(actor=proposer, **FIGURES)
    outcomes = at_once(
        lambda: reference_change_approve(actor=first, change=change),
        lambda: reference_change_approve(actor=second, change=change),
    )
    refused = [o for o in outcomes if isinstance(o, ApplicationError)]
    assert len(refused) == 1 and refused[0].code == "illegal_transition"
    assert _new_rows().count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_changes_for_one_place_and_day_approved_at_once_write_one_row():
    proposer, first, second = (make_ops(Role.OPS_FINANCE)[0] for _ in range(3))
    one = reference_change_propose_minimum_wage(actor=proposer, **FIGURES)
    # Two proposals that passed their checks at the same moment.
    other = ReferenceChange.objects.create(
        kind=ReferenceChangeKind.MINIMUM_WAGE_ADD, proposed_by=proposer, **{**FIGURES, "hourly_minor": 1810}
    )
    outcomes = at_once(
        lambda: reference_change_approve(actor=first, change=one),
        lambda: reference_change_approve(actor=second, change=other),
    )
    refused = [o for o in outcomes if isinstance(o, ApplicationError)]
    assert len(refused) == 1 and refused[0].code == "duplicate"
    assert _new_rows().count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_warning_runs_at_once_warn_a_project_once(stripe_server):
    from marketplace.models import FloorWarning, Project
    from marketplace.services.floor_warnings import floor_warnings_for_minimum_wage

    from tests.helpers.factories import make_lab, make_open_project

    lab, owner = make_lab()
    project = make_open_project(
        lab, owner, min_tier="bulk", required_credential_kinds=[], allowed_countries=["US"], rate_minor=1800
    )
    Project.objects.filter(pk=project.pk).update(rate_minor=1700)
    row = MinimumWage.objects.create(**FIGURES)
    outcomes = at_once(
        lambda: floor_warnings_for_minimum_wage(actor=None, minimum_wage_id=row.pk),
        lambda: floor_warnings_for_minimum_wage(actor=None, minimum_wage_id=row.pk),
    )
    assert sorted(outcomes) == [0, 1]
    assert FloorWarning.objects.filter(project=project, minimum_wage=row).count() == 1
