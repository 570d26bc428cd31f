"""Amounts as people read them, formatted in the template: ``{% load money %}``.

Views and presenters hand templates integer minor units and a currency code; the
filters below turn them into text through ``payouts.money``, the one module that
converts and rounds (as pretix's ``base/templatetags/money.py`` does for its pages).

    {{ funding.amount_minor|money:funding.currency }}      -> $1,500.00, ₹820.50, 12.000 KWD
    {{ pay.rate_minor|money:pay.currency }} an hour        -> $45.00 an hour
    {{ -250|money:"EUR" }}                                 -> -€2.50
    {{ stretch.hourly|money_exact:statement.currency }}    -> $7.2513 (a major-unit Decimal, kept exact)

An empty value (``None`` or ``""``) shows nothing, so an optional figure needs no
``{% if %}`` around it. ``money`` takes whole minor units (an ``int``, a whole ``Decimal``
from an aggregate, a numpy integer from pandas) and refuses anything else loudly, floats
included: money never passes through ``float``.
"""

from __future__ import annotations

from decimal import Decimal
from numbers import Integral

from django import template

from payouts.money import MoneyError, format_exact, format_money

register = template.Library()


def _empty(value) -> bool:
    return value is None or value == ""


@register.filter(name="money")
def money(amount_minor: int | None, currency: str) -> str:
    """An amount in minor units with its currency: ``{{ 150000|money:"USD" }}`` is ``$1,500.00``."""
    if _empty(amount_minor):
        return ""
    whole = isinstance(amount_minor, Integral) or (
        isinstance(amount_minor, Decimal) and amount_minor == amount_minor.to_integral_value()
    )
    if isinstance(amount_minor, bool) or not whole:
        # format_money would truncate a fraction of a minor unit; show that with money_exact.
        raise MoneyError(f"the money filter takes whole minor units, not {amount_minor!r}")
    return format_money(int(amount_minor), currency)


@register.filter(name="money_exact")
def money_exact(amount: Decimal | int | str | None, currency: str) -> str:
    """A major-unit amount that need not be whole minor units (a floor converted at an FX rate,
    a day's share of one): the currency's usual places, and up to four where it has them."""
    if _empty(amount):
        return ""
    return format_exact(amount, currency)


@register.filter(name="fx_rate")
def fx_rate(rate: Decimal | None) -> str:
    """An exchange rate as stored, without the trailing zeros of its ten places: ``1.0850000000`` is ``1.085``."""
    if _empty(rate):
        return ""
    text = f"{Decimal(rate):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
