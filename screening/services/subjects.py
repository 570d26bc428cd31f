"""Screening people and labs against the sanctions lists in force.

Owners push their subjects here (``screening_subject_update``: an expert's profile, a lab,
identity verification); a new subject, or a change of name, country or date of birth, is
screened at once in the caller's transaction. Everyone is screened again after a list is
imported (``screening_rescreen_task``), and a payout batch's experts before the batch is
prepared (``screening_before_payout``). Screening is set-based (``screening.matching``):
one pass over all the subjects given, never a query per person.

A possible match opens a review (``screening.services.reviews``) that holds the subject's
payouts until two people of operations have decided it. A match already cleared for the
same subject, unchanged, is not opened again; a confirmed match stays blocked whatever a
later screening finds.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import audit_record
from config.errors import ApplicationError
from contributors.models import Contributor

from ..countries import sanctioned_place
from ..matching import ListedEntry, ListIndex, Match, Subject, country_code, normalise, screen
from ..models import (
    OPEN_REVIEW_STATUSES,
    RECORDS_KEPT_YEARS,
    EntryType,
    ListKind,
    ReviewStatus,
    SanctionsEntry,
    SanctionsList,
    ScreeningMatch,
    ScreeningOutcome,
    ScreeningReason,
    ScreeningRecord,
    ScreeningReview,
    ScreeningSubject,
    SubjectKind,
)
from ..selectors import sanctions_list_in_force

logger = logging.getLogger(__name__)

# Experts are compared with the individuals on the lists, labs with the entities.
_ENTRY_TYPES = {SubjectKind.EXPERT: EntryType.INDIVIDUAL, SubjectKind.LAB: EntryType.ENTITY}


def keep_until(day: date) -> date:
    """``day`` ten years on (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year + RECORDS_KEPT_YEARS)
    except ValueError:
        return day.replace(year=day.year + RECORDS_KEPT_YEARS, day=28)


def fingerprint(subject: ScreeningSubject) -> str:
    """The subject as screened: a change of any of these is screened afresh."""
    names = sorted({normalise(n) for n in (subject.name, *subject.other_names)})
    return "|".join(["/".join(names), subject.country, subject.subdivision, str(subject.date_of_birth or "")])[:700]


def screening_subject_refusal(*, country: str, subdivision: str = "", on: date | None = None) -> dict | None:
    """Field errors for a country or region under comprehensive sanctions, or ``None``.

    Sign-up, profile and lab forms call it before saving, so the refusal is a field error.
    """
    place = sanctioned_place(country=country, subdivision=subdivision, on=on or timezone.now().date())
    if place is None:
        return None
    field = "subdivision" if "-" in place.code else "country"
    return {
        field: [
            f"We cannot work with people or organisations in {place.name}: US sanctions ({place.source}) "
            "forbid it. If you live or are based elsewhere, choose that place."
        ]
    }


def screening_subject_update(
    *,
    actor,
    kind: str,
    ref_id: int,
    name: str | None = None,
    country: str | None = None,
    subdivision: str | None = None,
    other_names: Iterable[str] | None = None,
    date_of_birth: date | None = None,
) -> ScreeningSubject:
    """Create or update a subject and screen it if it is new or its name, other names,
    country or date of birth changed. Runs in (and joins) the caller's transaction.

    What is left ``None`` keeps what is known (a new subject needs ``name``): the profile
    passes the legal name and country, identity verification the verified date of birth
    and the names on the document as ``other_names``.
    """
    if kind not in SubjectKind.values:
        raise ApplicationError(f"Unknown subject kind {kind!r}.", code="invalid")
    with transaction.atomic():
        subject = ScreeningSubject.objects.select_for_update().filter(kind=kind, ref_id=ref_id).first()
        created = subject is None
        if created:
            if not (name or "").strip():
                raise ApplicationError("A subject screened for the first time needs a name.", code="invalid")
            subject = ScreeningSubject(kind=kind, ref_id=ref_id)
            before = {}
        else:
            before = _snapshot(subject)
        if name is not None:
            subject.name = " ".join(name.split())[:500]
        if other_names is not None:
            subject.other_names = [" ".join(n.split())[:500] for n in other_names if n and n.strip()][:20]
        if country is not None:
            subject.country = country
            subject.subdivision = subdivision or ""
        elif subdivision is not None:
            subject.subdivision = subdivision
        if date_of_birth is not None:
            subject.date_of_birth = date_of_birth
        subject.save()
        after = _snapshot(subject)
        if created:
            reason = ScreeningReason.SIGN_UP
        elif (before["name"], before["other_names"]) != (after["name"], after["other_names"]):
            reason = ScreeningReason.NAME_CHANGE
        elif (before["country"], before["subdivision"]) != (after["country"], after["subdivision"]):
            reason = ScreeningReason.COUNTRY_CHANGE
        elif before["date_of_birth"] != after["date_of_birth"]:
            reason = ScreeningReason.BIRTH_DATE_CHANGE
        else:
            return subject
        changed = {k for k in after if before.get(k) != after[k]}
        audit_record(
            actor=actor,
            action="screening.subject.created" if created else "screening.subject.updated",
            target=subject,
            before={k: before.get(k) for k in changed} if not created else {},
            after={k: after[k] for k in changed},
        )
        screening_subjects_screen(actor=actor, subject_ids=[subject.pk], reason=reason)
    return subject


