"""Holds on an expert's payouts: placed with a reason the expert reads, released with a note."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind, User
from accounts.notifications import notify_after_commit
from accounts.permissions import require_ops_finance
from audit.services import audit_record
from config.errors import ApplicationError, Conflict
from contributors.models import Contributor
from payouts.models import (
    Payout,
    PayoutHold,
    PayoutHoldReason,
    PayoutStatus,
)
from payouts.transfers.carry import hold_detail
from payouts.transfers.states import payout_move


def payout_hold_place(*, actor: User, contributor: Contributor, reason: str, review_by: date) -> PayoutHold:
    """Withhold an expert's payouts, with a reason they are shown and a date to review it by.

    Payouts not yet on their way are held at once; one already submitted to Stripe is
    left to finish (it may already exist there). Earned pay is never dropped: held
    payouts are carried forward and paid once the hold is released.
    """
    require_ops_finance(actor, to="places payout holds")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "A hold needs a reason.", code="reason_required", fields={"reason": ["Say why pay is held."]}
        )
    if review_by <= timezone.now().date():
        raise ApplicationError(
            "The review date must be in the future.",
            code="invalid",
            fields={"review_by": ["Choose a date after today."]},
        )
    with transaction.atomic():
        contributor = Contributor.objects.select_for_update(of=("self",)).select_related("user").get(pk=contributor.pk)
        if PayoutHold.objects.filter(contributor=contributor, released_at__isnull=True).exists():
            raise Conflict("This expert's payouts are already on hold.", code="hold_exists")
        hold = PayoutHold.objects.create(contributor=contributor, reason=reason, review_by=review_by, placed_by=actor)
        held = list(
            Payout.objects.select_for_update()
            .filter(contributor=contributor, status=PayoutStatus.PENDING)
            .order_by("id")
        )
        detail = hold_detail(PayoutHoldReason.ON_HOLD, hold=hold)
        for payout in held:
            payout_move(payout, PayoutStatus.HELD)
            payout.hold_reason = PayoutHoldReason.ON_HOLD
            payout.hold_detail = detail
            payout.hold = hold
        Payout.objects.bulk_update(held, ["status", "hold_reason", "hold_detail", "hold"])
        audit_record(
            actor=actor,
            action="payouts.hold.placed",
            target=hold,
            after={"contributor": contributor.pk, "review_by": review_by, "payouts_held": [p.pk for p in held]},
            reason=reason,
        )
        notify_after_commit(
            kind=NoticeKind.PAYOUT_HOLDS,
            link=reverse("expert-payouts"),
            recipients=[contributor.user],
            subject="Your payouts are on hold",
            body=f"Operations have put your payouts on hold: {reason}\n"
            f"It will be reviewed by {review_by:%d %B %Y}. Your pay is kept and carried forward; "
            "nothing you have earned is lost.",
        )
    return hold


def payout_hold_release(*, actor: User, hold: PayoutHold, note: str = "") -> PayoutHold:
    """Lift a hold; the payouts it held go out with the next batch."""
    require_ops_finance(actor, to="releases payout holds")
    with transaction.atomic():
        hold = PayoutHold.objects.select_for_update().select_related("contributor__user").get(pk=hold.pk)
        if hold.released_at is not None:
            raise ApplicationError("This hold was already released.", code="illegal_transition")
        hold.released_at = timezone.now()
        hold.released_by = actor
        hold.release_note = (note or "").strip()[:500]
        hold.save(update_fields=["released_at", "released_by", "release_note"])
        audit_record(
            actor=actor,
            action="payouts.hold.released",
            target=hold,
            before={"released_at": None},
            after={"released_at": hold.released_at},
            reason=hold.release_note,
        )
        notify_after_commit(
            kind=NoticeKind.PAYOUT_HOLDS,
            link=reverse("expert-payouts"),
            recipients=[hold.contributor.user],
            subject="The hold on your payouts is lifted",
            body="Your held pay goes out with the next weekly payout batch.",
        )
    return hold
