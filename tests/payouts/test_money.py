"""Money arithmetic: minor units, Decimal rates, one rounding per line, never a float."""

from decimal import Decimal

import pytest

from payouts.floors import floor_due_minor, topup_minor
from payouts.money import (
    FX_RATE_PLACES,
    Money,
    MoneyError,
    convert,
    format_exact,
    format_money,
    from_minor,
    fx_cross_rate,
    fx_inverse_rate,
    hourly_rate_minor,
    multiply,
    pay_for_minutes,
    to_minor,
)


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("12.345", "USD", 1235),  # half up, not banker's rounding
        ("12.344", "USD", 1234),
        ("0.005", "EUR", 1),
        ("-0.005", "EUR", -1),
        ("1000", "JPY", 1000),
        ("1.2345", "KWD", 1235),
        ("16.90", "usd", 1690),
    ],
)
def test_to_minor_rounds_half_up_with_each_currencys_places(amount, currency, minor):
    assert to_minor(Decimal(amount), currency) == minor


def test_from_minor_is_exact():
    assert from_minor(1690, "USD") == Decimal("16.90")
    assert from_minor(1000, "JPY") == Decimal("1000")
    assert from_minor(1235, "KWD") == Decimal("1.235")


def test_floats_are_refused():
    with pytest.raises(MoneyError):
        to_minor(0.1, "USD")
    with pytest.raises(MoneyError):
        multiply(100, 1.5)


def test_pay_for_minutes_rounds_once():
    # 7 minutes at $16.90/h = 197.1666 cents -> 197
    assert pay_for_minutes(1690, 7) == 197
    # 1 minute at $0.01/h rounds to 0, not up
    assert pay_for_minutes(1, 1) == 0
    assert pay_for_minutes(12000, 90) == 18000


def test_hourly_rate_of_a_task_price():
    # $25 for a task estimated at 40 minutes is $37.50/h
    assert hourly_rate_minor(2500, 40) == 3750
    with pytest.raises(MoneyError):
        hourly_rate_minor(2500, 0)


def test_convert_uses_the_target_currencys_places():
    # 100.00 GBP at 1.2745 USD/GBP = 127.45 USD
    assert convert(10000, from_currency="GBP", to_currency="USD", rate="1.2745") == 12745
    assert convert(10000, from_currency="USD", to_currency="JPY", rate="151.237") == 15124
    assert convert(555, from_currency="EUR", to_currency="EUR", rate="2") == 555
    with pytest.raises(MoneyError):
        convert(1, from_currency="USD", to_currency="EUR", rate="0")


def test_top_up_never_leaves_anyone_below_the_floor():
    # 7 minutes at a $16.90 floor is 197.17 cents: the top-up rounds up to 198 owed.
    # (The wage floor's own arithmetic, payouts.floors, as the pay run's SQL does it.)
    def top_up(paid: int, minutes: int) -> int:
        due = floor_due_minor(day_minutes=[minutes], hourly_minor=[Decimal(1690)])
        return topup_minor(floor_due_minor=due, pay_minor=paid)

    assert top_up(150, 7) == 48
    assert top_up(5000, 60) == 0
    for minutes in range(1, 200):
        paid = pay_for_minutes(1500, minutes)
        assert Decimal(paid + top_up(paid, minutes)) * 60 / minutes >= 1690


def test_money_value_refuses_mixed_currencies_and_formats():
    assert Money(100, "usd") + Money(250, "USD") == Money(350, "USD")
    with pytest.raises(MoneyError):
        Money(1, "USD") + Money(1, "EUR")
    assert format_money(169050, "USD") == "$1,690.50"
    assert format_money(-5, "GBP") == "-£0.05"
    assert format_money(1000, "CHF") == "10.00 CHF"


def test_exact_amounts_show_the_places_they_need_up_to_four():
    # A UK floor converted to dollars is not a whole number of cents until a statement rounds it.
    assert format_exact(Decimal("16.1417"), "USD") == "$16.1417"
    assert format_exact(Decimal("16.9"), "USD") == "$16.90"
    assert format_exact(Decimal("12.106275"), "USD") == "$12.1063"
    assert format_exact(Decimal("1234.5"), "EUR") == "€1,234.50"
    assert format_exact(Decimal("100"), "JPY") == "¥100"
    assert format_exact(Decimal("-3.10000"), "CHF") == "-3.10 CHF"
    with pytest.raises(MoneyError):
        format_exact(16.1417, "USD")


def test_a_cross_rate_is_exact_then_rounded_once_half_to_even():
    assert FX_RATE_PLACES == 10
    assert fx_cross_rate(base_per_pivot=Decimal("0.8531"), quote_per_pivot=Decimal("1.1609")) == Decimal("1.3608017817")
    # Exactly half a unit of the tenth place: to the even neighbour, either way.
    assert fx_cross_rate(base_per_pivot=2, quote_per_pivot=Decimal("0.0000000005")) == Decimal("0.0000000002")
    assert fx_cross_rate(base_per_pivot=2, quote_per_pivot=Decimal("0.0000000007")) == Decimal("0.0000000004")
    # A tie only beyond 28 digits is still decided on the exact quotient.
    assert fx_cross_rate(base_per_pivot=3, quote_per_pivot=Decimal("0.00000000015000000000000000000001")) == Decimal(
        "0.0000000001"
    )
    assert fx_inverse_rate(Decimal("1.27")) == Decimal("0.7874015748")


@pytest.mark.parametrize("rate", [Decimal(0), Decimal("-1.2"), Decimal("NaN"), Decimal("Infinity")])
def test_a_cross_rate_of_a_rate_that_is_not_positive_is_refused(rate):
    with pytest.raises(MoneyError):
        fx_cross_rate(base_per_pivot=rate, quote_per_pivot=1)
