"""Values of model choices rendered into raw SQL.

Raw SQL that compares a column with a status or a kind names it through these, from the
model's choices (``sql_literal(ReviewStatus.APPROVED)``), never as a quoted string typed
into the query: a search for the value finds the model that defines it and the one
module that puts it in SQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Choice values are identifiers; anything else is refused rather than quoted.
_SAFE = re.compile(r"[A-Za-z0-9_.:-]*")


def sql_literal(value: str) -> str:
    """One choice value as an SQL string literal."""
    text = str(value.value if hasattr(value, "value") else value)
    if not _SAFE.fullmatch(text):
        raise ValueError(f"not a choice value: {text!r}")
    return f"'{text}'"


def sql_list(values: Iterable[str]) -> str:
    """Choice values as the inside of an SQL ``IN (...)``."""
    return ", ".join(sql_literal(value) for value in values)
