"""Reads of the sanctions lists, for screening and for operations."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from django.db.models import Prefetch, Q
from django.utils import timezone

from contributors.models import Contributor, JurisdictionPeriod

from .countries import sanctioned_codes
from .models import (
    OPEN_REVIEW_STATUSES,
    ReviewStatus,
    SanctionsList,
    ScreeningMatch,
    ScreeningReview,
    ScreeningSubject,
    SubjectKind,
)


def sanctions_list_in_force(*, list_kind: str, on: date | None = None) -> SanctionsList | None:
    """The publication of ``list_kind`` to screen against on ``on`` (by default the latest):
    the one published last on or before that day, the last imported of a day published twice."""
    publications = SanctionsList.objects.filter(list_kind=list_kind)
    if on is not None:
        publications = publications.filter(published_on__lte=on)
    return publications.order_by("-published_on", "-imported_at", "-pk").first()


# --- screening people --------------------------------------------------------------------

# What an expert reads while a possible match is checked: that a check is under way, never
# which list or which entry (telling would tip off a listed person).
CHECK_UNDER_WAY = (
    "Your payouts are paused while we check your name against the sanctions lists, as the law asks "
    "of every platform that pays people. This usually takes two working days and needs nothing from you; "
    "nothing you earned is lost, and it is paid with the next payout batch once the check is done."
)
BLOCKED = (
    "Your payouts are blocked because of a sanctions check. We are not allowed to send them; "
    "our operations team has written to you about what happens next."
)


def _in_sanctioned_place() -> str:
    return (
        "Your payouts are held because your country or region is under comprehensive US sanctions "
        "and we are not allowed to pay anyone there. Nothing you earned is lost: if you live elsewhere, "
        "update your profile and it is paid with a later batch."
    )


def payout_blocks(*, contributor_ids: Collection[int], on: date) -> dict[int, str]:
    """Experts whose pay the sanctions rules hold on ``on``: a confirmed match (blocked), an
    open possible match (held until two people of operations decide), or a profile country,
    region or jurisdiction in force under comprehensive sanctions. Three queries, whatever
    the number of experts."""
    ids = list(contributor_ids)
    if not ids:
        return {}
    found: dict[int, str] = {}
    reviews = ScreeningReview.objects.filter(
        subject__kind=SubjectKind.EXPERT,
        subject__ref_id__in=ids,
        status__in=(ReviewStatus.CONFIRMED, *OPEN_REVIEW_STATUSES),
    ).values_list("subject__ref_id", "status")
    for ref_id, status in reviews:
        if status == ReviewStatus.CONFIRMED or ref_id not in found:
            found[int(ref_id)] = BLOCKED if status == ReviewStatus.CONFIRMED else CHECK_UNDER_WAY
    countries, subdivisions = sanctioned_codes(on=on)
    places = Q(country__in=countries) | Q(subdivision__in=subdivisions)
    held = set(Contributor.objects.filter(places, pk__in=ids).values_list("pk", flat=True))
    in_force = (
        JurisdictionPeriod.objects.filter(contributor_id__in=ids, effective_from__lte=on)
        .order_by("contributor_id", "-effective_from")
        .distinct("contributor_id")
        .values_list("contributor_id", "country", "subdivision")
    )
    held |= {pk for pk, country, sub in in_force if country in countries or sub in subdivisions}
    for pk in held - found.keys():
        found[pk] = _in_sanctioned_place()
    return found


def lab_funding_block(*, lab_id: int) -> str | None:
    """Why a lab may not fund projects now, or ``None``: a possible or confirmed match."""
    status = (
        ScreeningReview.objects.filter(
            subject__kind=SubjectKind.LAB,
            subject__ref_id=lab_id,
            status__in=(ReviewStatus.CONFIRMED, *OPEN_REVIEW_STATUSES),
        )
        .values_list("status", flat=True)
        .first()
    )
    if status is None:
        return None
    if status == ReviewStatus.CONFIRMED:
        return "This lab cannot fund projects: a sanctions check found that we are not allowed to take its payments."
    return (
        "This lab cannot fund new projects while we check its name against the sanctions lists, "
        "as the law asks of us. This usually takes two working days; nothing is charged until then."
    )


def expert_screening_notice(*, contributor_id: int) -> str | None:
    """What an expert is told about screening: only that a check is under way (or blocked)."""
    return payout_blocks(contributor_ids=[contributor_id], on=timezone.now().date()).get(contributor_id)


def screening_reviews_open():
    """Open reviews, oldest first, for operations' queue."""
    return (
        ScreeningReview.objects.filter(status__in=OPEN_REVIEW_STATUSES)
        .select_related("subject", "proposed_by", "record")
        .order_by("opened_at", "pk")
    )


def screening_review_get(*, review_id: int) -> ScreeningReview:
    """One review with its subject, the screening that opened it and its matches' entries."""
    return (
        ScreeningReview.objects.select_related("subject", "record", "proposed_by", "decided_by")
        .prefetch_related(
            Prefetch(
                "record__matches",
                queryset=ScreeningMatch.objects.select_related("entry__sanctions_list").prefetch_related(
                    "entry__aliases", "entry__birth_dates", "entry__addresses"
                ),
            )
        )
        .get(pk=review_id)
    )


def screening_records_of(*, subject: ScreeningSubject, limit: int = 50):
    return subject.records.select_related("sdn_list", "non_sdn_list").order_by("-screened_at", "-pk")[:limit]