def _snapshot(subject: ScreeningSubject) -> dict:
    return {
        "name": subject.name,
        "other_names": list(subject.other_names),
        "country": subject.country,
        "subdivision": subject.subdivision,
        "date_of_birth": subject.date_of_birth.isoformat() if subject.date_of_birth else None,
    }


@dataclass(frozen=True)
class ScreeningRun:
    screened: int
    skipped: int
    possible_matches: int
    reviews_opened: int
    sdn_list_id: int | None
    non_sdn_list_id: int | None

    def summary(self) -> dict:
        return {
            "screened": self.screened,
            "skipped": self.skipped,
            "possible_matches": self.possible_matches,
            "reviews_opened": self.reviews_opened,
            "sdn_list": self.sdn_list_id,
            "non_sdn_list": self.non_sdn_list_id,
        }


def screening_subjects_screen(
    *, actor, subject_ids: Collection[int], reason: str, skip_screened: bool = False, on: date | None = None
) -> ScreeningRun:
    """Screen subjects against the publications in force on ``on`` (today by default).

    One record per subject (kept ten years), its matches with their evidence, and a review
    for each subject with a new possible match and none open. ``skip_screened`` leaves out
    subjects already screened against exactly these publications (a batch after a list
    update, or a rescreening tried again). Without any list imported nothing is screened.
    """
    on = on or timezone.now().date()
    sdn = sanctions_list_in_force(list_kind=ListKind.SDN, on=on)
    non_sdn = sanctions_list_in_force(list_kind=ListKind.NON_SDN, on=on)
    sdn_id, non_sdn_id = (sdn.pk if sdn else None), (non_sdn.pk if non_sdn else None)
    if sdn is None and non_sdn is None:
        logger.warning("No sanctions list imported: %s subjects not screened", len(subject_ids))
        return ScreeningRun(0, len(subject_ids), 0, 0, None, None)
    with transaction.atomic():
        subjects = ScreeningSubject.objects.filter(pk__in=list(subject_ids)).order_by("pk")
        if skip_screened:
            subjects = subjects.exclude(
                pk__in=ScreeningRecord.objects.filter(sdn_list_id=sdn_id, non_sdn_list_id=non_sdn_id).values(
                    "subject_id"
                )
            )
        subjects = list(subjects)
        matches: list[Match] = []
        for kind, entry_type in _ENTRY_TYPES.items():
            of_kind = [s for s in subjects if s.kind == kind]
            if of_kind:
                index = list_index(sdn_id=sdn_id, non_sdn_id=non_sdn_id, entry_type=entry_type)
                matches += screen(
                    index, [_as_subject(s) for s in of_kind], threshold=settings.SCREENING_MATCH_THRESHOLD
                )
        by_subject: dict[int, list[Match]] = {}
        for match in matches:
            by_subject.setdefault(match.subject_id, []).append(match)
        ids = [s.pk for s in subjects]
        open_reviews = set(
            ScreeningReview.objects.filter(subject_id__in=ids, status__in=OPEN_REVIEW_STATUSES).values_list(
                "subject_id", flat=True
            )
        )
        cleared: dict[tuple[int, str], set[str]] = {}
        for subject_id, print_, keys in ScreeningReview.objects.filter(
            subject_id__in=by_subject, status=ReviewStatus.CLEARED
        ).values_list("subject_id", "fingerprint", "entry_keys"):
            cleared.setdefault((subject_id, print_), set()).update(keys)
        now = timezone.now()
        kept = keep_until(now.date())
        records, new_matches, outcomes = [], {}, {}
        for subject in subjects:
            found = by_subject.get(subject.pk, [])
            done = cleared.get((subject.pk, fingerprint(subject)), set()) if found else set()
            fresh = [m for m in found if m.entry_key not in done]
            outcome = (
                ScreeningOutcome.POSSIBLE_MATCH
                if fresh
                else ScreeningOutcome.CLEARED_BEFORE
                if found
                else ScreeningOutcome.CLEAR
            )
            outcomes[subject.pk] = outcome
            new_matches[subject.pk] = fresh
            records.append(
                ScreeningRecord(
                    subject=subject,
                    sdn_list_id=sdn_id,
                    non_sdn_list_id=non_sdn_id,
                    screened_at=now,
                    reason=reason,
                    outcome=outcome,
                    name=subject.name,
                    other_names=subject.other_names,
                    country=subject.country,
                    date_of_birth=subject.date_of_birth,
                    threshold=settings.SCREENING_MATCH_THRESHOLD,
                    actor=actor,
                    keep_until=kept,
                )
            )
        ScreeningRecord.objects.bulk_create(records, batch_size=2000)
        ScreeningMatch.objects.bulk_create(
            (
                ScreeningMatch(
                    record=record,
                    entry_id=m.entry_id,
                    score=m.score,
                    name_score=m.name_score,
                    subject_name=m.subject_name[:500],
                    matched_name=m.matched_name[:500],
                    date_of_birth=m.date_of_birth,
                    country=m.country,
                )
                for record in records
                for m in by_subject.get(record.subject_id, [])
            ),
            batch_size=2000,
        )
        opened = 0
        for record in records:
            fresh = new_matches[record.subject_id]
            if not fresh or record.subject_id in open_reviews:
                continue
            review = ScreeningReview.objects.create(
                subject=record.subject,
                record=record,
                entry_keys=sorted({m.entry_key for m in fresh})[:200],
                fingerprint=fingerprint(record.subject),
                opened_at=now,
                keep_until=kept,
            )
            opened += 1
            audit_record(
                actor=actor,
                action="screening.review.opened",
                target=review,
                after={
                    "subject": record.subject_id,
                    "record": record.pk,
                    "entries": review.entry_keys,
                    "best_score": max(m.score for m in fresh),
                },
                reason=f"Possible sanctions match found on {ScreeningReason(reason).label.lower()}.",
            )
        result = ScreeningRun(
            screened=len(records),
            skipped=len(subject_ids) - len(records),
            possible_matches=sum(1 for o in outcomes.values() if o == ScreeningOutcome.POSSIBLE_MATCH),
            reviews_opened=opened,
            sdn_list_id=sdn_id,
            non_sdn_list_id=non_sdn_id,
        )
        if records:
            audit_record(actor=actor, action="screening.run", after={"reason": reason, **result.summary()})
    return result


