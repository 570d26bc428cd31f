"""Marketplace actions: labs and members, projects and their rates, funding, staffing.

Each function runs in one transaction, locks what it changes, writes its audit event in
that transaction and sends mail after commit. Stripe is reached only through
``payouts.gateway.stripe_api``.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.notifications import notify_after_commit
from accounts.permissions import is_lab_member
from audit.services import audit_record, snapshot
from config.errors import ApplicationError, Conflict, NotPermitted
from contributors.models import Contributor, Domain, Tier
from contributors.reference import is_country, is_language
from payouts import money
from payouts.floors import effective_hourly_minor, rate_preview
from payouts.gateway import stripe_api as gateway
from payouts.ledger.services import ledger_post_funding

from .. import matching
from ..models import (
    Engagement,
    EngagementStatus,
    FundingStatus,
    Lab,
    LabMembership,
    LabRole,
    PayModel,
    Project,
    ProjectFunding,
    ProjectRateChange,
    ProjectStatus,
    RequestKind,
    RequestStatus,
    StaffingRequest,
)
from ..permissions import LAB_EDITORS, require_lab_role
from ..selectors import budget_burn, project_rate_on

# --- labs ----------------------------------------------------------------------------


def lab_create(*, actor: User, name: str, country: str, website: str = "") -> Lab:
    """A lab member creates their organisation and becomes its owner."""
    if not is_lab_member(actor):
        raise NotPermitted("Only lab members can create a lab.")
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = ["This field is required."]
    if not is_country(country):
        errors["country"] = [f"'{country}' is not an ISO 3166 country code."]
    if errors:
        raise ApplicationError("The lab has errors.", code="invalid", fields=errors)
    with transaction.atomic():
        try:
            with transaction.atomic():
                lab = Lab.objects.create(name=name, country=country, website=website)
        except IntegrityError:
            raise ApplicationError(
                "A lab with this name already exists.", code="lab_exists", fields={"name": ["This name is taken."]}
            ) from None
        LabMembership.objects.create(lab=lab, user=actor, role=LabRole.OWNER)
        audit_record(
            actor=actor, action="marketplace.lab.created", target=lab, after={"name": name, "country": country}
        )
    return lab


def lab_member_add(*, actor: User, lab: Lab, email: str, role: str) -> LabMembership:
    """An owner adds a colleague who already has a lab-member account."""
    require_lab_role(actor, lab=lab, roles=(LabRole.OWNER,), to="add members")
    if role not in LabRole.values:
        raise ApplicationError(f"'{role}' is not a lab role.", code="invalid", fields={"role": ["Unknown role."]})
    user = User.objects.filter(email__iexact=(email or "").strip()).first()
    if not is_lab_member(user):
        raise ApplicationError(
            "No lab-member account has this email; ask your colleague to sign up as a lab member first.",
            code="invalid_member",
            fields={"email": ["No lab-member account with this email."]},
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                membership = LabMembership.objects.create(lab=lab, user=user, role=role)
        except IntegrityError:
            raise ApplicationError(
                "This person is already a member.", code="already_member", fields={"email": ["Already a member."]}
            ) from None
        audit_record(
            actor=actor, action="marketplace.lab.member_added", target=lab, after={"user": user.email, "role": role}
        )
        notify_after_commit(
            recipients=[user], subject=f"You were added to {lab.name}", body=f"{actor.email} added you as {role}."
        )
    return membership


# --- projects ------------------------------------------------------------------------

PROJECT_FIELDS = (
    "title",
    "brief",
    "min_tier",
    "required_credential_kinds",
    "allowed_countries",
    "languages",
    "pay_model",
    "currency",
    "rate_minor",
    "task_estimate_minutes",
    "weekly_hours",
    "headcount",
    "budget_cap_minor",
    "sensitive_categories",
    "exclusive",
    "starts_on",
    "ends_on",
)


def _project_errors(data: dict[str, Any], domains: list[Domain]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not domains:
        errors["domains"] = ["Choose at least one domain or sub-specialty."]
    countries = data.get("allowed_countries") or []
    if not countries:
        errors["allowed_countries"] = ["Allow at least one country."]
    bad = [c for c in countries if not is_country(c)]
    if bad:
        errors["allowed_countries"] = [f"Unknown country codes: {', '.join(bad)}."]
    bad_languages = [code for code in data.get("languages") or [] if not is_language(code)]
    if bad_languages:
        errors["languages"] = [f"Unknown language codes: {', '.join(bad_languages)}."]
    if data.get("min_tier") not in Tier.values:
        errors["min_tier"] = ["Choose a tier."]
    try:
        money.normalise_currency(data.get("currency", ""))
    except money.MoneyError:
        errors["currency"] = ["Use an ISO 4217 currency code such as USD."]
    if data.get("pay_model") == PayModel.PER_TASK and not data.get("task_estimate_minutes"):
        errors["task_estimate_minutes"] = ["Per-task work needs a time estimate, shown to experts before they accept."]
    for field in ("rate_minor", "budget_cap_minor", "headcount", "weekly_hours"):
        if not isinstance(data.get(field), int) or data[field] <= 0:
            errors[field] = ["Must be more than zero."]
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if starts and ends and ends < starts:
        errors["ends_on"] = ["The end date must be on or after the start date."]
    return errors


def _rate_problems(*, data: dict[str, Any], domains: list[Domain], on: date) -> dict[str, list[str]]:
    preview = rate_preview(
        currency=data["currency"],
        pay_model=data["pay_model"],
        rate_minor=data["rate_minor"],
        task_estimate_minutes=data.get("task_estimate_minutes"),
        tier=data["min_tier"],
        domains=domains,
        countries=data["allowed_countries"],
        on=on,
    )
    return preview.problems


def _rate_date(starts_on: date) -> date:
    # A rate must clear the floors in force both now and when the work starts.
    return max(starts_on, timezone.now().date())


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    data["currency"] = (data.get("currency") or "USD").upper()
    data["allowed_countries"] = sorted({c.upper() for c in data.get("allowed_countries") or []})
    data["languages"] = sorted({code.lower() for code in data.get("languages") or []})
    if data.get("pay_model") == PayModel.HOURLY:
        data["task_estimate_minutes"] = None
    return data


def project_create(*, actor: User, lab: Lab, data: dict[str, Any], domains: list[Domain]) -> Project:
    require_lab_role(actor, lab=lab, roles=LAB_EDITORS, to="create projects")
    data = _normalise(data)
    errors = _project_errors(data, domains)
    if not errors:
        errors = _rate_problems(data=data, domains=domains, on=_rate_date(data["starts_on"]))
    if errors:
        raise ApplicationError("The project has errors.", code="invalid_project", fields=errors)
    with transaction.atomic():
        project = Project.objects.create(lab=lab, created_by=actor, **{k: data[k] for k in PROJECT_FIELDS if k in data})
        project.domains.set(domains)
        audit_record(
            actor=actor,
            action="marketplace.project.created",
            target=project,
            after={**snapshot(project, PROJECT_FIELDS), "domains": sorted(d.slug for d in domains)},
        )
    return project


def project_update(*, actor: User, project: Project, data: dict[str, Any], domains: list[Domain]) -> Project:
    """Edit a project while it is a draft; after funding only the rate may change, with notice."""
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        require_lab_role(actor, lab=project.lab, roles=LAB_EDITORS, to="edit projects")
        if project.status != ProjectStatus.DRAFT:
            raise ApplicationError(
                "Only a draft can be edited; change the rate of a funded project with a rate change.",
                code="illegal_transition",
            )
        data = _normalise({**snapshot(project, PROJECT_FIELDS), **data})
        errors = _project_errors(data, domains)
        if not errors:
            errors = _rate_problems(data=data, domains=domains, on=_rate_date(data["starts_on"]))
        if errors:
            raise ApplicationError("The project has errors.", code="invalid_project", fields=errors)
        before = {
            **snapshot(project, PROJECT_FIELDS),
            "domains": sorted(project.domains.values_list("slug", flat=True)),
        }
        for field in PROJECT_FIELDS:
            setattr(project, field, data[field])
        project.save()
        project.domains.set(domains)
        after = {**snapshot(project, PROJECT_FIELDS), "domains": sorted(d.slug for d in domains)}
        changed = {k for k in after if before.get(k) != after[k]}
        audit_record(
            actor=actor,
            action="marketplace.project.updated",
            target=project,
            before={k: before.get(k) for k in changed},
            after={k: after[k] for k in changed},
        )
    return project


PROJECT_TRANSITIONS = {
    "open": ((ProjectStatus.FUNDED, ProjectStatus.PAUSED), ProjectStatus.OPEN),
    "pause": ((ProjectStatus.OPEN, ProjectStatus.STAFFED), ProjectStatus.PAUSED),
    "close": (
        (ProjectStatus.DRAFT, ProjectStatus.FUNDED, ProjectStatus.OPEN, ProjectStatus.STAFFED, ProjectStatus.PAUSED),
        ProjectStatus.CLOSED,
    ),
}


def project_transition(*, actor: User, project: Project, action: str, reason: str = "") -> Project:
    """Open (once funded), pause, resume or close a project."""
    if action not in PROJECT_TRANSITIONS:
        raise ApplicationError(f"Unknown action '{action}'.", code="invalid")
    allowed_from, to_status = PROJECT_TRANSITIONS[action]
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        require_lab_role(actor, lab=project.lab, roles=LAB_EDITORS, to=f"{action} projects")
        if project.status not in allowed_from:
            hint = " Fund it first." if action == "open" and project.status == ProjectStatus.DRAFT else ""
            raise ApplicationError(
                f"A {project.get_status_display().lower()} project cannot be moved to "
                f"{ProjectStatus(to_status).label.lower()}.{hint}",
                code="illegal_transition",
            )
        if action == "open":
            problems = _rate_problems(
                data=snapshot(project, PROJECT_FIELDS),
                domains=list(project.domains.all()),
                on=_rate_date(project.starts_on),
            )
            if problems:
                raise ApplicationError(
                    "The project's rate no longer clears the floor.", code="rate_below_floor", fields=problems
                )
            if project.engagements.filter(status=EngagementStatus.ACTIVE).count() >= project.headcount:
                to_status = ProjectStatus.STAFFED
        before = project.status
        project.status = to_status
        project.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action=f"marketplace.project.{action}ed" if action != "close" else "marketplace.project.closed",
            target=project,
            before={"status": before},
            after={"status": project.status},
            reason=reason,
        )
    return project


# Days of notice a rate change gives before it applies to new engagements.
RATE_CHANGE_NOTICE_DAYS_MAX = 90
RATE_CHANGE_NOTICE_DAYS_DEFAULT = 14


def project_rate_change(
    *,
    actor: User,
    project: Project,
    rate_minor: int,
    task_estimate_minutes: int | None,
    reason: str,
    notice_days: int = RATE_CHANGE_NOTICE_DAYS_DEFAULT,
) -> ProjectRateChange:
    """Change the rate for engagements that begin after a notice period.

    Engaged experts keep the rate they accepted; they are told of the change all the same.
    A rate below any floor is refused, whatever the notice.
    """
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = ["Say why the rate changes; engaged experts will read it."]
    if not isinstance(rate_minor, int) or rate_minor <= 0:
        errors["rate_minor"] = ["Must be more than zero."]
    if not 0 <= notice_days <= RATE_CHANGE_NOTICE_DAYS_MAX:
        errors["notice_days"] = [f"Give 0 to {RATE_CHANGE_NOTICE_DAYS_MAX} days of notice."]
    if errors:
        raise ApplicationError("The rate change has errors.", code="invalid", fields=errors)
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        require_lab_role(actor, lab=project.lab, roles=LAB_EDITORS, to="change rates")
        if project.status == ProjectStatus.CLOSED:
            raise ApplicationError("The project is closed.", code="illegal_transition")
        if project.pay_model == PayModel.PER_TASK and not task_estimate_minutes:
            raise ApplicationError(
                "Per-task work needs a time estimate.",
                code="invalid",
                fields={"task_estimate_minutes": ["Required for per-task work."]},
            )
        effective_on = timezone.now().date() + timedelta(days=notice_days)
        data = {
            **snapshot(project, PROJECT_FIELDS),
            "rate_minor": rate_minor,
            "task_estimate_minutes": task_estimate_minutes if project.pay_model == PayModel.PER_TASK else None,
        }
        domains = list(project.domains.all())
        preview = rate_preview(
            currency=project.currency,
            pay_model=project.pay_model,
            rate_minor=rate_minor,
            task_estimate_minutes=data["task_estimate_minutes"],
            tier=project.min_tier,
            domains=domains,
            countries=project.allowed_countries,
            on=max(effective_on, project.starts_on),
        )
        if preview.problems:
            raise ApplicationError("The new rate is below the floor.", code="rate_below_floor", fields=preview.problems)
        change = ProjectRateChange.objects.create(
            project=project,
            old_rate_minor=project.rate_minor,
            new_rate_minor=rate_minor,
            old_task_estimate_minutes=project.task_estimate_minutes,
            new_task_estimate_minutes=data["task_estimate_minutes"],
            effective_on=effective_on,
            reason=reason,
            preview=preview.as_dict()["jurisdictions"],
            changed_by=actor,
        )
        project.rate_minor = rate_minor
        project.task_estimate_minutes = data["task_estimate_minutes"]
        project.save(update_fields=["rate_minor", "task_estimate_minutes", "updated_at"])
        audit_record(
            actor=actor,
            action="marketplace.project.rate_changed",
            target=project,
            before={"rate_minor": change.old_rate_minor, "task_estimate_minutes": change.old_task_estimate_minutes},
            after={
                "rate_minor": rate_minor,
                "task_estimate_minutes": change.new_task_estimate_minutes,
                "effective_on": effective_on,
            },
            reason=reason,
        )
        engaged = [
            e.contributor.user
            for e in project.engagements.filter(status=EngagementStatus.ACTIVE).select_related("contributor__user")
        ]
        notify_after_commit(
            recipients=engaged,
            subject=f"Notice: the rate of “{project.title}” changes on {effective_on:%d %B %Y}",
            body=(
                f"From {effective_on:%d %B %Y} new engagements on this project are paid "
                f"{money.format_money(rate_minor, project.currency)}"
                + (
                    " an hour"
                    if project.pay_model == PayModel.HOURLY
                    else f" a task (estimate {task_estimate_minutes} min)"
                )
                + f". Your own engagement keeps the rate you accepted.\n\nThe lab's reason:\n\n{reason}"
            ),
        )
    return change


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


def funding_settle_from_provider(*, payment_intent_id: str, funding_id: int | None = None) -> ProjectFunding | None:
    """Settle a funding from the payment provider's own record of the payment.

    Called by the webhook handler with the event as a hint only: the payment is re-read
    from Stripe and its amount checked before the project is marked funded. Idempotent.
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
        if intent.amount_minor != funding.amount_minor or intent.currency != funding.currency:
            raise ApplicationError(
                f"Payment {intent.id} is for {intent.amount_minor} {intent.currency}, not the "
                f"{funding.amount_minor} {funding.currency} expected.",
                code="funding_mismatch",
            )
        project = Project.objects.select_for_update().select_related("lab").get(pk=funding.project_id)
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
            recipients=owners,
            subject=f"“{project.title}” is funded",
            body=f"We received {money.format_money(funding.amount_minor, funding.currency)}. You can open the project now.",
        )
    return funding


