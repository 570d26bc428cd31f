"""Legal holds: while one is in force, the retention schedule keeps everything about the person.

Placed and released by an operations reviewer other than the person (a check constraint as
well), each step audited. The person is not told while the hold is in force
(docs/privacy.md, "Legal holds").
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import require_ops_reviewer
from audit.services import audit_record
from config.errors import ApplicationError, Conflict, NotPermitted

from ..models import LegalHold

REASON_MAX_LENGTH = LegalHold._meta.get_field("reason").max_length
NOTE_MAX_LENGTH = LegalHold._meta.get_field("release_note").max_length


def _required_text(value: str, *, field: str, limit: int, message: str, code: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > limit:
        raise ApplicationError(message, code=code, fields={field: [f"Give it, in at most {limit} characters."]})
    return value


def legal_hold_place(*, actor: User, user: User, reason: str) -> LegalHold:
    require_ops_reviewer(actor, to="place a legal hold")
    if actor.pk == user.pk:
        raise NotPermitted("A hold on your own records is placed by someone else.", code="legal_hold_self")
    reason = _required_text(
        reason,
        field="reason",
        limit=REASON_MAX_LENGTH,
        message="Say why the records must be kept.",
        code="reason_required",
    )
    with transaction.atomic():
        hold = LegalHold.objects.create(user=user, reason=reason, placed_by=actor, placed_at=timezone.now())
        audit_record(
            actor=actor, action="privacy.legal_hold.placed", target=hold, after={"user_id": user.pk}, reason=reason
        )
    return hold


def legal_hold_release(*, actor: User, hold: LegalHold, note: str) -> LegalHold:
    """Let the schedule reach the person's records again; ``note`` says why the hold ends."""
    require_ops_reviewer(actor, to="release a legal hold")
    if actor.pk == hold.user_id:
        raise NotPermitted("A hold on your own records is released by someone else.", code="legal_hold_self")
    note = _required_text(
        note, field="note", limit=NOTE_MAX_LENGTH, message="Say why the hold ends.", code="note_required"
    )
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if hold.released_at is not None:
            raise Conflict("This hold was already released.", code="legal_hold_released")
        hold.released_by = actor
        hold.released_at = timezone.now()
        hold.release_note = note
        hold.save(update_fields=["released_by", "released_at", "release_note"])
        audit_record(
            actor=actor, action="privacy.legal_hold.released", target=hold, after={"user_id": hold.user_id}, reason=note
        )
    return hold
