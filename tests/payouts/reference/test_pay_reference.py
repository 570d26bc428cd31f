"""Minimum wages, FX rates and rate cards are looked up by the date the work was done."""

from datetime import date
from decimal import Decimal

import pytest

from contributors.models import Domain
from payouts.floors import minimum_wage_on
from payouts.models import MinimumWage, RateCard
from payouts.reference.lookups import ReferenceDataMissing, fx_rate_on, rate_card_on

pytestmark = pytest.mark.django_db


def test_shipped_minimum_wages_cover_the_required_places():
    places = set(MinimumWage.objects.values_list("country", "subdivision"))
    us_states = {sub for country, sub in places if country == "US" and sub}
    assert ("US", "") in places
    assert len(us_states) >= 10
    for country in ["GB", "DE", "FR", "CA", "IN", "PH", "KE", "BR", "MX"]:
        assert (country, "") in places, country
    assert not MinimumWage.objects.filter(source_url="").exists()


@pytest.mark.parametrize(
    ("country", "subdivision", "on", "expected"),
    [
        ("US", "", date(2026, 3, 1), ("USD", 725)),
        ("US", "US-CA", date(2025, 12, 31), ("USD", 1650)),
        ("US", "US-CA", date(2026, 1, 1), ("USD", 1690)),
        ("US", "US-TX", date(2026, 1, 1), ("USD", 725)),  # no state rate above the federal one
        ("GB", "", date(2026, 3, 31), ("GBP", 1221)),
        ("GB", "", date(2026, 4, 1), ("GBP", 1271)),
        ("DE", "", date(2027, 1, 1), ("EUR", 1460)),
        ("CA", "CA-QC", date(2026, 1, 1), ("CAD", 1775)),  # the federal floor is higher
        ("CA", "CA-BC", date(2026, 1, 1), ("CAD", 1785)),
    ],
)
def test_minimum_wage_in_force_on_the_day_and_never_below_the_national_floor(country, subdivision, on, expected):
    floor = minimum_wage_on(country=country, subdivision=subdivision, on=on)
    assert (floor.currency, floor.hourly_minor) == expected


def test_no_minimum_wage_before_the_first_row():
    assert minimum_wage_on(country="GB", on=date(2020, 1, 1)) is None


def test_fx_rate_direct_inverse_and_missing():
    assert fx_rate_on(base="GBP", quote="USD", on=date(2026, 1, 1)) == Decimal("1.27")
    assert fx_rate_on(base="USD", quote="GBP", on=date(2026, 1, 1)) == (Decimal(1) / Decimal("1.27")).quantize(
        Decimal("1.0000000000")
    )
    assert fx_rate_on(base="USD", quote="USD", on=date(2026, 1, 1)) == 1
    with pytest.raises(ReferenceDataMissing):
        fx_rate_on(base="GBP", quote="USD", on=date(2020, 1, 1))


def test_rate_card_prefers_the_domain_then_its_parent_then_the_default():
    cardiology = Domain.objects.get(slug="cardiology")
    assert rate_card_on(tier="expert", domain=cardiology, on=date(2026, 1, 1)).floor_hourly_minor == 7500
    RateCard.objects.create(
        tier="expert",
        domain=cardiology.parent,
        floor_hourly_minor=11000,
        default_hourly_minor=15000,
        effective_from=date(2026, 1, 1),
    )
    assert rate_card_on(tier="expert", domain=cardiology, on=date(2026, 1, 1)).floor_hourly_minor == 11000
    assert rate_card_on(tier="expert", domain=cardiology, on=date(2025, 12, 31)).floor_hourly_minor == 7500