# --- staffing ------------------------------------------------------------------------


def _require_eligible(project: Project, contributor: Contributor) -> None:
    if not matching.is_eligible(project_id=project.pk, contributor_id=contributor.pk):
        raise ApplicationError(
            "This expert does not meet the project's requirements (tier, country, languages, verified "
            "credentials, domain, availability or sensitive-content settings).",
            code="not_eligible",
        )


def invitation_send(*, actor: User, project: Project, contributor: Contributor, message: str = "") -> StaffingRequest:
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        require_lab_role(actor, lab=project.lab, roles=LAB_EDITORS, to="invite experts")
        if project.status not in (ProjectStatus.OPEN, ProjectStatus.FUNDED):
            raise ApplicationError("Invite experts once the project is funded.", code="illegal_transition")
        _require_eligible(project, contributor)
        try:
            with transaction.atomic():
                request = StaffingRequest.objects.create(
                    project=project,
                    contributor=contributor,
                    kind=RequestKind.INVITATION,
                    message=message,
                    sent_by=actor,
                )
        except IntegrityError:
            raise Conflict(
                "This expert already has a pending invitation or application here.", code="request_pending"
            ) from None
        audit_record(
            actor=actor,
            action="marketplace.invitation.sent",
            target=request,
            after={"project": project.pk, "contributor": contributor.pk},
        )
        rate, estimate = project_rate_on(project=project, on=timezone.now().date())
        notify_after_commit(
            recipients=[contributor.user],
            subject=f"Invitation: {project.title}",
            body=(
                f"{project.lab.name} invites you to “{project.title}”, paid {money.format_money(rate, project.currency)}"
                + (
                    " an hour."
                    if project.pay_model == PayModel.HOURLY
                    else f" a task, estimated at {estimate} minutes."
                )
                + (
                    f"\n\nSensitive content: {', '.join(project.sensitive_categories)}."
                    if project.sensitive_categories
                    else ""
                )
                + (f"\n\n{message}" if message else "")
            ),
        )
    return request


