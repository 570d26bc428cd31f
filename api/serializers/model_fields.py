"""Lengths, bounds and choices of API fields, read from the model field that stores the value.

Serializers take these instead of repeating numbers and lists, so the API can never accept
what the database refuses or refuse what it accepts. For an array field they describe its
elements.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


def _field(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    return getattr(field, "base_field", field)


def max_length(model: type[models.Model], name: str) -> int:
    return _field(model, name).max_length


def choices(model: type[models.Model], name: str) -> list[tuple[str, str]]:
    return list(_field(model, name).choices)


def bounds(model: type[models.Model], name: str) -> dict[str, int]:
    """``min_value``/``max_value`` from the field's validators, the column's range included."""
    validators = _field(model, name).validators
    lows = [v.limit_value for v in validators if isinstance(v, MinValueValidator)]
    highs = [v.limit_value for v in validators if isinstance(v, MaxValueValidator)]
    limits: dict[str, Any] = {}
    if lows:
        limits["min_value"] = max(lows)
    if highs:
        limits["max_value"] = min(highs)
    return limits


def digits(model: type[models.Model], name: str) -> dict[str, int]:
    """``max_digits``/``decimal_places`` of a decimal column."""
    field = _field(model, name)
    return {"max_digits": field.max_digits, "decimal_places": field.decimal_places}


def max_items(model: type[models.Model], name: str) -> int:
    """The most elements an array column holds (its ``size``)."""
    return model._meta.get_field(name).size
