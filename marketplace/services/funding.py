"""Funding a project: the lab is charged the budget plus the platform fee, and Stripe's
confirmation (a webhook, re-read) makes the project funded.

Stripe is reached only through ``payouts.gateway``.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind, Role, User
from accounts.notifications import notify_after_commit
from audit.services import audit_record, snapshot
from config.errors import ApplicationError, Conflict, NotPermitted
from payouts import money
from payouts.gateway import stripe_api as gateway
from payouts.ledger.services import ledger_post_funding
from screening.selectors import lab_funding_block

from ..models import (
    FundingStatus,
    Project,
    ProjectFunding,
    ProjectStatus,
)
from ..permissions import LAB_EDITORS, require_lab_role
from .projects import PROJECT_FIELDS, _rate_date, _rate_problems

# --- funding -------------------------------------------------------------------------


def project_funding_start(*, actor: User, project: Project, payment_method: str) -> ProjectFunding:
    """Charge the lab the budget plus the platform fee; the webhook confirms it.

    The funding row is committed before Stripe is called, and its id is the idempotency
    key, so a retried or repeated request charges once.
    """
    with transaction.atomic():
        project = Project.objects.select_for_update().select_related("lab").get(pk=project.pk)
        require_lab_role(actor, lab=project.lab, roles=LAB_EDITORS, to="fund projects")
        if project.status != ProjectStatus.DRAFT:
            raise ApplicationError(
                "Only a draft project is funded; this one is already past that.", code="illegal_transition"
            )
        # Any payment still pending blocks another, so a double click cannot charge twice.
        # One that never reached Stripe (its request died before the call) is given up
        # after a while so that the lab is not blocked forever.
        stale = timezone.now() - timedelta(minutes=10)
        project.fundings.filter(status=FundingStatus.PENDING, stripe_payment_intent_id="", created_at__lt=stale).update(
            status=FundingStatus.FAILED, failure_message="Abandoned before reaching the payment provider."
        )
        if project.fundings.filter(status=FundingStatus.PENDING).exists():
            raise Conflict("A payment for this project is already being confirmed.", code="funding_pending")
        problems = _rate_problems(
            data=snapshot(project, PROJECT_FIELDS),
            domains=list(project.domains.all()),
            on=_rate_date(project.starts_on),
        )
        if problems:
            raise ApplicationError(
                "The project's rate no longer clears the floor.", code="rate_below_floor", fields=problems
            )
        # A lab with an open or confirmed sanctions match funds nothing new.
        if refusal := lab_funding_block(lab_id=project.lab_id):
            raise NotPermitted(refusal, code="sanctions_check")
        fee = money.multiply(project.budget_cap_minor, project.lab.platform_fee_markup)
        funding = ProjectFunding.objects.create(
            project=project,
            budget_minor=project.budget_cap_minor,
            fee_minor=fee,
            amount_minor=project.budget_cap_minor + fee,
            currency=project.currency,
            started_by=actor,
        )
        audit_record(
            actor=actor,
            action="marketplace.funding.started",
            target=project,
            after={
                "funding": funding.pk,
                "budget_minor": funding.budget_minor,
                "fee_minor": fee,
                "currency": funding.currency,
            },
        )
    try:
        intent = gateway.payment_intent_create(
            amount_minor=funding.amount_minor,
            currency=funding.currency,
            payment_method=payment_method,
            idempotency_key=funding.idempotency_key,
            metadata={"funding_id": str(funding.pk), "project_id": str(project.pk)},
        )
    except gateway.PaymentDeclined as exc:
        _funding_fail(funding=funding, message=exc.message)
        raise
    with transaction.atomic():
        funding = ProjectFunding.objects.select_for_update().get(pk=funding.pk)
        if not funding.stripe_payment_intent_id:
            funding.stripe_payment_intent_id = intent.id
            funding.save(update_fields=["stripe_payment_intent_id"])
    return funding


def _funding_fail(*, funding: ProjectFunding, message: str) -> None:
    with transaction.atomic():
        funding = ProjectFunding.objects.select_for_update().get(pk=funding.pk)
        if funding.status != FundingStatus.PENDING:
            return
        funding.status = FundingStatus.FAILED
        funding.failure_message = message[:500]
        funding.settled_at = timezone.now()
        funding.save(update_fields=["status", "failure_message", "settled_at"])
        audit_record(
            actor=None,
            action="marketplace.funding.failed",
            target=funding.project,
            after={"funding": funding.pk, "message": message},
        )


def _settlement_mismatch(*, intent, funding: ProjectFunding, project: Project) -> str:
    """Why a succeeded payment cannot fund its project, or "" when it matches.

    The payment must be what was asked for, and what was asked for must still be the
    project's budget in the project's currency.
    """

    def said(amount_minor: int, currency: str) -> str:
        # The code as well as the symbol: "$" alone does not say which dollars.
        return f"{money.format_money(amount_minor, currency)} ({currency})"

    paid = said(intent.amount_minor, intent.currency)
    asked = said(funding.amount_minor, funding.currency)
    if intent.currency != funding.currency or intent.amount_minor != funding.amount_minor:
        return f"Payment {intent.id} is for {paid}, not the {asked} asked for."
    if funding.currency != project.currency or funding.budget_minor != project.budget_cap_minor:
        return (
            f"Payment {intent.id} pays a budget of {said(funding.budget_minor, funding.currency)}, "
            f"but the project's budget is {said(project.budget_cap_minor, project.currency)}."
        )
    return ""


def _funding_flag(*, funding: ProjectFunding, project: Project, payment_intent_id: str, reason: str) -> None:
    """Hold a payment that does not match its project for operations, leaving the project unfunded."""
    funding.status = FundingStatus.FLAGGED
    funding.failure_message = reason[:500]
    funding.settled_at = timezone.now()
    funding.save(update_fields=["status", "failure_message", "settled_at", "stripe_payment_intent_id"])
    audit_record(
        actor=None,
        action="marketplace.funding.flagged",
        target=project,
        after={
            "funding": funding.pk,
            "payment_intent": payment_intent_id,
            "amount_minor": funding.amount_minor,
            "currency": funding.currency,
            "project_budget_minor": project.budget_cap_minor,
            "project_currency": project.currency,
        },
        reason=reason,
    )
    notify_after_commit(
        kind=NoticeKind.OPERATIONS,
        link=reverse("ops-pay-runs"),
        recipients=User.objects.filter(role=Role.OPS_FINANCE, is_active=True),
        subject=f"A payment for “{project.title}” is held: it does not match the project",
        body=f"{reason}\n\nThe project stays unfunded until operations decide what happens to the payment "
        f"(funding #{funding.pk}, project #{project.pk}, lab {project.lab.name}).",
    )
    owners = [m.user for m in project.lab.memberships.filter(role__in=LAB_EDITORS).select_related("user")]
    notify_after_commit(
        kind=NoticeKind.BUDGET,
        link=reverse("lab-project", args=[project.pk]),
        recipients=owners,
        subject=f"Your payment for “{project.title}” is being checked",
        body="The payment we received does not match the project's budget, so the project is not funded yet. "
        "Our operations team will contact you.",
    )


def funding_settle_from_provider(*, payment_intent_id: str, funding_id: int | None = None) -> ProjectFunding | None:
    """Settle a funding from the payment provider's own record of the payment.

    Called by the webhook handler with the event as a hint only: the payment is re-read
    from Stripe and its amount checked before the project is marked funded. A payment that
    differs from what was asked for, or from the project's budget and currency, is held
    for operations (``flagged``) instead. Idempotent.
    """
    intent = gateway.payment_intent_retrieve(payment_intent_id)
    lookup = {"pk": funding_id} if funding_id else {"stripe_payment_intent_id": payment_intent_id}
    with transaction.atomic():
        funding = ProjectFunding.objects.select_for_update().filter(**lookup).first()
        if funding is None:
            return None
        if funding.status != FundingStatus.PENDING:
            return funding
        if not funding.stripe_payment_intent_id:
            funding.stripe_payment_intent_id = intent.id
        if intent.status in ("requires_payment_method", "canceled"):
            funding.save(update_fields=["stripe_payment_intent_id"])
            _funding_fail(funding=funding, message=intent.failure_message or "The payment did not go through.")
            return funding
        if not intent.succeeded:
            funding.save(update_fields=["stripe_payment_intent_id"])
            return funding
        project = Project.objects.select_for_update().select_related("lab").get(pk=funding.project_id)
        mismatch = _settlement_mismatch(intent=intent, funding=funding, project=project)
        if mismatch:
            _funding_flag(funding=funding, project=project, payment_intent_id=intent.id, reason=mismatch)
            return funding
        funding.status = FundingStatus.SUCCEEDED
        funding.settled_at = timezone.now()
        funding.save(update_fields=["status", "settled_at", "stripe_payment_intent_id"])
        project.funded_minor = funding.budget_minor
        project.platform_fee_markup = project.lab.platform_fee_markup
        before = project.status
        if project.status == ProjectStatus.DRAFT:
            project.status = ProjectStatus.FUNDED
        project.save(update_fields=["funded_minor", "platform_fee_markup", "status", "updated_at"])
        ledger_post_funding(funding=funding)
        audit_record(
            actor=None,
            action="marketplace.project.funded",
            target=project,
            before={"status": before},
            after={
                "status": project.status,
                "funding": funding.pk,
                "payment_intent": intent.id,
                "budget_minor": funding.budget_minor,
                "fee_minor": funding.fee_minor,
                "currency": funding.currency,
            },
        )
        owners = [m.user for m in project.lab.memberships.filter(role__in=LAB_EDITORS).select_related("user")]
        notify_after_commit(
            kind=NoticeKind.BUDGET,
            link=reverse("lab-project", args=[project.pk]),
            recipients=owners,
            subject=f"“{project.title}” is funded",
            body=f"We received {money.format_money(funding.amount_minor, funding.currency)}. You can open the project now.",
        )
    return funding


# --- staffing ------------------------------------------------------------------------
