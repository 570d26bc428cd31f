"""Payout accounts, batches, holds and payouts, in the words experts and operations read."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

from payouts import money

# --- payouts -------------------------------------------------------------------------

# Stripe's requirement codes, by prefix, in words an expert understands.
_REQUIREMENT_WORDS = (
    ("external_account", "a bank account to be paid into"),
    ("individual.verification.additional_document", "a document that proves your address"),
    ("individual.verification.document", "a photo of an identity document"),
    ("individual.dob.", "your date of birth"),
    ("individual.address.", "your home address"),
    ("individual.first_name", "your legal name"),
    ("individual.last_name", "your legal name"),
    ("individual.email", "your email address"),
    ("individual.phone", "your phone number"),
    ("individual.id_number", "your tax identification number"),
    ("individual.ssn_last_4", "the last four digits of your social security number"),
    ("business_profile.", "what you do (your industry and a website or description)"),
    ("business_type", "whether you work as an individual or a company"),
    ("tos_acceptance.", "accepting Stripe's terms of service"),
)

_DISABLED_REASON_WORDS = {
    "requirements.past_due": "Stripe needs more information before it can send you money.",
    "requirements.pending_verification": "Stripe is checking the details you gave; this can take from minutes to days.",
    "under_review": "Stripe is reviewing this account.",
    "listed": "Stripe is checking this account against sanctions lists.",
    "platform_paused": "Transfers to this account are paused by us; operations will tell you why.",
    "rejected": "Stripe has closed this account; operations will contact you.",
}


def requirements_in_words(codes: list[str]) -> list[str]:
    """Stripe's requirement codes as a short list of things to provide, without repeats."""
    words: list[str] = []
    for code in codes:
        phrase = next(
            (phrase for prefix, phrase in _REQUIREMENT_WORDS if code == prefix or code.startswith(prefix)),
            f"other details Stripe asks for ({code})",
        )
        phrase = phrase[0].upper() + phrase[1:]
        if phrase not in words:
            words.append(phrase)
    return words


def disabled_reason_in_words(reason: str) -> str:
    if not reason:
        return ""
    return _DISABLED_REASON_WORDS.get(reason) or _DISABLED_REASON_WORDS.get(
        reason.split(".")[0], "Stripe has paused transfers to this account."
    )


@dataclass(frozen=True)
class PayoutAccountInWords:
    """An expert's payout account as they are shown it."""

    status: str  # not_started, onboarding, verifying, restricted or active
    summary: str
    requirements_due: list[str]
    pending_verification: list[str]
    disabled_reason: str
    disabled_reason_text: str
    current_deadline: object
    stripe_account_id: str
    transfers_capability: str
    payouts_enabled: bool
    synced_at: object


def payout_account_in_words(*, account) -> PayoutAccountInWords:
    from payouts.models import PayoutAccount

    if account is None:
        account = PayoutAccount(stripe_account_id="", country="")
        status, summary = "not_started", "You have not set up a payout account yet."
    elif account.can_receive_transfers:
        status, summary = "active", "Ready: your pay is sent to your Stripe account with each weekly batch."
    elif not account.details_submitted:
        status, summary = "onboarding", "Finish setting up your payout account with Stripe."
    elif account.pending_verification and not account.requirements_due:
        status, summary = "verifying", "Stripe is verifying your details."
    else:
        status = "restricted"
        summary = (
            disabled_reason_in_words(account.disabled_reason) or "Stripe needs more information before it can pay you."
        )
    return PayoutAccountInWords(
        status=status,
        summary=summary,
        requirements_due=requirements_in_words(account.requirements_due),
        pending_verification=requirements_in_words(account.pending_verification),
        disabled_reason=account.disabled_reason,
        disabled_reason_text=disabled_reason_in_words(account.disabled_reason),
        current_deadline=account.current_deadline,
        stripe_account_id=account.stripe_account_id,
        transfers_capability=account.transfers_capability if account.pk else "",
        payouts_enabled=account.payouts_enabled,
        synced_at=account.synced_at,
    )


def payout_account_of_expert(*, user) -> PayoutAccountInWords:
    from payouts.models import PayoutAccount

    return payout_account_in_words(account=PayoutAccount.objects.filter(contributor__user=user).first())


def payouts_of_expert(*, user) -> QuerySet:
    """The expert's own payouts, newest first, with the statement and week behind each."""
    from payouts.models import Payout

    return (
        Payout.objects.filter(contributor__user=user)
        .select_related("statement__run__period")
        .order_by("-created_at", "-id")
    )


def payout_batches() -> QuerySet:
    from payouts.models import PayoutBatch

    return PayoutBatch.objects.select_related("run__period", "prepared_by", "approved_by").order_by(
        "-created_at", "-id"
    )


