"""What a lab may see of an expert it considers for one of its projects.

A lab member opens an expert's candidate page through a project of their lab, and only
when the expert is eligible for it (``matching``), has a staffing request on it (an
application or an invitation, whatever its state) or has been engaged on it. For anyone
else the page does not exist: labs never browse the expert base.

What the page holds is decided here and nowhere else: display name, tier, specialties,
languages and the kind and field of each verified credential always (matching ranks by
them); the issuer and dates of those credentials, the quality scores of past projects and
the free hours a week only as the expert chose on their profile
(``Contributor.share_*``). Never the legal name, email, country of identity documents,
credential titles, identifiers or documents, nor pay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Sum

from contributors.models import Contributor, Tier
from contributors.reference import language_choices
from vetting.models import Credential, CredentialKind, CredentialStatus

from .matching import is_eligible
from .models import Engagement, EngagementStatus, Project, QualityScore, StaffingRequest

__all__ = ["CandidateProfile", "candidate_for_project", "candidate_profile", "hours_committed"]


# Why the lab may see the expert, as the page says it.
RELATIONS = {
    "applied": "Applied to this project",
    "invited": "Invited to this project",
    "engaged": "Engaged on this project",
    "eligible": "Meets every requirement of this project",
}


@dataclass(frozen=True)
class SharedCredential:
    kind: str
    field: str
    issuer: str | None
    issued_on: date | None
    expires_on: date | None


@dataclass(frozen=True)
class QualityPoint:
    project: str
    score: Decimal
    measured_at: datetime


@dataclass(frozen=True)
class Availability:
    weekly_hours: int
    committed_hours: int
    free_hours: int


@dataclass(frozen=True)
class CandidateProfile:
    contributor_id: int
    display_name: str
    tier: str
    tier_label: str
    specialties: list[str]
    languages: list[str]
    credentials: list[SharedCredential]
    shares_credential_details: bool
    quality_history: list[QualityPoint] | None
    availability: Availability | None
    relation: list[str] = field(default_factory=list)

    @property
    def relation_labels(self) -> list[str]:
        return [RELATIONS[code] for code in self.relation]


def hours_committed(*, contributor_id: int) -> int:
    """Hours a week the expert owes the projects they are engaged on, as matching counts them
    (the projects' weekly hours of active engagements; paused ones are not counted)."""
    total = Engagement.objects.filter(contributor_id=contributor_id, status=EngagementStatus.ACTIVE).aggregate(
        hours=Sum("project__weekly_hours")
    )["hours"]
    return int(total or 0)


def candidate_for_project(*, project: Project, contributor_id: int) -> tuple[Contributor, list[str]] | None:
    """The expert if the project's lab may see them, with why (``RELATIONS`` codes); None otherwise."""
    contributor = Contributor.objects.filter(pk=contributor_id).first()
    if contributor is None:
        return None
    relation: list[str] = []
    kinds = set(StaffingRequest.objects.filter(project=project, contributor=contributor).values_list("kind", flat=True))
    if "application" in kinds:
        relation.append("applied")
    if "invitation" in kinds:
        relation.append("invited")
    if Engagement.objects.filter(project=project, contributor=contributor).exists():
        relation.append("engaged")
    if is_eligible(project_id=project.pk, contributor_id=contributor.pk):
        relation.append("eligible")
    return (contributor, relation) if relation else None


def candidate_profile(*, project: Project, contributor: Contributor, relation: list[str]) -> CandidateProfile:
    credentials = (
        Credential.objects.filter(contributor=contributor, status=CredentialStatus.VERIFIED)
        .select_related("field")
        .order_by("kind", "-issued_on")
    )
    details = contributor.share_credential_details
    shared = [
        SharedCredential(
            kind=CredentialKind(credential.kind).label,
            field=credential.field.name,
            issuer=credential.issuer if details else None,
            issued_on=credential.issued_on if details else None,
            expires_on=credential.expires_on if details else None,
        )
        for credential in credentials
    ]
    history = None
    if contributor.share_quality_history:
        history = [
            QualityPoint(
                # Another lab's project is never named to this one.
                project=score.project.title if score.project.lab_id == project.lab_id else "A project of another lab",
                score=score.score,
                measured_at=score.computed_at,
            )
            for score in QualityScore.objects.filter(contributor=contributor)
            .select_related("project")
            .order_by("computed_at", "pk")
        ]
    availability = None
    if contributor.share_availability:
        committed = hours_committed(contributor_id=contributor.pk)
        availability = Availability(
            weekly_hours=contributor.weekly_availability_hours,
            committed_hours=committed,
            free_hours=max(contributor.weekly_availability_hours - committed, 0),
        )
    return CandidateProfile(
        contributor_id=contributor.pk,
        display_name=contributor.display_name,
        tier=contributor.tier,
        tier_label=Tier(contributor.tier).label if contributor.tier in Tier.values else "Not yet tiered",
        specialties=sorted(domain.name for domain in contributor.specialties.all()),
        languages=[dict(language_choices()).get(code, code) for code in contributor.languages],
        credentials=shared,
        shares_credential_details=details,
        quality_history=history,
        availability=availability,
        relation=relation,
    )