def application_send(*, actor: User, project: Project, message: str = "") -> StaffingRequest:
    contributor = Contributor.objects.filter(user=actor).first()
    if contributor is None:
        raise ApplicationError("Fill in your profile first.", code="profile_missing")
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        if project.status != ProjectStatus.OPEN:
            raise ApplicationError("This project is not taking applications.", code="illegal_transition")
        _require_eligible(project, contributor)
        try:
            with transaction.atomic():
                request = StaffingRequest.objects.create(
                    project=project,
                    contributor=contributor,
                    kind=RequestKind.APPLICATION,
                    message=message,
                    sent_by=actor,
                )
        except IntegrityError:
            raise Conflict(
                "You already have a pending invitation or application here.", code="request_pending"
            ) from None
        audit_record(actor=actor, action="marketplace.application.sent", target=request, after={"project": project.pk})
    return request


def _lock_request(actor: User, request: StaffingRequest, project: Project) -> StaffingRequest:
    """Lock a pending request that ``actor`` is the one to answer."""
    request = StaffingRequest.objects.select_for_update().select_related("contributor__user").get(pk=request.pk)
    _require_answering_side(actor, request, project)
    if request.status != RequestStatus.PENDING:
        raise ApplicationError(
            f"This request is already {request.get_status_display().lower()}.", code="illegal_transition"
        )
    return request


