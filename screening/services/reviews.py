"""Operations' review of a possible sanctions match, with four eyes.

    possible_match ──(one person proposes, with reasons)──> proposed_clear | proposed_confirm
    proposed_* ──(a second, different person agrees)──> cleared | confirmed
    proposed_* ──(the second person disagrees, with reasons)──> possible_match

While a review is open the subject's payouts are held; cleared, they go out with the next
batch; confirmed, they stay blocked for good and the match is recorded (operations then
report it to OFAC, docs/compliance.md). The database refuses a decision by the proposer.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.permissions import require_ops_reviewer
from audit.services import audit_record
from config.errors import ApplicationError, NotPermitted

from ..models import ReviewStatus, ScreeningReview
from .subjects import keep_until

DECISIONS = {"clear": ReviewStatus.PROPOSED_CLEAR, "confirm": ReviewStatus.PROPOSED_CONFIRM}
_FINAL = {ReviewStatus.PROPOSED_CLEAR: ReviewStatus.CLEARED, ReviewStatus.PROPOSED_CONFIRM: ReviewStatus.CONFIRMED}
REASON_MIN_LENGTH = 10


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise ApplicationError(
            "Write down why, in a sentence or more.",
            code="invalid",
            fields={"reason": [f"At least {REASON_MIN_LENGTH} characters."]},
        )
    return reason[:4000]


def screening_review_propose(*, actor, review: ScreeningReview, decision: str, reason: str) -> ScreeningReview:
    """The first person proposes to clear (not the same person) or confirm (the same person)."""
    require_ops_reviewer(actor, to="review sanctions matches")
    if decision not in DECISIONS:
        raise ApplicationError(
            "Choose clear or confirm.", code="invalid", fields={"decision": ["Choose clear or confirm."]}
        )
    reason = _reason(reason)
    with transaction.atomic():
        review = ScreeningReview.objects.select_for_update().get(pk=review.pk)
        if review.status != ReviewStatus.POSSIBLE_MATCH:
            raise ApplicationError("This review already has a proposal or a decision.", code="illegal_transition")
        review.status = DECISIONS[decision]
        review.proposed_by, review.proposed_reason, review.proposed_at = actor, reason, timezone.now()
        review.save(update_fields=["status", "proposed_by", "proposed_reason", "proposed_at"])
        audit_record(
            actor=actor,
            action="screening.review.proposed",
            target=review,
            before={"status": ReviewStatus.POSSIBLE_MATCH},
            after={"status": review.status},
            reason=reason,
        )
    return review


def screening_review_second(*, actor, review: ScreeningReview, agree: bool, reason: str) -> ScreeningReview:
    """A second, different person agrees (deciding it) or sends the proposal back."""
    require_ops_reviewer(actor, to="review sanctions matches")
    with transaction.atomic():
        review = ScreeningReview.objects.select_for_update().get(pk=review.pk)
        if review.status not in _FINAL:
            raise ApplicationError(
                "This review has no proposal waiting for a second person.", code="illegal_transition"
            )
        if review.proposed_by_id == actor.pk:
            raise NotPermitted("The person who proposed a decision cannot also second it.", code="four_eyes")
        reason = _reason(reason)
        before = {"status": review.status, "proposed_by": review.proposed_by_id}
        if agree:
            now = timezone.now()
            review.status = _FINAL[review.status]
            review.decided_by, review.decided_reason, review.decided_at = actor, reason, now
            review.keep_until = max(review.keep_until, keep_until(now.date()))
            review.save(update_fields=["status", "decided_by", "decided_reason", "decided_at", "keep_until"])
            action = (
                "screening.review.cleared" if review.status == ReviewStatus.CLEARED else "screening.review.confirmed"
            )
        else:
            review.status = ReviewStatus.POSSIBLE_MATCH
            review.proposed_by, review.proposed_reason, review.proposed_at = None, "", None
            review.save(update_fields=["status", "proposed_by", "proposed_reason", "proposed_at"])
            action = "screening.review.sent_back"
        audit_record(
            actor=actor,
            action=action,
            target=review,
            before=before,
            after={"status": review.status, "subject": review.subject_id, "entries": review.entry_keys},
            reason=reason,
        )
    return review
