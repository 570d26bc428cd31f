"""What the law requires before an expert is paid: the checks that hold a payout, asked in bulk.

Each requirement has its own home and answers one question for many experts at once:
``payout_blocks(contributor_ids=..., on=...)`` returns, for each expert who may not be
paid on that day, a sentence saying why and what they (or operations) can do about it.
A payout that meets one is held with that reason and carried forward, like any other
hold; nothing earned is forfeited. The first requirement in ``REQUIREMENTS`` that an
expert meets is the reason shown, so the order is the order of severity.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date

from identity.selectors import duplicate_payout_blocks
from identity.selectors import payout_blocks as identity_payout_blocks
from payouts.models import PayoutHoldReason
from tax.selectors import payout_blocks as tax_form_blocks

Blocks = Callable[..., dict[int, str]]

# (hold reason, the function that finds who it holds), most serious first: sanctions
# screening, then a possible duplicate account, then identity, then the tax form.
REQUIREMENTS: list[tuple[str, Blocks]] = [
    (PayoutHoldReason.DUPLICATE_ACCOUNT, duplicate_payout_blocks),
    (PayoutHoldReason.IDENTITY, identity_payout_blocks),
    # A W-9 or W-8BEN in force (tax/selectors.py): US withholding and year-end reporting need it.
    (PayoutHoldReason.TAX_FORM, tax_form_blocks),
]


def compliance_blocks(*, contributor_ids: Collection[int], on: date) -> dict[int, tuple[str, str]]:
    """For each expert held by a legal requirement on ``on``: (hold reason, words for them)."""
    found: dict[int, tuple[str, str]] = {}
    remaining = set(contributor_ids)
    for reason, blocks in REQUIREMENTS:
        if not remaining:
            break
        for contributor_id, words in blocks(contributor_ids=remaining, on=on).items():
            found[contributor_id] = (reason, words)
        remaining -= found.keys()
    return found


__all__ = ["REQUIREMENTS", "PayoutHoldReason", "compliance_blocks"]