def _require_answering_side(actor: User, request: StaffingRequest, project: Project) -> None:
    if request.kind == RequestKind.INVITATION:
        if request.contributor.user_id != actor.pk:
            raise NotPermitted("Only the invited expert can answer an invitation.")
    else:
        require_lab_role(actor, lab=project.lab, roles=LAB_EDITORS, to="answer applications")


def _weeks_left(project: Project, today: date) -> int:
    start = max(project.starts_on, today)
    return max(1, math.ceil(((project.ends_on - start).days + 1) / 7))


def staffing_request_accept(*, actor: User, request: StaffingRequest) -> Engagement:
    """Accepting creates the engagement at the rate in force today, within headcount and budget.

    The project row is locked first, so two acceptances at once are counted one after the
    other and headcount is never exceeded.
    """
    with transaction.atomic():
        project = Project.objects.select_for_update().select_related("lab").get(pk=request.project_id)
        request = _lock_request(actor, request, project)
        if project.status != ProjectStatus.OPEN:
            raise ApplicationError(
                f"The project is {project.get_status_display().lower()}; it is not taking people.",
                code="project_not_open",
            )
        active = project.engagements.filter(status=EngagementStatus.ACTIVE).count()
        if active >= project.headcount:
            raise Conflict("The project is fully staffed.", code="headcount_reached")
        _require_eligible(project, request.contributor)
        today = timezone.now().date()
        rate, estimate = project_rate_on(project=project, on=today)
        hourly = effective_hourly_minor(pay_model=project.pay_model, rate_minor=rate, task_estimate_minutes=estimate)
        wanted = money.multiply(hourly, project.weekly_hours * _weeks_left(project, today))
        remaining = budget_burn(project=project).remaining_minor
        if remaining <= 0:
            raise ApplicationError(
                "The project's budget is fully committed; the lab must add funds before anyone else can join.",
                code="budget_exhausted",
            )
        request.status = RequestStatus.ACCEPTED
        request.answered_by = actor
        request.answered_at = timezone.now()
        request.save(update_fields=["status", "answered_by", "answered_at"])
        engagement = Engagement.objects.create(
            project=project,
            contributor=request.contributor,
            request=request,
            pay_model=project.pay_model,
            currency=project.currency,
            rate_minor=rate,
            task_estimate_minutes=estimate,
            committed_minor=min(wanted, remaining),
        )
        if active + 1 >= project.headcount:
            project.status = ProjectStatus.STAFFED
            project.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="marketplace.engagement.started",
            target=engagement,
            after={
                "project": project.pk,
                "contributor": request.contributor_id,
                "rate_minor": rate,
                "currency": project.currency,
                "task_estimate_minutes": estimate,
                "committed_minor": engagement.committed_minor,
                "project_status": project.status,
            },
        )
        _warn_if_budget_running_low(project)
        other_side = (
            [m.user for m in project.lab.memberships.filter(role__in=LAB_EDITORS).select_related("user")]
            if request.kind == RequestKind.INVITATION
            else [request.contributor.user]
        )
        notify_after_commit(
            recipients=other_side,
            subject=f"{request.contributor.display_name} joins “{project.title}”",
            body=f"The engagement starts now at {money.format_money(rate, project.currency)}"
            + (" an hour." if project.pay_model == PayModel.HOURLY else " a task."),
        )
    return engagement


