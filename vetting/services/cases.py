"""Deactivation cases: warning, notice, response, a human decision with reasons, and an appeal."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind, User
from accounts.notifications import notify_after_commit, ops_reviewers
from accounts.permissions import require_ops_reviewer
from audit.services import audit_record
from config.errors import ApplicationError, Conflict, NotPermitted
from contributors.models import Contributor, ContributorStatus
from contributors.services import contributor_status_set
from vetting.models import (
    CaseStatus,
    DeactivationCase,
)
from vetting.services.common import _require_owner


def _lock_case(case: DeactivationCase) -> DeactivationCase:
    return DeactivationCase.objects.select_for_update().select_related("contributor__user").get(pk=case.pk)


def _case_state(case: DeactivationCase, allowed: tuple[str, ...], doing: str) -> None:
    if case.status not in allowed:
        raise ApplicationError(
            f"You cannot {doing} a case that is '{case.get_status_display()}'.", code="illegal_transition"
        )


def _required(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ApplicationError(message, code="invalid", fields={field: ["This field is required."]})
    return value


def deactivation_case_open(*, actor: User, contributor: Contributor, concern: str) -> DeactivationCase:
    """Step one: a warning the expert can read, before any notice or decision."""
    require_ops_reviewer(actor, to="can do that")
    concern = _required(concern, "concern", "Describe the concern the expert is being warned about.")
    with transaction.atomic():
        contributor = Contributor.objects.select_for_update().select_related("user").get(pk=contributor.pk)
        if contributor.user_id == actor.pk:
            raise NotPermitted("You cannot open a case about yourself.")
        if contributor.status == ContributorStatus.DEACTIVATED:
            raise ApplicationError("This expert is already deactivated.", code="contributor_deactivated")
        try:
            with transaction.atomic():
                case = DeactivationCase.objects.create(contributor=contributor, concern=concern, opened_by=actor)
        except IntegrityError:
            raise Conflict("This expert already has an open case.", code="case_open") from None
        audit_record(
            actor=actor, action="vetting.case.warned", target=case, after={"status": case.status}, reason=concern
        )
        notify_after_commit(
            kind=NoticeKind.CASES,
            link=reverse("expert-case", args=[case.pk]),
            recipients=[contributor.user],
            subject="A warning about your account",
            body=f"Our team raised this concern:\n\n{concern}\n\nNothing has been decided. You can read the case "
            "from your account page.",
        )
    return case


def deactivation_case_give_notice(
    *, actor: User, case: DeactivationCase, evidence: str, response_days: int | None = None
) -> DeactivationCase:
    require_ops_reviewer(actor, to="can do that")
    evidence = _required(evidence, "evidence", "A notice must show the expert the evidence.")
    days = response_days if response_days is not None else settings.DEACTIVATION_RESPONSE_DAYS
    if not 3 <= days <= 60:
        raise ApplicationError(
            "The response window must be 3 to 60 days.", code="invalid", fields={"response_days": ["Use 3 to 60 days."]}
        )
    with transaction.atomic():
        case = _lock_case(case)
        _case_state(case, (CaseStatus.WARNED,), "give notice on")
        now = timezone.now()
        case.status = CaseStatus.NOTICE
        case.evidence = evidence
        case.notice_given_at = now
        case.response_due_at = now + timedelta(days=days)
        case.save(update_fields=["status", "evidence", "notice_given_at", "response_due_at"])
        audit_record(
            actor=actor,
            action="vetting.case.notice_given",
            target=case,
            before={"status": CaseStatus.WARNED},
            after={"status": case.status, "response_due_at": case.response_due_at},
            reason=evidence,
        )
        notify_after_commit(
            kind=NoticeKind.CASES,
            link=reverse("expert-case", args=[case.pk]),
            recipients=[case.contributor.user],
            subject="Notice: please respond about your account",
            body=f"Evidence:\n\n{evidence}\n\nYou have until {case.response_due_at:%d %B %Y %H:%M} UTC to respond. "
            "Any pay you have earned will be paid whatever the outcome.",
        )
    return case


def deactivation_case_respond(*, actor: User, case: DeactivationCase, response: str) -> DeactivationCase:
    response = _required(response, "response", "Write your response.")
    with transaction.atomic():
        case = _lock_case(case)
        _require_owner(actor, case.contributor)
        _case_state(case, (CaseStatus.NOTICE,), "respond to")
        if timezone.now() > case.response_due_at:
            raise ApplicationError("The response window has closed.", code="window_closed")
        case.status = CaseStatus.RESPONDED
        case.expert_response = response
        case.responded_at = timezone.now()
        case.save(update_fields=["status", "expert_response", "responded_at"])
        audit_record(
            actor=actor,
            action="vetting.case.responded",
            target=case,
            before={"status": CaseStatus.NOTICE},
            after={"status": case.status, "response": response},
        )
    return case


def deactivation_case_decide(*, actor: User, case: DeactivationCase, deactivate: bool, reason: str) -> DeactivationCase:
    """A person decides, after the expert responded or the window closed."""
    require_ops_reviewer(actor, to="can do that")
    reason = _required(reason, "reason", "A decision needs a reason the expert can read.")
    with transaction.atomic():
        case = _lock_case(case)
        # A warning may be dismissed straight away; deactivating needs notice first.
        dismissing_warning = case.status == CaseStatus.WARNED and not deactivate
        if not dismissing_warning:
            _case_state(case, (CaseStatus.NOTICE, CaseStatus.RESPONDED), "decide")
            if case.status == CaseStatus.NOTICE and timezone.now() <= case.response_due_at:
                raise ApplicationError(
                    f"The expert has until {case.response_due_at:%d %B %Y %H:%M} UTC to respond; decide after that.",
                    code="window_open",
                )
        before = case.status
        now = timezone.now()
        case.status = CaseStatus.DEACTIVATED if deactivate else CaseStatus.DISMISSED
        case.decision_reason = reason
        case.decided_by = actor
        case.decided_at = now
        if deactivate:
            case.appeal_due_at = now + timedelta(days=settings.DEACTIVATION_APPEAL_DAYS)
        case.save(update_fields=["status", "decision_reason", "decided_by", "decided_at", "appeal_due_at"])
        audit_record(
            actor=actor,
            action="vetting.case.deactivated" if deactivate else "vetting.case.dismissed",
            target=case,
            before={"status": before},
            after={"status": case.status, "appeal_due_at": case.appeal_due_at, "earned_pay": "unaffected"},
            reason=reason,
        )
        if deactivate:
            contributor_status_set(
                actor=actor,
                contributor=case.contributor,
                status=ContributorStatus.DEACTIVATED,
                reason=f"case #{case.pk}: {reason}",
            )
        notify_after_commit(
            kind=NoticeKind.CASES,
            link=reverse("expert-case", args=[case.pk]),
            recipients=[case.contributor.user],
            subject="Decision on your account" if deactivate else "The case about your account is closed",
            body=(
                f"Decision: your account is deactivated.\n\nReason:\n\n{reason}\n\nYou can appeal until "
                f"{case.appeal_due_at:%d %B %Y} UTC; a different reviewer will decide. Everything you have earned "
                "will still be paid."
                if deactivate
                else f"No action was taken.\n\nReason:\n\n{reason}"
            ),
        )
    return case


def deactivation_case_appeal(*, actor: User, case: DeactivationCase, statement: str) -> DeactivationCase:
    statement = _required(statement, "statement", "Write why the decision should change.")
    with transaction.atomic():
        case = _lock_case(case)
        _require_owner(actor, case.contributor)
        _case_state(case, (CaseStatus.DEACTIVATED,), "appeal")
        if timezone.now() > case.appeal_due_at:
            raise ApplicationError("The appeal window has closed.", code="window_closed")
        case.status = CaseStatus.APPEALED
        case.appeal_statement = statement
        case.appealed_at = timezone.now()
        case.save(update_fields=["status", "appeal_statement", "appealed_at"])
        audit_record(
            actor=actor,
            action="vetting.case.appealed",
            target=case,
            before={"status": CaseStatus.DEACTIVATED},
            after={"status": case.status, "statement": statement},
        )
        notify_after_commit(
            kind=NoticeKind.CASES,
            link=reverse("ops-case", args=[case.pk]),
            recipients=[u for u in ops_reviewers() if u.pk != case.decided_by_id],
            subject=f"Appeal to decide: case #{case.pk}",
            body=f"{case.contributor.display_name} appealed:\n\n{statement}",
        )
    return case


def deactivation_case_decide_appeal(
    *, actor: User, case: DeactivationCase, reinstate: bool, reason: str
) -> DeactivationCase:
    require_ops_reviewer(actor, to="can do that")
    reason = _required(reason, "reason", "An appeal decision needs a reason.")
    with transaction.atomic():
        case = _lock_case(case)
        _case_state(case, (CaseStatus.APPEALED,), "decide the appeal of")
        if case.decided_by_id == actor.pk:
            raise NotPermitted(
                "An appeal must be decided by someone other than the original decider.", code="four_eyes"
            )
        case.status = CaseStatus.OVERTURNED if reinstate else CaseStatus.UPHELD
        case.appeal_decided_by = actor
        case.appeal_decision_reason = reason
        case.appeal_decided_at = timezone.now()
        case.save(update_fields=["status", "appeal_decided_by", "appeal_decision_reason", "appeal_decided_at"])
        audit_record(
            actor=actor,
            action="vetting.case.appeal_upheld" if reinstate else "vetting.case.appeal_refused",
            target=case,
            before={"status": CaseStatus.APPEALED},
            after={"status": case.status},
            reason=reason,
        )
        if reinstate:
            contributor_status_set(
                actor=actor,
                contributor=case.contributor,
                status=ContributorStatus.ACTIVE,
                reason=f"case #{case.pk} appeal: {reason}",
            )
        notify_after_commit(
            kind=NoticeKind.CASES,
            link=reverse("expert-case", args=[case.pk]),
            recipients=[case.contributor.user],
            subject="Your appeal was upheld: your account is active again" if reinstate else "Your appeal was refused",
            body=f"Reason:\n\n{reason}",
        )
    return case


def deactivation_windows_sweep(*, actor: User | None = None) -> int:
    """Tell reviewers about cases whose response window has closed, once per case."""
    now = timezone.now()
    with transaction.atomic():
        due = list(
            DeactivationCase.objects.select_for_update(skip_locked=True)
            .select_related("contributor")
            .filter(status=CaseStatus.NOTICE, response_due_at__lt=now, ops_reminded_at__isnull=True)
        )
        for case in due:
            case.ops_reminded_at = now
            audit_record(actor=actor, action="vetting.case.window_closed", target=case, after={"status": case.status})
        DeactivationCase.objects.bulk_update(due, ["ops_reminded_at"])
        if due:
            notify_after_commit(
                kind=NoticeKind.CASES,
                link=reverse("ops-cases"),
                recipients=ops_reviewers(),
                subject=f"{len(due)} deactivation case(s) ready for a decision",
                body="\n".join(f"Case #{case.pk}: {case.contributor.display_name}" for case in due),
            )
    return len(due)
