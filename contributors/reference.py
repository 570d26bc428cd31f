"""Reference lists for profiles: countries, subdivisions, languages, sensitive content."""

from functools import cache

import pycountry
from django.db import models


@cache
def country_choices() -> list[tuple[str, str]]:
    return sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda item: item[1])


@cache
def language_choices() -> list[tuple[str, str]]:
    return sorted(
        ((lang.alpha_2, lang.name) for lang in pycountry.languages if hasattr(lang, "alpha_2")),
        key=lambda item: item[1],
    )


def is_country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code) is not None


def is_language(code: str) -> bool:
    return pycountry.languages.get(alpha_2=code) is not None


def subdivision_of(code: str, country: str) -> bool:
    subdivision = pycountry.subdivisions.get(code=code)
    return subdivision is not None and subdivision.country_code == country


def subdivision_choices(country: str) -> list[tuple[str, str]]:
    return sorted(
        ((s.code, s.name) for s in pycountry.subdivisions.get(country_code=country) or []), key=lambda item: item[1]
    )


class SensitiveContent(models.TextChoices):
    VIOLENCE = "violence", "Graphic violence"
    SEXUAL = "sexual", "Sexual content"
    SELF_HARM = "self_harm", "Self-harm and suicide"
    HATE = "hate", "Hate speech and harassment"
    CHILD_SAFETY = "child_safety", "Child-safety material (text descriptions)"
    MEDICAL_GRAPHIC = "medical_graphic", "Graphic medical imagery"
    EXTREMISM = "extremism", "Violent extremism"
    DRUGS = "drugs", "Drug use"
