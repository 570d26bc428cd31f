"""Ranked, explained candidates for a project, in one set-based query.

Eligibility is all-or-nothing and decided in SQL, in one scan of the profile table (each
profile carries summaries of its specialties and verified credentials, kept current by
the services that change them); an ineligible expert never appears:
active status; tier at least the project's minimum; a country the project allows; every
language it needs; none of its sensitive-content categories among their opt-outs (and a
non-zero exposure cap if it has any); some weekly availability; a verified, unexpired
credential of every required kind; a specialty in the family of a required domain; not
already engaged on it; and exclusivity respected both ways.

Score, out of 100:
- domain fit, up to 40: 30 for an exact sub-specialty match (+5 for each further one, up
  to two), 15 for a specialty in the same family only;
- quality, up to 25: the expert's quality score (0-1); 0.5 when there is none yet;
- availability, up to 15: the hours a week the expert has free against the hours the
  project needs; free is their stated availability less the weekly hours of every project
  they are actively engaged on (a paused engagement commits none). An expert with no hour
  free stays eligible, with no points for it: the lab may still ask, they may still agree;
- tier, up to 10: 5 for each tier above the minimum, up to two;
- credentials, up to 10: a verified credential in the project's domain family.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from config.sql import sql_list, sql_literal
from contributors.models import ContributorStatus, Domain, Tier

from .models import CURRENT_ENGAGEMENT, EngagementStatus

TIER_RANK = {tier: rank for rank, tier in enumerate(Tier.values, start=1)}
_TIER_CASE = (
    "CASE {col} "
    + " ".join(f"WHEN {sql_literal(tier)} THEN {rank}" for tier, rank in TIER_RANK.items())
    + " ELSE 0 END"
)
# A paused engagement still holds the expert's place (it may resume).
_CURRENT_ENGAGEMENT = sql_list(CURRENT_ENGAGEMENT)
_ACTIVE_EXPERT = sql_literal(ContributorStatus.ACTIVE)

# Who may take part in a project: every requirement once, as SQL over a profile ``c`` and
# its other engagements ``b``. The ranking's WHERE is these joined with AND, and
# ``ineligibility_reasons`` evaluates each on its own to say which an expert misses.
ELIGIBILITY = {
    "active": f"c.status = {_ACTIVE_EXPERT}",
    "tier": "c.tier = ANY(%(tiers)s)",
    "country": "c.country = ANY(%(countries)s)",
    "domain": "c.specialty_families && %(families)s::int[]",
    "languages": "c.languages @> %(languages)s::varchar[]",
    "credentials": "c.verified_credential_kinds @> %(required_kinds)s::varchar[]",
    "opt_outs": "NOT (c.content_opt_outs && %(sensitive)s::varchar[])",
    "exposure_cap": "(cardinality(%(sensitive)s::varchar[]) = 0 OR c.weekly_exposure_cap_minutes > 0)",
    "availability": "c.weekly_availability_hours > 0",
    "in_exclusive": "NOT COALESCE(b.in_exclusive, false)",
    "exclusive_busy": "NOT (%(exclusive)s AND COALESCE(b.active, 0) > 0)",
    "engaged": f"""NOT EXISTS (
          SELECT 1 FROM marketplace_engagement e
          WHERE e.project_id = %(project)s AND e.contributor_id = c.id AND e.status IN ({_CURRENT_ENGAGEMENT})
      )""",
}


def tiers_at_least(min_tier: str) -> list[str]:
    """The tiers a project with this lowest tier admits."""
    return [tier for tier, rank in TIER_RANK.items() if rank >= TIER_RANK[min_tier]]


# --- the same requirements over many projects, for one expert (``marketplace/search.py``) --
# Each parameter of ``ELIGIBILITY`` becomes a column of the project's row ``pp``, computed
# by ``PROJECT_REQUIREMENTS_SQL`` as ``match_parameters`` computes it for one project; the
# expert's other engagements ``b`` exclude the project at hand, as the ``busy`` CTE does.
ELIGIBILITY_OVER_PROJECTS = {
    name: re.sub(r"%\((\w+)\)s", r"pp.\1", condition) for name, condition in ELIGIBILITY.items()
}
_TIERS_OF = (
    "CASE p.min_tier "
    + " ".join(
        f"WHEN {sql_literal(tier)} THEN ARRAY[{', '.join(sql_literal(t) for t in tiers_at_least(tier))}]::varchar[]"
        for tier in TIER_RANK
    )
    + " END"
)
PROJECT_REQUIREMENTS_SQL = f"""p.id AS project, {_TIERS_OF} AS tiers, p.allowed_countries AS countries,
       p.languages AS languages, p.sensitive_categories AS sensitive,
       p.required_credential_kinds AS required_kinds, p.exclusive AS exclusive,
       COALESCE(families.families, '{{}}') AS families"""
# The families of every project's domains at once, joined as ``families`` beside ``p``.
PROJECT_FAMILIES_SQL = """
    LEFT JOIN (
        SELECT pd.project_id, array_agg(DISTINCT COALESCE(d.parent_id, d.id)) AS families
        FROM marketplace_project_domains pd JOIN contributors_domain d ON d.id = pd.domain_id
        GROUP BY pd.project_id
    ) families ON families.project_id = p.id"""
# The expert's current engagements, once (``bb``), and those other than project ``pp`` (``b``).
EXPERT_ENGAGEMENTS_SQL = f"""
    SELECT COALESCE(array_agg(e.project_id) FILTER (WHERE pr.exclusive), '{{}}') AS exclusive_projects,
           COALESCE(array_agg(e.project_id), '{{}}') AS projects
    FROM marketplace_engagement e JOIN marketplace_project pr ON pr.id = e.project_id
    WHERE e.contributor_id = %(me)s AND e.status IN ({_CURRENT_ENGAGEMENT})"""
OTHER_ENGAGEMENTS_SQL = """
    SELECT cardinality(array_remove(bb.exclusive_projects, pp.project)) > 0 AS in_exclusive,
           cardinality(array_remove(bb.projects, pp.project)) AS active"""

MATCH_SQL = f"""
WITH busy AS (
    SELECT e.contributor_id, bool_or(pr.exclusive) AS in_exclusive, count(*) AS active,
           COALESCE(sum(pr.weekly_hours) FILTER (WHERE e.status = %(engaged_status)s), 0) AS committed_hours
    FROM marketplace_engagement e JOIN marketplace_project pr ON pr.id = e.project_id
    WHERE e.status IN ({_CURRENT_ENGAGEMENT}) AND e.project_id <> %(project)s
    GROUP BY e.contributor_id
),
scored AS (
    SELECT c.id, c.display_name, c.country, c.subdivision, c.tier, c.quality_score, c.weekly_availability_hours,
           COALESCE(b.committed_hours, 0) AS committed_hours,
           GREATEST(c.weekly_availability_hours - COALESCE(b.committed_hours, 0), 0) AS free_hours,
           c.specialty_ids,
           {{exact_matches}} AS exact_matches,
           c.verified_credential_families && %(families)s::int[] AS credential_in_field,
           {_TIER_CASE.format(col="c.tier")} AS tier_rank
    FROM contributors_contributor c
    LEFT JOIN busy b ON b.contributor_id = c.id
    WHERE {{eligible}}
      AND (%(contributor)s::bigint IS NULL OR c.id = %(contributor)s::bigint)
),
points AS (
    SELECT *,
           -- Points in tenths, as integers: cheaper to sum and sort than numerics.
           CASE WHEN exact_matches > 0 THEN 300 + 50 * LEAST(exact_matches - 1, 2) ELSE 150 END AS domain_points,
           (COALESCE(quality_score, 0.5) * 250)::int AS quality_points,
           LEAST(free_hours * 150 / %(weekly_hours)s, 150) AS availability_points,
           50 * LEAST(tier_rank - %(min_rank)s, 2) AS tier_points,
           CASE WHEN credential_in_field THEN 100 ELSE 0 END AS credential_points
    FROM scored
)
SELECT *, domain_points + quality_points + availability_points + tier_points + credential_points AS score
FROM points
ORDER BY score DESC, id
LIMIT %(limit)s
"""


@dataclass(frozen=True)
class Candidate:
    contributor_id: int
    display_name: str
    country: str
    subdivision: str
    tier: str
    score: Decimal
    components: dict[str, Decimal]
    reasons: list[str]


def _points(tenths: int) -> str:
    return f"{Decimal(tenths) / 10:g}"


def _reasons(row: dict, names: dict[int, tuple[str, int]], families: set[int]) -> list[str]:
    matched = ", ".join(
        sorted(name for domain_id in row["specialty_ids"] for name, family in [names[domain_id]] if family in families)
    )
    reasons = [
        f"Exact specialty match ({matched}): +{_points(row['domain_points'])}"
        if row["exact_matches"]
        else f"Related specialty ({matched}): +{_points(row['domain_points'])}",
        f"Quality score {row['quality_score'] if row['quality_score'] is not None else 'not yet measured (neutral)'}: "
        f"+{_points(row['quality_points'])}",
        _availability_reason(row),
    ]
    if row["tier_points"]:
        reasons.append(f"{Tier(row['tier']).label} tier, above the minimum: +{_points(row['tier_points'])}")
    if row["credential_points"]:
        reasons.append(f"Verified credential in the project's field: +{_points(row['credential_points'])}")
    return reasons


def _availability_reason(row: dict) -> str:
    points = _points(row["availability_points"])
    if not row["committed_hours"]:
        return f"Available {row['weekly_availability_hours']} h a week: +{points}"
    return (
        f"Available {row['weekly_availability_hours']} h a week, {row['committed_hours']} h of it committed to other "
        f"projects ({row['free_hours']} h free): +{points}"
    )


def match_sql(params: dict) -> str:
    """The query, with exact specialty matches counted by one array test per required domain."""
    tests = [f"(c.specialty_ids @> ARRAY[%(domain_{i})s]::int[])::int" for i in range(len(params["domains"]))]
    for i, domain_id in enumerate(params["domains"]):
        params[f"domain_{i}"] = domain_id
    return MATCH_SQL.replace("{exact_matches}", " + ".join(tests) or "0").replace(
        "{eligible}", "\n      AND ".join(ELIGIBILITY.values())
    )


def match_parameters(*, project_id: int, limit: int = 50, contributor_id: int | None = None) -> dict:
    """The query's parameters, read from the project first so the planner sees real values."""
    from .models import Project

    project = Project.objects.get(pk=project_id)
    domains = list(project.domains.values_list("id", "parent_id"))
    min_rank = TIER_RANK[project.min_tier]
    return {
        "project": project.pk,
        "tiers": tiers_at_least(project.min_tier),
        "min_rank": min_rank,
        "countries": list(project.allowed_countries),
        "languages": list(project.languages),
        "sensitive": list(project.sensitive_categories),
        "required_kinds": list(project.required_credential_kinds),
        "exclusive": project.exclusive,
        "engaged_status": EngagementStatus.ACTIVE,
        "weekly_hours": max(project.weekly_hours, 1),
        "domains": [domain_id for domain_id, _ in domains],
        "families": sorted({parent_id or domain_id for domain_id, parent_id in domains}),
        "contributor": contributor_id,
        "limit": limit,
    }