def _warn_if_budget_running_low(project: Project) -> None:
    from django.conf import settings

    burn = budget_burn(project=project)
    if project.budget_warning_sent_at is None and burn.used_share >= settings.BUDGET_WARNING_SHARE:
        project.budget_warning_sent_at = timezone.now()
        project.save(update_fields=["budget_warning_sent_at"])
        owners = [m.user for m in project.lab.memberships.filter(role__in=LAB_EDITORS).select_related("user")]
        notify_after_commit(
            recipients=owners,
            subject=f"“{project.title}” has used {burn.used_share:.0%} of its budget",
            body=f"Remaining: {money.format_money(burn.remaining_minor, burn.currency)}.",
        )


def staffing_request_decline(*, actor: User, request: StaffingRequest, reason: str = "") -> StaffingRequest:
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=request.project_id)
        request = _lock_request(actor, request, project)
        if request.kind == RequestKind.APPLICATION and not (reason or "").strip():
            raise ApplicationError(
                "Tell the expert why their application is declined.",
                code="reason_required",
                fields={"reason": ["This field is required."]},
            )
        request.status = RequestStatus.DECLINED
        request.answered_by = actor
        request.answered_at = timezone.now()
        request.decline_reason = (reason or "").strip()
        request.save(update_fields=["status", "answered_by", "answered_at", "decline_reason"])
        audit_record(
            actor=actor, action=f"marketplace.{request.kind}.declined", target=request, reason=request.decline_reason
        )
        if request.kind == RequestKind.APPLICATION:
            notify_after_commit(
                recipients=[request.contributor.user],
                subject=f"Your application to “{project.title}”",
                body=f"The lab declined it. Their reason:\n\n{request.decline_reason}",
            )
    return request
