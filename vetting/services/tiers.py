"""Tier decisions: applied at once, or approved by a second reviewer for the expert tier."""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind, User
from accounts.notifications import notify_after_commit, ops_reviewers
from accounts.permissions import require_ops_reviewer
from audit.services import audit_record
from config.errors import ApplicationError, Conflict, NotPermitted
from contributors.models import Contributor, ContributorStatus, Tier
from contributors.services import contributor_status_set
from identity.selectors import identity_is_verified
from vetting.models import (
    TierDecision,
    TierDecisionStatus,
)


def _apply_tier(*, actor: User, decision: TierDecision, contributor: Contributor) -> None:
    contributor.tier = decision.to_tier
    contributor.save(update_fields=["tier", "updated_at"])
    if contributor.status == ContributorStatus.APPLICANT:
        contributor_status_set(
            actor=actor, contributor=contributor, status=ContributorStatus.ACTIVE, reason="first tier decided"
        )
    notify_after_commit(
        kind=NoticeKind.CREDENTIALS,
        link=reverse("expert-dashboard"),
        recipients=[contributor.user],
        subject=f"Your tier is now {decision.get_to_tier_display()}",
        body=f"Reason recorded by our reviewers:\n\n{decision.reason}",
    )


def _require_verified_identity(contributor: Contributor) -> None:
    """The expert tier is for people whose identity Stripe verified (and whose name was accepted)."""
    if not identity_is_verified(contributor_id=contributor.pk):
        raise ApplicationError(
            "This expert's identity is not verified yet.",
            code="identity_unverified",
            fields={
                "tier": [
                    "The expert tier needs a verified identity. The expert verifies it from their identity page; "
                    "decide the tier once it is verified."
                ]
            },
        )


def tier_decision_propose(*, actor: User, contributor: Contributor, tier: str, reason: str) -> TierDecision:
    """Set an expert's tier. Moving into the expert tier waits for a second approver."""
    require_ops_reviewer(actor, to="can do that")
    reason = (reason or "").strip()
    errors = {}
    if tier not in Tier.values:
        errors["tier"] = [f"'{tier}' is not a tier."]
    if not reason:
        errors["reason"] = ["Record why this tier is right for this expert."]
    if errors:
        raise ApplicationError("The tier decision has errors.", code="invalid", fields=errors)
    with transaction.atomic():
        contributor = Contributor.objects.select_for_update().select_related("user").get(pk=contributor.pk)
        if contributor.user_id == actor.pk:
            raise NotPermitted("You cannot decide your own tier.", code="own_tier")
        if contributor.status == ContributorStatus.DEACTIVATED:
            raise ApplicationError("This expert is deactivated.", code="contributor_deactivated")
        if contributor.tier == tier:
            raise ApplicationError(f"This expert is already in the {Tier(tier).label} tier.", code="tier_unchanged")
        needs_second = tier == Tier.EXPERT
        if needs_second:
            _require_verified_identity(contributor)
        try:
            with transaction.atomic():
                decision = TierDecision.objects.create(
                    contributor=contributor,
                    from_tier=contributor.tier,
                    to_tier=tier,
                    reason=reason,
                    proposed_by=actor,
                    status=TierDecisionStatus.PENDING_APPROVAL if needs_second else TierDecisionStatus.APPLIED,
                    decided_at=None if needs_second else timezone.now(),
                )
        except IntegrityError:
            raise Conflict(
                "A tier decision for this expert is already waiting for a second approver.",
                code="tier_decision_pending",
            ) from None
        audit_record(
            actor=actor,
            action="vetting.tier.proposed" if needs_second else "vetting.tier.changed",
            target=contributor,
            before={"tier": contributor.tier},
            after={"tier": tier, "decision": decision.pk, "status": decision.status},
            reason=reason,
        )
        if needs_second:
            notify_after_commit(
                kind=NoticeKind.OPERATIONS,
                link=reverse("ops-tiers"),
                recipients=[u for u in ops_reviewers() if u.pk != actor.pk],
                subject=f"Second approval needed: {contributor.display_name} to the expert tier",
                body=f"Proposed by {actor.email}. Reason:\n\n{reason}",
            )
        else:
            _apply_tier(actor=actor, decision=decision, contributor=contributor)
    return decision


def _lock_pending_decision(decision: TierDecision) -> TierDecision:
    decision = TierDecision.objects.select_for_update().select_related("contributor__user").get(pk=decision.pk)
    if decision.status != TierDecisionStatus.PENDING_APPROVAL:
        raise ApplicationError("This tier decision is not waiting for approval.", code="illegal_transition")
    return decision


def tier_decision_approve(*, actor: User, decision: TierDecision) -> TierDecision:
    require_ops_reviewer(actor, to="can do that")
    with transaction.atomic():
        decision = _lock_pending_decision(decision)
        if decision.proposed_by_id == actor.pk:
            raise NotPermitted("The person who proposed a tier change cannot also approve it.", code="four_eyes")
        contributor = Contributor.objects.select_for_update().select_related("user").get(pk=decision.contributor_id)
        if contributor.user_id == actor.pk:
            raise NotPermitted("You cannot approve your own tier.", code="own_tier")
        if decision.to_tier == Tier.EXPERT:
            _require_verified_identity(contributor)
        decision.status = TierDecisionStatus.APPLIED
        decision.second_approver = actor
        decision.decided_at = timezone.now()
        decision.from_tier = contributor.tier
        decision.save(update_fields=["status", "second_approver", "decided_at", "from_tier"])
        audit_record(
            actor=actor,
            action="vetting.tier.changed",
            target=contributor,
            before={"tier": contributor.tier},
            after={"tier": decision.to_tier, "decision": decision.pk, "proposed_by": decision.proposed_by.email},
            reason=decision.reason,
        )
        _apply_tier(actor=actor, decision=decision, contributor=contributor)
    return decision


def tier_decision_decline(*, actor: User, decision: TierDecision, reason: str) -> TierDecision:
    require_ops_reviewer(actor, to="can do that")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "Say why you decline.", code="reason_required", fields={"reason": ["This field is required."]}
        )
    with transaction.atomic():
        decision = _lock_pending_decision(decision)
        if decision.proposed_by_id == actor.pk:
            raise NotPermitted("The person who proposed a tier change cannot also decide on it.", code="four_eyes")
        decision.status = TierDecisionStatus.DECLINED
        decision.second_approver = actor
        decision.decided_at = timezone.now()
        decision.decline_reason = reason
        decision.save(update_fields=["status", "second_approver", "decided_at", "decline_reason"])
        audit_record(
            actor=actor,
            action="vetting.tier.declined",
            target=decision.contributor,
            after={"decision": decision.pk, "to_tier": decision.to_tier},
            reason=reason,
        )
    return decision