def _as_subject(subject: ScreeningSubject) -> Subject:
    return Subject(
        subject_id=subject.pk,
        names=(subject.name, *subject.other_names),
        country=subject.country,
        date_of_birth=subject.date_of_birth,
    )


_INDEX_CACHE: dict[tuple, ListIndex] = {}


def list_index(*, sdn_id: int | None, non_sdn_id: int | None, entry_type: str) -> ListIndex:
    """The matching index of the publications' entries of one type, built once per process.

    Publications never change once imported, so their ids are a safe key; an older index is
    dropped when a newer publication comes.
    """
    key = (sdn_id, non_sdn_id, entry_type)
    if key not in _INDEX_CACHE:
        for stale in [k for k in _INDEX_CACHE if k[:2] != key[:2]]:
            del _INDEX_CACHE[stale]
        _INDEX_CACHE[key] = _build_index(
            list_ids=[i for i in (sdn_id, non_sdn_id) if i is not None], entry_type=entry_type
        )
    return _INDEX_CACHE[key]


def _build_index(*, list_ids: list[int], entry_type: str) -> ListIndex:
    kinds = dict(SanctionsList.objects.filter(pk__in=list_ids).values_list("pk", "list_kind"))
    entries = SanctionsEntry.objects.filter(sanctions_list_id__in=list_ids, entry_type=entry_type)
    aliases: dict[int, list[str]] = {}
    for entry_id, alias in entries.values_list("pk", "aliases__name").filter(aliases__isnull=False):
        aliases.setdefault(entry_id, []).append(alias)
    births: dict[int, list] = {}
    for entry_id, born, precision in entries.filter(birth_dates__isnull=False).values_list(
        "pk", "birth_dates__born_on", "birth_dates__precision"
    ):
        births.setdefault(entry_id, []).append((born, precision))
    places: dict[int, set[str]] = {}
    for entry_id, place in entries.filter(addresses__isnull=False).values_list("pk", "addresses__country"):
        if code := country_code(place or ""):
            places.setdefault(entry_id, set()).add(code)
    listed = [
        ListedEntry(
            entry_id=pk,
            key=f"{kinds[list_id]}:{ent_num}",
            names=(name, *aliases.get(pk, [])),
            birth_dates=tuple(births.get(pk, [])),
            countries=frozenset({c for c in map(country_code, countries) if c} | places.get(pk, set())),
        )
        for pk, list_id, ent_num, name, countries in entries.values_list(
            "pk", "sanctions_list_id", "ent_num", "name", "countries"
        ).order_by("pk")
    ]
    return ListIndex.build(listed)


