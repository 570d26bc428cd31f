"""Erasing a person's profile: names and what describes them go; what pay was computed from stays."""

import pytest
from django.db import transaction

from contributors.erasure import contributor_personal_data_erase, erased_display_name
from contributors.models import Contributor

from tests.helpers.factories import make_expert

pytestmark = pytest.mark.django_db


def test_names_and_description_go_and_the_pay_jurisdiction_stays():
    expert = make_expert(legal_name="Greta Lindqvist", country="DE", subdivision="", timezone="Europe/Berlin")

    with transaction.atomic():
        contributor_personal_data_erase(contributor=expert)

    expert = Contributor.objects.get(pk=expert.pk)
    assert expert.legal_name == expert.display_name == erased_display_name(expert.pk)
    assert (expert.languages, expert.skills, list(expert.specialties.all())) == ([], [], [])
    assert (expert.country, expert.timezone) == ("DE", "Europe/Berlin")
    assert expert.jurisdictions.exists()
