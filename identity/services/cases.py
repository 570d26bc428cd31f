"""Cases operations decide about accounts: a verified name that differs from the profile, and possible duplicates.

Opening a case refuses nothing and pays nothing away: the expert's payouts wait (the
payout gate reads open cases, ``identity.selectors``) and their account keeps working.
A person decides, with reasons the expert reads and may answer.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import NoticeKind, User
from accounts.notifications import notify_after_commit, ops_reviewers
from accounts.permissions import is_expert, require_ops_reviewer
from audit.services import audit_record
from config.errors import ApplicationError, Conflict, NotPermitted
from contributors.models import Contributor
from identity.models import (
    MAX_ANSWERS_PER_EXPERT,
    AccountCaseAnswer,
    AccountReviewCase,
    CaseKind,
    CaseStatus,
    DuplicateSignal,
    IdentityVerification,
    VerificationStatus,
)

_SIGNAL_WORDS = {
    DuplicateSignal.TIN: "the same tax identifier (SSN, EIN or foreign tax number)",
    DuplicateSignal.BANK_ACCOUNT: "the same bank account for payouts",
    DuplicateSignal.IDENTITY_DOCUMENT: "the same identity document",
}


def _expert_case_path(case: AccountReviewCase) -> str:
    return reverse("expert-account-case", kwargs={"pk": case.pk})


def account_case_open_name_review(*, verification: IdentityVerification, legal_name: str) -> AccountReviewCase:
    """Ask operations to compare a verified name with the profile's; inside the caller's transaction."""
    case = AccountReviewCase.objects.create(
        kind=CaseKind.NAME_MISMATCH,
        contributor_id=verification.contributor_id,
        verification=verification,
        evidence={
            "legal_name": legal_name,
            "verified_name": verification.verified_name,
            "name_score": verification.name_score,
            "document_type": verification.document_type,
            "issuing_country": verification.document_country,
            "verified_at": verification.verified_at.isoformat() if verification.verified_at else None,
        },
    )
    audit_record(
        actor=None,
        action="identity.case.opened",
        target=case,
        after={"kind": case.kind, "contributor": verification.contributor_id, "verification": verification.pk},
    )
    contributor = Contributor.objects.select_related("user").get(pk=verification.contributor_id)
    notify_after_commit(
        kind=NoticeKind.CASES,
        link=reverse("ops-account-case", args=[case.pk]),
        recipients=ops_reviewers(),
        subject=f"Name to compare: account case #{case.pk}",
        body=f"Stripe verified the identity of {contributor.display_name}, but the name on the document "
        f'("{verification.verified_name}") differs from the legal name on the profile ("{legal_name}").\n'
        "Compare them and decide; the expert's payouts wait until you do.",
    )
    notify_after_commit(
        kind=NoticeKind.IDENTITY,
        link=_expert_case_path(case),
        recipients=[contributor.user],
        subject="We are comparing the name on your identity document",
        body=f'Stripe verified your identity document. The name on it ("{verification.verified_name}") is not '
        f'exactly the legal name on your profile ("{legal_name}"), so a person on our team will compare them. '
        "Nothing is refused, and your account keeps working; your payouts wait until this is decided.\n"
        f"You can explain the difference (a married name, a transliteration) here: {_expert_case_path(case)}",
    )
    return case


def account_case_open_duplicate(
    *, signal: str, contributor_ids: tuple[int, int], evidence: dict
) -> AccountReviewCase | None:
    """One case per pair of accounts and signal, inside the caller's transaction; None if one exists.

    A case already decided for the pair and signal stands: the same match found again
    (a resync, a form signed again) does not reopen it.
    """
    first, second = sorted(contributor_ids)
    if first == second:
        return None
    existing = AccountReviewCase.objects.filter(
        kind=CaseKind.DUPLICATE, signal=signal, contributor_id=first, other_contributor_id=second
    )
    if existing.exists():
        return None
    try:
        with transaction.atomic():
            case = AccountReviewCase.objects.create(
                kind=CaseKind.DUPLICATE,
                signal=signal,
                contributor_id=first,
                other_contributor_id=second,
                evidence={"signal": signal, **evidence},
            )
    except IntegrityError:
        return None  # opened by a concurrent check of the same pair
    audit_record(
        actor=None,
        action="identity.case.opened",
        target=case,
        after={"kind": case.kind, "signal": signal, "contributors": [first, second]},
    )
    contributors = list(Contributor.objects.select_related("user").filter(pk__in=(first, second)))
    names = " and ".join(f"{c.display_name} (#{c.pk})" for c in contributors)
    notify_after_commit(
        kind=NoticeKind.CASES,
        link=reverse("ops-account-case", args=[case.pk]),
        recipients=ops_reviewers(),
        subject=f"Possible duplicate account: case #{case.pk}",
        body=f"{names} share {_SIGNAL_WORDS[signal]}. Their payouts are held until you decide; "
        "their accounts keep working. The evidence is on the case page.",
    )
    for contributor in contributors:
        notify_after_commit(
            kind=NoticeKind.CASES,
            link=_expert_case_path(case),
            recipients=[contributor.user],
            subject="A question about your account",
            body=f"Your account and another account on the marketplace share {_SIGNAL_WORDS[signal]}. "
            "This can have an innocent explanation (a shared household bank account, for instance), and a "
            "person on our team will look at it. Your account keeps working; your payouts wait until they "
            "have decided, and nothing you earned is lost.\n"
            f"You can tell us about it here: {_expert_case_path(case)}",
        )
    return case


def account_case_decide(
    *, actor: User, case: AccountReviewCase, outcome: str, reason: str, kept_contributor_id: int | None = None
) -> AccountReviewCase:
    """An operations reviewer decides a case, with reasons the expert(s) will read.

    ``cleared``: nothing wrong (the name is the expert's; the accounts are different people).
    ``confirmed``: the name is not the profile's (the expert corrects it or verifies
    again), or the accounts are one person's: ``kept_contributor_id`` stays and the other
    is referred, by a person, to a deactivation case; nothing is deactivated here.
    """
    require_ops_reviewer(actor, to="decide account cases")
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if outcome not in (CaseStatus.CLEARED, CaseStatus.CONFIRMED):
        errors["outcome"] = ['Choose "cleared" or "confirmed".']
    if not reason:
        errors["reason"] = ["Write the reasons: the expert reads them and may answer."]
    elif len(reason) > 5000:
        errors["reason"] = ["At most 5000 characters."]
    if errors:
        raise ApplicationError("The decision has errors.", code="invalid", fields=errors)
    with transaction.atomic():
        case = AccountReviewCase.objects.select_for_update().get(pk=case.pk)
        if case.status != CaseStatus.OPEN:
            raise Conflict("This case has already been decided.", code="case_decided")
        involved = list(Contributor.objects.select_related("user").filter(pk__in=case.contributor_ids))
        if any(c.user_id == actor.pk for c in involved):
            raise NotPermitted("You cannot decide a case about your own account.", code="own_case")
        referral = ""
        kept = None
        if case.kind == CaseKind.DUPLICATE and outcome == CaseStatus.CONFIRMED:
            if kept_contributor_id not in case.contributor_ids:
                raise ApplicationError(
                    "Say which account stays.",
                    code="invalid",
                    fields={"kept_contributor": ["Choose one of the two accounts of this case."]},
                )
            kept = kept_contributor_id
            other = next(pk for pk in case.contributor_ids if pk != kept)
            referral = (
                f"Expert #{other} is the same person as expert #{kept}, whose account stays. "
                f"An operations reviewer opens a deactivation case for expert #{other} from "
                f"{reverse('ops-contributor', kwargs={'pk': other})} (notice, response and appeal as usual); "
                "their work already done is paid in full."
            )
        case.status = outcome
        case.decided_by = actor
        case.decided_at = timezone.now()
        case.decision_reason = reason
        case.kept_contributor_id = kept
        case.referral = referral
        case.save(
            update_fields=["status", "decided_by", "decided_at", "decision_reason", "kept_contributor", "referral"]
        )
        if case.kind == CaseKind.NAME_MISMATCH:
            verification = IdentityVerification.objects.select_for_update().get(pk=case.verification_id)
            if verification.status == VerificationStatus.NAME_REVIEW:
                verification.status = (
                    VerificationStatus.VERIFIED if outcome == CaseStatus.CLEARED else VerificationStatus.NAME_MISMATCH
                )
                verification.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="identity.case.decided",
            target=case,
            before={"status": CaseStatus.OPEN},
            after={"status": outcome, "kept_contributor": kept, "referral": referral},
            reason=reason,
        )
        if case.kind == CaseKind.NAME_MISMATCH:
            follow_up = (
                "Your identity is verified."
                if outcome == CaseStatus.CLEARED
                else "Correct the legal name on your profile, or verify again with a document in that name."
            )
        else:
            follow_up = (
                "Nothing changes for your account."
                if outcome == CaseStatus.CLEARED
                else "We found that the two accounts belong to one person; only one of them stays, and our team "
                "will write to you about the other. Work already done is paid in full."
            )
        for contributor in involved:
            notify_after_commit(
                kind=NoticeKind.CASES,
                link=_expert_case_path(case),
                recipients=[contributor.user],
                subject="A decision about your account",
                body=f"Our reasons:\n\n{reason}\n\n{follow_up} Payouts held for this question are sent with the "
                f"next payout batch.\nYou can answer here: {_expert_case_path(case)}",
            )
    return case


def account_case_answer(*, actor: User, case: AccountReviewCase, text: str) -> AccountCaseAnswer:
    """The expert's answer to a case about them (before or after the decision)."""
    if not is_expert(actor):
        raise NotPermitted("Only the expert concerned answers a case about their account.")
    text = (text or "").strip()
    if not text:
        raise ApplicationError("Write your answer.", code="invalid", fields={"text": ["This field is required."]})
    if len(text) > 5000:
        raise ApplicationError("Too long.", code="invalid", fields={"text": ["At most 5000 characters."]})
    with transaction.atomic():
        case = AccountReviewCase.objects.select_for_update().get(pk=case.pk)
        contributor = Contributor.objects.filter(user=actor, pk__in=case.contributor_ids).first()
        if contributor is None:
            raise NotPermitted("Only the expert concerned answers a case about their account.")
        if case.answers.filter(contributor=contributor).count() >= MAX_ANSWERS_PER_EXPERT:
            raise Conflict(
                f"You have answered this case {MAX_ANSWERS_PER_EXPERT} times; write to support for anything more.",
                code="too_many_answers",
            )
        answer = AccountCaseAnswer.objects.create(case=case, contributor=contributor, text=text)
        audit_record(
            actor=actor,
            action="identity.case.answered",
            target=case,
            after={"answer": answer.pk, "status": case.status},
        )
        notify_after_commit(
            kind=NoticeKind.CASES,
            link=reverse("ops-account-case", args=[case.pk]),
            recipients=[case.decided_by] if case.decided_by_id else ops_reviewers(),
            subject=f"An expert answered account case #{case.pk}",
            body=f"{contributor.display_name} wrote:\n\n{text}",
        )
    return answer