def screening_experts_sync(*, contributor_ids: Collection[int] | None = None) -> list[int]:
    """Subjects for experts who have none yet (profiles made before screening began), from
    their profiles; returns the subject ids of all the experts asked for. Writes no audit
    event of its own: the screening that follows records them."""
    profiles = (
        Contributor.objects.all() if contributor_ids is None else Contributor.objects.filter(pk__in=contributor_ids)
    )
    known = ScreeningSubject.objects.filter(kind=SubjectKind.EXPERT)
    missing = profiles.exclude(pk__in=known.values("ref_id")).values_list("pk", "legal_name", "country", "subdivision")
    ScreeningSubject.objects.bulk_create(
        (
            ScreeningSubject(kind=SubjectKind.EXPERT, ref_id=pk, name=name[:500], country=country, subdivision=sub)
            for pk, name, country, sub in missing.iterator(chunk_size=5000)
        ),
        batch_size=5000,
        ignore_conflicts=True,
    )
    if contributor_ids is None:
        return list(known.values_list("pk", flat=True))
    return list(known.filter(ref_id__in=list(contributor_ids)).values_list("pk", flat=True))


def screening_before_payout(*, actor, contributor_ids: Collection[int]) -> ScreeningRun:
    """Screen a payout batch's experts against the lists in force, unless already screened
    against exactly those publications. Called inside the batch's transaction, so the batch
    sees any review this opens."""
    with transaction.atomic():
        subject_ids = screening_experts_sync(contributor_ids=contributor_ids)
        return screening_subjects_screen(
            actor=actor, subject_ids=subject_ids, reason=ScreeningReason.PAYOUT_BATCH, skip_screened=True
        )


def screening_rescreen_all(*, actor=None) -> dict:
    """Screen every expert and lab against the lists now in force, a chunk per transaction;
    those already screened against them are skipped, so a pass tried again resumes."""
    subject_ids = screening_experts_sync()
    subject_ids = list(
        ScreeningSubject.objects.filter(Q(pk__in=subject_ids) | Q(kind=SubjectKind.LAB))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    totals = {"screened": 0, "possible_matches": 0, "reviews_opened": 0}
    size = settings.SCREENING_CHUNK_SIZE
    for start in range(0, len(subject_ids), size):
        run = screening_subjects_screen(
            actor=actor,
            subject_ids=subject_ids[start : start + size],
            reason=ScreeningReason.LIST_UPDATE,
            skip_screened=True,
        )
        totals["screened"] += run.screened
        totals["possible_matches"] += run.possible_matches
        totals["reviews_opened"] += run.reviews_opened
    logger.info("Rescreened after a list update: %s", totals)
    return totals


@shared_task(name="screening.tasks.screening_rescreen_task")
def screening_rescreen_task() -> dict:
    """Rescreen everyone after a sanctions list import."""
    return screening_rescreen_all(actor=None)
