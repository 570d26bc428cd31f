"""Which form a country asks for is one rule, written in Python and as a query; they agree."""

import pytest
from django.db.models import Value

from contributors.models import Contributor
from tax.rules import tax_form_kind_fits_q, tax_form_kind_for

from tests.helpers.factories import make_expert

pytestmark = pytest.mark.django_db

PLACES = {"US": {"subdivision": "US-CA"}, "DE": {"subdivision": "", "timezone": "Europe/Berlin"}}


@pytest.mark.parametrize("country", sorted(PLACES))
def test_the_query_and_the_rule_agree_on_which_form_a_country_asks_for(country):
    expert = make_expert(country=country, **PLACES[country])
    for kind in ("w9", "w8ben"):
        # The query's rule read on one row: a form of ``kind`` for this expert.
        fits = (
            Contributor.objects.filter(pk=expert.pk)
            .annotate(kind=Value(kind))
            .filter(tax_form_kind_fits_q(contributor_prefix=""))
            .exists()
        )
        assert fits == (kind == tax_form_kind_for(country)), (country, kind)
