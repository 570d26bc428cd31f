"""Whether the name Stripe verified is the legal name on the profile: the one home of that rule.

Names are compared without accents, case, punctuation or order ("GARCÍA LÓPEZ, María" is
"Maria Garcia Lopez"), by rapidfuzz's ``token_sort_ratio``; a score at or above
``settings.IDENTITY_NAME_MATCH_THRESHOLD`` (0-100, default 90) is a match. Below it the
verification goes to operations, who decide; nothing here refuses anyone.
"""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from rapidfuzz import fuzz


def name_normalise(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name or "")
    without_accents = "".join(char for char in decomposed if not unicodedata.combining(char))
    words = re.sub(r"[^\w]+", " ", without_accents.casefold().replace("ß", "ss")).split()
    return " ".join(words)


def name_score(legal_name: str, verified_name: str) -> int:
    """0-100: how alike the two names are once normalised, whatever the order of their words."""
    return round(fuzz.token_sort_ratio(name_normalise(legal_name), name_normalise(verified_name)))


def names_match(legal_name: str, verified_name: str) -> bool:
    return name_score(legal_name, verified_name) >= settings.IDENTITY_NAME_MATCH_THRESHOLD