def ranked_candidates(*, project_id: int, limit: int = 50, contributor_id: int | None = None) -> list[Candidate]:
    params = match_parameters(project_id=project_id, limit=limit, contributor_id=contributor_id)
    with connection.cursor() as cursor:
        cursor.execute(match_sql(params), params)
        columns = [col.name for col in cursor.description]
        rows = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
    names = {
        domain.pk: (domain.name, domain.parent_id or domain.pk)
        for domain in Domain.objects.filter(pk__in={i for row in rows for i in row["specialty_ids"]})
    }
    families = set(params["families"])
    return [
        Candidate(
            contributor_id=row["id"],
            display_name=row["display_name"],
            country=row["country"],
            subdivision=row["subdivision"],
            tier=row["tier"],
            score=Decimal(row["score"]) / 10,
            components={
                name: Decimal(row[f"{name}_points"]) / 10
                for name in ("domain", "quality", "availability", "tier", "credential")
            },
            reasons=_reasons(row, names, families),
        )
        for row in rows
    ]


def is_eligible(*, project_id: int, contributor_id: int) -> bool:
    return bool(ranked_candidates(project_id=project_id, limit=1, contributor_id=contributor_id))


def _requirement_sentences(project, contributor, *, you: bool) -> dict[str, Callable[[], str]]:
    """What each requirement of ``ELIGIBILITY`` asks, said to the expert (``you``) or about them."""
    from contributors.forms import country_label, language_labels
    from vetting.models import CredentialKind

    subject, has, your = ("you", "have", "your") if you else ("this expert", "has", "their")
    domains = ", ".join(sorted(domain.name for domain in project.domains.all()))
    tier = Tier(project.min_tier).label
    # Each sentence is built only when asked for: most name only a few of them.
    return {
        "active": lambda: f"{your.capitalize()} account is not active.",
        "tier": lambda: (
            f"The project needs the {tier} tier or above; {subject} {'are' if you else 'is'} "
            f"{Tier(contributor.tier).label if contributor.tier else 'not yet in a tier'}."
        ),
        "country": lambda: (
            f"The project takes experts working from {', '.join(map(country_label, project.allowed_countries))}; "
            f"{your} profile says {country_label(contributor.country)}."
        ),
        "domain": lambda: f"The project needs a specialty in {domains}.",
        "languages": lambda: (
            f"The project needs {', '.join(language_labels(project.languages))}; "
            f"{your} profile does not list {'them all' if len(project.languages) > 1 else 'it'}."
        ),
        "credentials": lambda: (
            f"The project needs a verified, unexpired credential of each kind: "
            f"{', '.join(CredentialKind(kind).label.lower() for kind in project.required_credential_kinds)}."
        ),
        "opt_outs": lambda: (
            f"The project has content {subject} opted out of ({', '.join(project.sensitive_categories)})."
        ),
        "exposure_cap": lambda: f"The project has sensitive content and {your} weekly exposure cap is 0 minutes.",
        "availability": lambda: f"{your.capitalize()} weekly availability is 0 hours.",
        "in_exclusive": lambda: f"{subject.capitalize()} already {'work' if you else 'works'} on an exclusive project.",
        "exclusive_busy": lambda: f"The project is exclusive and {subject} already {has} other work.",
        "engaged": lambda: f"{subject.capitalize()} already {'work' if you else 'works'} on this project.",
    }


