"""Which moves a payout's status may make: the one table every transfer service goes through.

    held ──(its reason has cleared when a later batch takes it over)──> pending
    pending ──(a hold placed, or the account restricted, before it left)──> held
    pending ──(send: committed before Stripe is called)──> submitted
    submitted ──(transfer created, or found again)──> paid ──(transfer reversed)──> reversed
    submitted ──(Stripe refuses with a 4xx: nothing moved)──> failed
    failed | reversed ──(operations retry)──> a new payout, held until the next batch

A held payout judged again by a later batch may stay held (with a new reason), and a
reversal may be followed by a further partial reversal. The callers hold the payout's row
lock (``select_for_update``) and write the audit event of the move.
"""

from __future__ import annotations

from config.errors import ApplicationError
from payouts.models import Payout, PayoutStatus

P = PayoutStatus

# A payout not yet saved is created held or pending.
CREATED = frozenset({P.HELD, P.PENDING})
PAYOUT_TRANSITIONS: dict[str, frozenset[str]] = {
    P.HELD: frozenset({P.HELD, P.PENDING}),
    P.PENDING: frozenset({P.HELD, P.SUBMITTED}),
    P.SUBMITTED: frozenset({P.PAID, P.FAILED}),
    P.PAID: frozenset({P.REVERSED}),
    P.REVERSED: frozenset({P.REVERSED}),
    P.FAILED: frozenset(),
}


def payout_move(payout: Payout, to_status: str) -> str:
    """Set ``payout.status`` to ``to_status`` if the table allows it; return the status it had.

    The caller saves the row; a move the table does not allow changes nothing and is refused.
    """
    before = payout.status
    allowed = CREATED if payout._state.adding else PAYOUT_TRANSITIONS[before]
    if to_status not in allowed:
        raise ApplicationError(f"A payout cannot move from {before} to {to_status}.", code="illegal_transition")
    payout.status = to_status
    return before
