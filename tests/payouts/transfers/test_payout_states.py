"""A payout's status moves only as the table in payouts.transfers.states allows."""

import pytest

from config.errors import ApplicationError
from payouts.models import Payout, PayoutStatus
from payouts.transfers.states import PAYOUT_TRANSITIONS, payout_move

P = PayoutStatus


def _saved(status: str) -> Payout:
    payout = Payout(status=status)
    payout._state.adding = False  # as loaded from the database
    return payout


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (P.HELD, P.PENDING),
        (P.PENDING, P.HELD),
        (P.PENDING, P.SUBMITTED),
        (P.SUBMITTED, P.PAID),
        (P.SUBMITTED, P.FAILED),
        (P.PAID, P.REVERSED),
        (P.REVERSED, P.REVERSED),
    ],
)
def test_the_moves_of_the_money_path_are_allowed(before, after):
    payout = _saved(before)
    assert payout_move(payout, after) == before
    assert payout.status == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (P.PENDING, P.PAID),  # never paid without being submitted first (the key is committed before Stripe)
        (P.HELD, P.SUBMITTED),  # a held payout goes out only after a batch has judged it again
        (P.PAID, P.SUBMITTED),  # nothing paid is sent again
        (P.FAILED, P.PENDING),  # a refused payout is paid again as a new payout, with a new key
        (P.REVERSED, P.PAID),
        (P.SUBMITTED, P.HELD),  # once Stripe may have it, a hold cannot take it back
    ],
)
def test_other_moves_are_refused_and_change_nothing(before, after):
    payout = _saved(before)
    with pytest.raises(ApplicationError) as refused:
        payout_move(payout, after)
    assert refused.value.code == "illegal_transition"
    assert payout.status == before


def test_a_new_payout_starts_held_or_pending():
    payout = Payout()
    payout_move(payout, P.HELD)
    assert payout.status == P.HELD
    with pytest.raises(ApplicationError):
        payout_move(Payout(), P.PAID)


def test_every_status_has_a_row():
    assert set(PAYOUT_TRANSITIONS) == set(P.values)
