from __future__ import annotations

import zoneinfo
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import is_expert, is_ops_reviewer
from audit.services import audit_record, snapshot
from config.errors import ApplicationError, NotPermitted
from config.payweek import next_pay_week_start
from screening.models import SubjectKind
from screening.services import screening_subject_refusal, screening_subject_update

from .models import Contributor, ContributorStatus, Domain, JurisdictionPeriod
from .reference import is_country, is_language, subdivision_of
from .signals import contributor_status_changed

# The standings that restrict what an expert may do: only a person decides them.
RESTRICTING_STATUSES = (ContributorStatus.SUSPENDED, ContributorStatus.DEACTIVATED)

PROFILE_FIELDS = (
    "legal_name",
    "display_name",
    "country",
    "subdivision",
    "timezone",
    "languages",
    "education_level",
    "skills",
    "weekly_availability_hours",
    "content_opt_outs",
    "weekly_exposure_cap_minutes",
    "share_credential_details",
    "share_quality_history",
    "share_availability",
)


def _profile_errors(data: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    country = data.get("country", "")
    if country and not is_country(country):
        errors["country"] = [f"'{country}' is not an ISO 3166 country code."]
    subdivision = data.get("subdivision", "")
    if subdivision and country and not subdivision_of(subdivision, country):
        errors["subdivision"] = [f"'{subdivision}' is not a subdivision of {country}."]
    if country and not errors.get("country") and not errors.get("subdivision"):
        errors.update(screening_subject_refusal(country=country, subdivision=subdivision) or {})
    bad_languages = [code for code in data.get("languages", []) if not is_language(code)]
    if bad_languages:
        errors["languages"] = [f"Unknown language codes: {', '.join(bad_languages)}."]
    if "languages" in data and not data["languages"]:
        errors.setdefault("languages", []).append("List at least one language you work in.")
    if len(set(data.get("skills", []))) != len(data.get("skills", [])):
        errors["skills"] = ["Each skill should be listed once."]
    return errors


def contributor_profile_save(
    *, actor: User, user: User, data: dict[str, Any], specialties: list[Domain]
) -> Contributor:
    """Create or update an expert's profile; only the expert themself may do it."""
    if actor.pk != user.pk or not is_expert(user):
        raise NotPermitted("Only the expert themself can edit their profile.")
    errors = _profile_errors(data)
    if not specialties:
        errors["specialties"] = ["Choose at least one domain or sub-specialty."]
    if errors:
        raise ApplicationError("The profile has errors.", code="invalid_profile", fields=errors)

    with transaction.atomic():
        contributor = Contributor.objects.select_for_update().filter(user=user).first()
        created = contributor is None
        before = (
            {} if created else {**snapshot(contributor, PROFILE_FIELDS), "specialties": _specialty_slugs(contributor)}
        )
        if created:
            contributor = Contributor(user=user)
        for field in PROFILE_FIELDS:
            if field in data:
                setattr(contributor, field, data[field])
        contributor.save()
        if not created:
            _jurisdiction_schedule(actor=actor, contributor=contributor)
        contributor.specialties.set(specialties)
        contributor_summaries_refresh(contributor_ids=[contributor.pk])
        # Sanctions screening at sign-up and on a change of legal name or country.
        screening_subject_update(
            actor=actor,
            kind=SubjectKind.EXPERT,
            ref_id=contributor.pk,
            name=contributor.legal_name,
            country=contributor.country,
            subdivision=contributor.subdivision,
        )
        after = {**snapshot(contributor, PROFILE_FIELDS), "specialties": _specialty_slugs(contributor)}
        changed = {key for key in after if before.get(key) != after[key]}
        audit_record(
            actor=actor,
            action="contributors.profile.created" if created else "contributors.profile.updated",
            target=contributor,
            before={key: before.get(key) for key in changed} if not created else {},
            after={key: after[key] for key in changed},
        )
        if user.timezone != contributor.timezone:
            user.timezone = contributor.timezone
            user.save(update_fields=["timezone"])
    return contributor


def _jurisdiction_schedule(*, actor: User, contributor: Contributor) -> JurisdictionPeriod | None:
    """Record a new jurisdiction from the start of the expert's next pay week, never sooner.

    The profile shows where the expert works from at once; the minimum-wage floor follows
    it only from the next pay week, so the floor of work already logged (and of the week
    under way) never moves, whichever way the change goes. A second change before the
    first takes effect replaces it. Runs inside the profile's transaction, audited there.
    """
    local_today = timezone.now().astimezone(zoneinfo.ZoneInfo(contributor.timezone)).date()
    starts = next_pay_week_start(local_today)
    history = JurisdictionPeriod.objects.select_for_update().filter(contributor=contributor)
    latest = history.order_by("-effective_from").first()
    wanted = (contributor.country, contributor.subdivision)
    if latest is not None and (latest.country, latest.subdivision) == wanted:
        return None
    in_force = history.filter(effective_from__lt=starts).order_by("-effective_from").first()
    period, _ = JurisdictionPeriod.objects.update_or_create(
        contributor=contributor,
        effective_from=starts,
        defaults={"country": wanted[0], "subdivision": wanted[1], "recorded_by": actor},
    )
    audit_record(
        actor=actor,
        action="contributors.jurisdiction.scheduled",
        target=contributor,
        before={"country": in_force.country, "subdivision": in_force.subdivision} if in_force else {},
        after={"country": wanted[0], "subdivision": wanted[1], "effective_from": starts.isoformat()},
        reason="The minimum-wage jurisdiction changes from the start of the next pay week.",
    )
    return period


def _specialty_slugs(contributor: Contributor) -> list[str]:
    return sorted(contributor.specialties.values_list("slug", flat=True))


def contributor_status_set(*, actor: User, contributor: Contributor, status: str, reason: str) -> Contributor:
    """Change an expert's standing; called by vetting decisions, always with a reason."""
    if status not in ContributorStatus.values:
        raise ApplicationError(f"Unknown status '{status}'.", code="invalid_status")
    # Restrictions are only ever decided by a person: never by a scheduled task or a sweep
    # (actor None), and only by operations reviewers (docs/automated-decisions.md).
    if status in RESTRICTING_STATUSES and (actor is None or not is_ops_reviewer(actor)):
        raise NotPermitted("Only a person of operations suspends or deactivates an account.", code="a_person_decides")
    with transaction.atomic():
        contributor = Contributor.objects.select_for_update().get(pk=contributor.pk)
        if contributor.status == status:
            return contributor
        before = contributor.status
        contributor.status = status
        contributor.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="contributors.status.changed",
            target=contributor,
            before={"status": before},
            after={"status": status},
            reason=reason,
        )
        contributor_status_changed.send(
            sender=Contributor, contributor=contributor, before=before, after=status, actor=actor, reason=reason
        )
    return contributor


SUMMARIES_SQL = """
UPDATE contributors_contributor c SET
    specialty_ids = COALESCE((
        SELECT array_agg(cs.domain_id ORDER BY cs.domain_id)
        FROM contributors_contributor_specialties cs WHERE cs.contributor_id = c.id
    ), '{}'),
    specialty_families = COALESCE((
        SELECT array_agg(DISTINCT COALESCE(d.parent_id, d.id))
        FROM contributors_contributor_specialties cs JOIN contributors_domain d ON d.id = cs.domain_id
        WHERE cs.contributor_id = c.id
    ), '{}')
WHERE c.id = ANY(%s)
"""


def contributor_summaries_refresh(*, contributor_ids: list[int]) -> None:
    """Recompute the specialty summaries matching reads (the verified-credential ones are
    vetting's: ``vetting.services.credentials.credential_summaries_refresh``).

    Derived data, not an action: callers run it inside the transaction of the change
    (profile saved) so the summaries never lag behind.
    """
    if not contributor_ids:
        return
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(SUMMARIES_SQL, [list(contributor_ids)])
