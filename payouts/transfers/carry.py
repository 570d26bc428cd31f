"""Why a payout cannot go out now: the rules, and their words for the expert and operations.

Asked when a batch is prepared (with the expert's total in that currency, so the minimum
applies) and again just before a payout is sent (a hold placed, or an account Stripe
stopped clearing, since the batch was made).
"""

from __future__ import annotations

from django.conf import settings

from payouts import money
from payouts.models import PayoutAccount, PayoutHold, PayoutHoldReason
from payouts.transfers.selectors import payout_account_in_words

CarryReason = tuple[str, str, PayoutHold | None]


def payout_minimum_minor(currency: str) -> int:
    minimums = settings.PAYOUT_MINIMUM_MINOR
    return int(minimums.get(currency.upper(), minimums["default"]))


def hold_detail(
    reason: str,
    *,
    hold: PayoutHold | None = None,
    account: PayoutAccount | None = None,
    total_minor: int = 0,
    currency: str = "",
) -> str:
    """Why a payout is carried forward, in words for the expert and operations alike."""
    if reason == PayoutHoldReason.ON_HOLD:
        return f"Payouts are on hold: {hold.reason} (to be reviewed by {hold.review_by:%d %B %Y})."
    if reason == PayoutHoldReason.NO_ACCOUNT:
        return "You have not set up a payout account yet; set one up to receive this pay."
    if reason == PayoutHoldReason.ACCOUNT_NOT_READY:
        words = payout_account_in_words(account=account)
        missing = "; ".join(words.requirements_due)
        return f"Your payout account cannot receive transfers yet: {words.summary}" + (
            f" Stripe still needs: {missing}." if missing else ""
        )
    if reason == PayoutHoldReason.BELOW_MINIMUM:
        return (
            f"{money.format_money(total_minor, currency)} is below the minimum payout of "
            f"{money.format_money(payout_minimum_minor(currency), currency)}; it is carried forward and "
            "paid together with later weeks."
        )
    return "To be sent again with the next payout batch."


def carry_reason(
    *,
    hold: PayoutHold | None,
    account: PayoutAccount | None,
    total_minor: int | None = None,
    currency: str = "",
    blocked: tuple[str, str] | None = None,
) -> CarryReason | None:
    """Why an expert's payout cannot go out now, if it cannot: (reason, words, the hold).

    ``total_minor`` is the expert's total in ``currency`` in the batch; without it (at
    sending time, when the batch has already decided) the minimum is not asked again.
    ``blocked`` is what the law requires first, if anything (``compliance_blocks``): it
    comes before every other reason, because no one may release it but the person or
    operations doing what it asks.
    """
    if blocked is not None:
        return blocked[0], blocked[1], None
    if hold is not None:
        return PayoutHoldReason.ON_HOLD, hold_detail(PayoutHoldReason.ON_HOLD, hold=hold), hold
    if account is None:
        return PayoutHoldReason.NO_ACCOUNT, hold_detail(PayoutHoldReason.NO_ACCOUNT), None
    if not account.can_receive_transfers:
        return (
            PayoutHoldReason.ACCOUNT_NOT_READY,
            hold_detail(PayoutHoldReason.ACCOUNT_NOT_READY, account=account),
            None,
        )
    if total_minor is not None and total_minor < payout_minimum_minor(currency):
        detail = hold_detail(PayoutHoldReason.BELOW_MINIMUM, total_minor=total_minor, currency=currency)
        return PayoutHoldReason.BELOW_MINIMUM, detail, None
    return None
