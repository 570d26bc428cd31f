"""Marketplace actions: labs and members, projects and their rates (funding and staffing
have modules of their own).

Each function runs in one transaction, locks what it changes, writes its audit event in
that transaction and sends mail after commit. Stripe is reached only through
``payouts.gateway.stripe_api``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind, User
from accounts.notifications import notify_after_commit
from accounts.permissions import is_lab_member
from audit.services import audit_record, snapshot
from config.errors import ApplicationError, NotPermitted
from contributors.models import Domain, Tier
from contributors.reference import is_country, is_language
from marketplace.payable import effective_hourly_minor
from payouts import money
from payouts.floors import rate_preview
from screening.models import SubjectKind
from screening.services import screening_subject_refusal, screening_subject_update

from ..models import (
    CURRENT_ENGAGEMENT,
    WEEKLY_CAP_HOURS_MAX,
    EngagementStatus,
    FundingStatus,
    Lab,
    LabMembership,
    LabRole,
    PayModel,
    Project,
    ProjectRateChange,
    ProjectStatus,
)
from ..permissions import LAB_EDITORS, require_lab_role
from .engagements import engagements_follow_project
from .lab_invitations import lab_invitation_send

# --- labs ----------------------------------------------------------------------------


# Days of notice a rate change gives before it applies to new engagements.
RATE_CHANGE_NOTICE_DAYS_MAX = 90
RATE_CHANGE_NOTICE_DAYS_DEFAULT = 14


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
    else:
        errors.update(screening_subject_refusal(country=country) or {})
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
        # Sanctions screening of the organisation, in this transaction.
        screening_subject_update(actor=actor, kind=SubjectKind.LAB, ref_id=lab.pk, name=name, country=country)
    return lab


def lab_member_add(
    *, actor: User, lab: Lab, email: str, role: str, absolute_url: Callable[[str], str] | None = None
) -> None:
    """An owner adds a colleague by email.

    A lab-member account with that address joins at once; anyone else is mailed an
    invitation link (``lab_invitations.lab_invitation_send``). The owner
    is told the same either way, so adding a member never tells who has an account.
    ``absolute_url`` (a request's ``build_absolute_uri``) makes the invitation's link absolute.
    """
    require_lab_role(actor, lab=lab, roles=(LabRole.OWNER,), to="add members")
    if role not in LabRole.values:
        raise ApplicationError(f"'{role}' is not a lab role.", code="invalid", fields={"role": ["Unknown role."]})
    email = (email or "").strip().lower()
    with transaction.atomic():
        Lab.objects.select_for_update().get(pk=lab.pk)
        user = User.objects.filter(email__iexact=email).first()
        if is_lab_member(user):
            _membership_add(actor=actor, lab=lab, user=user, role=role, reason="")
            return
        lab_invitation_send(actor=actor, lab=lab, email=email, role=role, absolute_url=absolute_url)


def lab_member_add_message(email: str) -> str:
    """What the owner is told after adding ``email``, whether or not it has an account."""
    return (
        f"If {email} has a lab-member account, they are now a member; "
        "if not, we have emailed them an invitation link, and they join by following it."
    )


def _membership_add(*, actor: User, lab: Lab, user: User, role: str, reason: str) -> None:
    # Someone who is already a member keeps their role: the answer is the same anyway.
    _, created = LabMembership.objects.get_or_create(lab=lab, user=user, defaults={"role": role})
    if not created:
        return
    audit_record(
        actor=actor,
        action="marketplace.lab.member_added",
        target=lab,
        after={"user": user.email, "role": role},
        reason=reason,
    )
    notify_after_commit(
        recipients=[user],
        subject=f"You were added to {lab.name}",
        body=f"{actor.email} added you as {role}.",
        kind=NoticeKind.PROJECTS,
        link=reverse("lab-detail", args=[lab.pk]),
    )


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
    "weekly_cap_hours",
    "headcount",
    "budget_cap_minor",
    "sensitive_categories",
    "exclusive",
    "starts_on",
    "ends_on",
)


# What a payment is computed from: while one is pending these cannot change, so that the
# project the payment settles is the project the lab was charged for. Once funded, the
# budget and its currency change only through a new funding.
FUNDED_FIELDS = ("pay_model", "currency", "rate_minor", "task_estimate_minutes", "budget_cap_minor")


def _refuse_while_payment_pending(project: Project, changed: Iterable[str]) -> None:
    """Refuse a change to a money field while a payment for the project is being confirmed."""
    frozen = [field for field in FUNDED_FIELDS if field in set(changed)]
    if frozen and project.fundings.filter(status=FundingStatus.PENDING).exists():
        message = "A payment for this project is being confirmed; its money cannot change until it is settled."
        raise ApplicationError(message, code="funding_pending", fields={field: [message] for field in frozen})


def _at_most(ceiling: int, currency: str) -> str:
    try:
        return f"Must be at most {money.format_money(ceiling, currency)}."
    except money.MoneyError:
        return f"Must be at most {ceiling:,} minor units."


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
    for field, ceiling in (("rate_minor", money.RATE_MINOR_MAX), ("budget_cap_minor", money.BUDGET_MINOR_MAX)):
        if field not in errors and data[field] > ceiling:
            errors[field] = [_at_most(ceiling, data.get("currency", ""))]
    cap, expected = data.get("weekly_cap_hours"), data.get("weekly_hours")
    if cap is not None and (not isinstance(cap, int) or not 1 <= cap <= WEEKLY_CAP_HOURS_MAX):
        errors["weekly_cap_hours"] = [f"A weekly cap is between 1 and {WEEKLY_CAP_HOURS_MAX} hours, or none."]
    elif cap is not None and isinstance(expected, int) and cap < expected:
        errors["weekly_cap_hours"] = [
            f"The cap cannot be below the {expected} hours a week you expect from each expert."
        ]
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if starts and ends and ends < starts:
        errors["ends_on"] = ["The end date must be on or after the start date."]
    return errors


def _rate_problems(*, data: dict[str, Any], domains: list[Domain], on: date) -> dict[str, list[str]]:
    preview = rate_preview(
        currency=data["currency"],
        hourly_minor=effective_hourly_minor(
            pay_model=data["pay_model"],
            rate_minor=data["rate_minor"],
            task_estimate_minutes=data.get("task_estimate_minutes"),
        ),
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
        _refuse_while_payment_pending(
            project, [field for field in FUNDED_FIELDS if data[field] != getattr(project, field)]
        )
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


PROJECT_TRANSITION_EVENTS = {
    "open": "marketplace.project.opened",
    "pause": "marketplace.project.paused",
    "close": "marketplace.project.closed",
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
        before = project.status
        # Engagements pause, resume or end with their project, in this transaction.
        engagements_follow_project(actor=actor, project=project, before=before, after=to_status, reason=reason)
        if action == "open" and project.engagements.filter(status__in=CURRENT_ENGAGEMENT).count() >= project.headcount:
            to_status = ProjectStatus.STAFFED
        project.status = to_status
        project.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action=PROJECT_TRANSITION_EVENTS[action],
            target=project,
            before={"status": before},
            after={"status": project.status},
            reason=reason,
        )
    return project


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
    elif rate_minor > money.RATE_MINOR_MAX:
        errors["rate_minor"] = [_at_most(money.RATE_MINOR_MAX, project.currency)]
    if not 0 <= notice_days <= RATE_CHANGE_NOTICE_DAYS_MAX:
        errors["notice_days"] = [f"Give 0 to {RATE_CHANGE_NOTICE_DAYS_MAX} days of notice."]
    if errors:
        raise ApplicationError("The rate change has errors.", code="invalid", fields=errors)
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        require_lab_role(actor, lab=project.lab, roles=LAB_EDITORS, to="change rates")
        if project.status == ProjectStatus.CLOSED:
            raise ApplicationError("The project is closed.", code="illegal_transition")
        _refuse_while_payment_pending(project, ["rate_minor", "task_estimate_minutes"])
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
            hourly_minor=effective_hourly_minor(
                pay_model=project.pay_model,
                rate_minor=rate_minor,
                task_estimate_minutes=data["task_estimate_minutes"],
            ),
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
            kind=NoticeKind.PROJECTS,
            link=reverse("expert-projects"),
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
