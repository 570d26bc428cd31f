"""Reads for the identity app: the payout gate's two requirements, the tier check, pages and the API."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Q

from contributors.models import Contributor
from identity.models import (
    AccountReviewCase,
    CaseKind,
    CaseStatus,
    IdentityVerification,
    VerificationStatus,
)

IDENTITY_MISSING_WORDS = (
    "Verify your identity before your first payout: a photo of your passport, ID card or driving licence "
    "and a selfie, checked by Stripe (from your identity page, /me/identity/). Your pay is kept and sent "
    "with the first payout batch after you are verified."
)
NAME_REVIEW_WORDS = (
    "Your identity document is verified, but its name differs from the legal name on your profile; a person "
    "on our team is comparing them. Your pay is kept and sent with the first payout batch after they decide."
)
NAME_MISMATCH_WORDS = (
    "The name on your identity document is not the legal name on your profile. Correct your profile's legal "
    "name, or verify again with a document in that name (/me/identity/); your pay is kept until then."
)
DUPLICATE_WORDS = (
    "Your account and another account share a detail that usually belongs to one person (case #{case}). A "
    "person on our team is looking at it; your account keeps working, and your pay is kept and sent with the "
    "first payout batch after they decide. You can explain on the case's page (/me/identity/cases/{case}/)."
)


def latest_verification(*, contributor_id: int) -> IdentityVerification | None:
    return IdentityVerification.objects.filter(contributor_id=contributor_id).first()


def identity_is_verified(*, contributor_id: int) -> bool:
    return IdentityVerification.objects.filter(
        contributor_id=contributor_id, status=VerificationStatus.VERIFIED
    ).exists()


def payout_blocks(*, contributor_ids: Collection[int], on: date) -> dict[int, str]:
    """Experts not to be paid yet because their identity is not verified, with words for each.

    Every expert, those paid before identity checks began included: a verified identity
    (with the name accepted) is required before any payout.
    """
    ids = set(contributor_ids)
    if not ids:
        return {}
    verified = set(
        IdentityVerification.objects.filter(contributor_id__in=ids, status=VerificationStatus.VERIFIED).values_list(
            "contributor_id", flat=True
        )
    )
    waiting = ids - verified
    if not waiting:
        return {}
    # The latest attempt of each expert who is not verified says which words fit.
    latest = dict(
        IdentityVerification.objects.filter(contributor_id__in=waiting)
        .order_by("contributor_id", "-created_at", "-id")
        .distinct("contributor_id")
        .values_list("contributor_id", "status")
    )
    words = {
        VerificationStatus.NAME_REVIEW: NAME_REVIEW_WORDS,
        VerificationStatus.NAME_MISMATCH: NAME_MISMATCH_WORDS,
    }
    return {contributor_id: words.get(latest.get(contributor_id), IDENTITY_MISSING_WORDS) for contributor_id in waiting}


def duplicate_payout_blocks(*, contributor_ids: Collection[int], on: date) -> dict[int, str]:
    """Experts on an open duplicate-account case: their payouts wait for a person's decision."""
    ids = set(contributor_ids)
    if not ids:
        return {}
    found: dict[int, str] = {}
    open_cases = AccountReviewCase.objects.filter(
        Q(contributor_id__in=ids) | Q(other_contributor_id__in=ids), kind=CaseKind.DUPLICATE, status=CaseStatus.OPEN
    ).order_by("opened_at", "id")
    for case in open_cases.only("pk", "contributor_id", "other_contributor_id"):
        for contributor_id in case.contributor_ids:
            if contributor_id in ids and contributor_id not in found:
                found[contributor_id] = DUPLICATE_WORDS.format(case=case.pk)
    return found


def account_cases_open_queryset():
    """The operations queue: open cases, oldest first."""
    return (
        AccountReviewCase.objects.filter(status=CaseStatus.OPEN)
        .select_related("contributor", "other_contributor")
        .order_by("opened_at", "id")
    )


def account_case_for_ops(*, pk: int) -> AccountReviewCase | None:
    return (
        AccountReviewCase.objects.select_related("contributor", "other_contributor", "decided_by", "verification")
        .prefetch_related("answers__contributor")
        .filter(pk=pk)
        .first()
    )


def account_cases_of(*, contributor: Contributor) -> list[AccountReviewCase]:
    return list(
        AccountReviewCase.objects.filter(Q(contributor=contributor) | Q(other_contributor=contributor)).order_by(
            "-opened_at", "-id"
        )
    )


def account_case_of_expert(*, user, pk: int) -> tuple[AccountReviewCase, Contributor] | None:
    """A case about the signed-in expert's own account, and their profile; None for anyone else's."""
    contributor = Contributor.objects.filter(user=user).first()
    if contributor is None:
        return None
    case = (
        AccountReviewCase.objects.filter(Q(contributor=contributor) | Q(other_contributor=contributor), pk=pk)
        .select_related("verification")
        .first()
    )
    return (case, contributor) if case is not None else None


def answers_of(*, case: AccountReviewCase, contributor: Contributor):
    """An expert sees their own answers, never the other account's."""
    return case.answers.filter(contributor=contributor).order_by("created_at", "id")


@dataclass(frozen=True)
class IdentitySummary:
    """Where an expert's identity verification stands, in words for them."""

    status: str  # not_started or a VerificationStatus value
    status_display: str
    summary: str
    last_error: str
    verified_name: str
    verified_at: datetime | None
    can_start: bool


_SUMMARIES = {
    "not_started": "Verify your identity with a photo of your passport, ID card or driving licence and a selfie. "
    "Stripe checks them; we keep only the outcome and its date. It is needed before your first payout "
    "and before the expert tier.",
    VerificationStatus.CREATED: "You started a verification but have not finished it at Stripe yet.",
    VerificationStatus.PROCESSING: "Stripe is checking your documents; this usually takes a few minutes.",
    VerificationStatus.REQUIRES_INPUT: "The last try did not succeed; you can try again.",
    VerificationStatus.VERIFIED: "Your identity is verified.",
    VerificationStatus.CANCELED: "Your last verification was canceled; you can start again.",
    VerificationStatus.NAME_REVIEW: NAME_REVIEW_WORDS,
    VerificationStatus.NAME_MISMATCH: NAME_MISMATCH_WORDS,
}
_STARTABLE = (
    "not_started",
    VerificationStatus.CREATED,
    VerificationStatus.REQUIRES_INPUT,
    VerificationStatus.CANCELED,
    VerificationStatus.NAME_MISMATCH,
)


def identity_summary(*, contributor_id: int) -> IdentitySummary:
    verified = IdentityVerification.objects.filter(
        contributor_id=contributor_id, status=VerificationStatus.VERIFIED
    ).first()
    latest = verified or latest_verification(contributor_id=contributor_id)
    status = latest.status if latest else "not_started"
    return IdentitySummary(
        status=status,
        status_display=latest.get_status_display() if latest else "Not started",
        summary=_SUMMARIES[status],
        last_error=latest.last_error if latest and status == VerificationStatus.REQUIRES_INPUT else "",
        verified_name=latest.verified_name if latest else "",
        verified_at=latest.verified_at if latest else None,
        can_start=status in _STARTABLE,
    )