def missing_requirements(*, project, contributor, failed: list[str]) -> list[str]:
    """The sentences, said to the expert, for the requirements of ``ELIGIBILITY`` named in ``failed``."""
    sentences = _requirement_sentences(project, contributor, you=True)
    return [sentences[name]() for name in ELIGIBILITY if name in failed]


def ineligibility_reasons(*, project, contributor, you: bool, ignore: tuple[str, ...] = ()) -> list[str]:
    """Each requirement of ``project`` that ``contributor`` misses, in a sentence; empty when eligible.

    ``ignore`` names requirements (keys of ``ELIGIBILITY``) not to report, such as
    "engaged" when what is asked is whether the project's requirements admit them.
    """
    params = match_parameters(project_id=project.pk, contributor_id=contributor.pk)
    checks = ",\n".join(f"({condition}) AS {name}" for name, condition in ELIGIBILITY.items())
    busy = MATCH_SQL[MATCH_SQL.index("WITH busy AS") : MATCH_SQL.index("scored AS")].rstrip().rstrip(",")
    sql = f"""
    {busy}
    SELECT {checks}
    FROM contributors_contributor c LEFT JOIN busy b ON b.contributor_id = c.id
    WHERE c.id = %(contributor)s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [col.name for col in cursor.description]
        row = dict(zip(columns, cursor.fetchone(), strict=True))
    sentences = _requirement_sentences(project, contributor, you=you)
    return [sentences[name]() for name, met in row.items() if not met and name not in ignore]
