"""The money template filters format amounts exactly as payouts.money does."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from payouts.money import MoneyError


def render(source: str, **context) -> str:
    return Template("{% load money %}" + source).render(Context(context))


def test_money_formats_minor_units_in_their_currency():
    assert render("{{ a|money:'USD' }}", a=150_000) == "$1,500.00"
    assert render("{{ a|money:c }}", a=-250, c="EUR") == "-€2.50"
    assert render("{{ a|money:'JPY' }}", a=1200) == "¥1,200"
    assert render("{{ a|money:'KWD' }}", a=12_000) == "12.000 KWD"
    assert render("{{ a|money:'USD' }}", a=Decimal("1999")) == "$19.99"


def test_money_shows_nothing_for_a_missing_amount():
    assert render("[{{ a|money:'USD' }}]", a=None) == "[]"
    assert render("[{{ a|money:'USD' }}]", a="") == "[]"


@pytest.mark.parametrize("amount", [12.5, Decimal("12.5"), True, "12"])
def test_money_refuses_what_is_not_whole_minor_units(amount):
    with pytest.raises(MoneyError):
        render("{{ a|money:'USD' }}", a=amount)


def test_money_exact_keeps_the_places_a_converted_rate_has():
    assert render("{{ a|money_exact:'USD' }}", a=Decimal("7.25125")) == "$7.2513"
    assert render("{{ a|money_exact:'USD' }}", a=Decimal("7.5")) == "$7.50"
    assert render("[{{ a|money_exact:'USD' }}]", a=None) == "[]"
