"""Legal holds: while one is in force, the retention schedule keeps everything about the person."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import require_ops_reviewer
from audit.services import audit_record
from config.errors import ApplicationError, Conflict

from ..models import LegalHold

REASON_MAX_LENGTH = LegalHold._meta.get_field("reason").max_length


def legal_hold_place(*, actor: User, user: User, reason: str) -> LegalHold:
    require_ops_reviewer(actor, to="place a legal hold")
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX_LENGTH:
        raise ApplicationError(
            "Say why the records must be kept.",
            code="reason_required",
            fields={"reason": [f"Give the reason, in at most {REASON_MAX_LENGTH} characters."]},
        )
    with transaction.atomic():
        hold = LegalHold.objects.create(user=user, reason=reason, placed_by=actor, placed_at=timezone.now())
        audit_record(
            actor=actor, action="privacy.legal_hold.placed", target=hold, after={"user_id": user.pk}, reason=reason
        )
    return hold


def legal_hold_release(*, actor: User, hold: LegalHold, note: str = "") -> LegalHold:
    require_ops_reviewer(actor, to="release a legal hold")
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if hold.released_at is not None:
            raise Conflict("This hold was already released.", code="legal_hold_released")
        hold.released_by = actor
        hold.released_at = timezone.now()
        hold.save(update_fields=["released_by", "released_at"])
        audit_record(
            actor=actor, action="privacy.legal_hold.released", target=hold, after={"user_id": hold.user_id}, reason=note
        )
    return hold