def payout_batch_payouts(*, batch, status: str = "") -> QuerySet:
    payouts = batch.payouts.select_related("contributor", "statement__run__period").order_by("id")
    return payouts.filter(status=status) if status else payouts


def payouts_sent_again(*, payout_ids: list[int]) -> set[int]:
    """Which of these payouts a later payout sends again (after they failed or were reversed)."""
    from payouts.models import Payout

    return set(Payout.objects.filter(replaces_id__in=payout_ids).values_list("replaces_id", flat=True))


def payout_holds(*, active_only: bool = True) -> QuerySet:
    from payouts.models import PayoutHold

    holds = PayoutHold.objects.select_related("contributor", "placed_by", "released_by")
    return holds.filter(released_at__isnull=True) if active_only else holds


def payout_batch_progress(*, batch) -> dict:
    """Counts by status, amounts by currency and status, why payouts are held, and whether sending is done."""
    return payout_batches_progress(batches=[batch])[batch.pk]


def payout_batches_progress(*, batches) -> dict[int, dict]:
    """``payout_batch_progress`` of each batch, in four grouped queries whatever their number."""
    from payouts.models import Payout, PayoutHoldReason, PayoutStatus

    ids = [batch.pk for batch in batches]
    counts = {pk: dict.fromkeys(PayoutStatus.values, 0) for pk in ids}
    amounts: dict[int, dict[str, dict[str, int]]] = {pk: {} for pk in ids}
    held = {pk: dict.fromkeys(PayoutHoldReason.values, 0) for pk in ids}
    retrying = dict.fromkeys(ids, 0)
    for row in (
        Payout.objects.filter(batch_id__in=ids)
        .values("batch_id", "status", "currency")
        .annotate(n=Count("id"), amount=Sum("amount_minor"), taken_back=Sum("amount_reversed_minor"))
        .order_by()
    ):
        counts[row["batch_id"]][row["status"]] += row["n"]
        by_status = amounts[row["batch_id"]].setdefault(
            row["currency"], dict.fromkeys([*PayoutStatus.values, "sent"], 0)
        )
        by_status[row["status"]] += row["amount"]
        if row["status"] in (PayoutStatus.PAID, PayoutStatus.REVERSED):
            # What reached the experts and stayed there.
            by_status["sent"] += row["amount"] - row["taken_back"]
    for row in (
        Payout.objects.filter(batch_id__in=ids)
        .filter(Q(status=PayoutStatus.HELD) | (Q(status=PayoutStatus.SUBMITTED) & ~Q(last_error="")))
        .values("batch_id", "status", "hold_reason")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if row["status"] == PayoutStatus.HELD:
            held[row["batch_id"]][row["hold_reason"]] += row["n"]
        else:
            retrying[row["batch_id"]] += row["n"]
    # Held in a batch, then taken over by a later batch (and counted there).
    carried_on = dict(
        Payout.objects.filter(carried_from_id__in=ids)
        .values("carried_from_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("carried_from_id", "n")
    )
    return {
        batch.pk: {
            "counts": counts[batch.pk],
            "amounts_minor": amounts[batch.pk],
            "held_by_reason": held[batch.pk],
            "retrying": retrying[batch.pk],
            "carried_on": carried_on.get(batch.pk, 0),
            "done": batch.status == "approved"
            and counts[batch.pk][PayoutStatus.PENDING] + counts[batch.pk][PayoutStatus.SUBMITTED] == 0,
        }
        for batch in batches
    }


def payout_hold_of_expert(*, user):
    """The hold in force on the expert's payouts, if any: its reason is theirs to read."""
    from payouts.models import PayoutHold

    return PayoutHold.objects.filter(contributor__user=user, released_at__isnull=True).first()


def carried_forward_of_expert(*, user) -> dict[str, int]:
    """What the expert is owed but not yet sent, per currency: payouts held and carried forward."""
    from payouts.models import Payout, PayoutStatus

    rows = (
        Payout.objects.filter(contributor__user=user, status=PayoutStatus.HELD)
        .values("currency")
        .annotate(total=Sum("amount_minor"))
        .order_by("currency")
    )
    return {row["currency"]: row["total"] for row in rows}


def payout_reason(payout) -> str:
    """Why a payout is where it is, in the words the expert, operations and the API all read."""
    from payouts.models import PayoutStatus

    if payout.status == PayoutStatus.HELD:
        return payout.hold_detail
    if payout.status == PayoutStatus.FAILED:
        return f"Stripe refused the transfer: {payout.failure_message or payout.failure_code or 'no reason given'}"
    if payout.status == PayoutStatus.REVERSED:
        taken = money.format_money(payout.amount_reversed_minor, payout.currency)
        return f"{taken} was taken back at Stripe; it is owed to the expert again."
    if payout.status == PayoutStatus.SUBMITTED and payout.last_error:
        return f"Being retried after: {payout.last_error}"
    return ""
