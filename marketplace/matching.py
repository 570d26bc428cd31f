"""Ranked, explained candidates for a project, in one set-based query.

Eligibility is all-or-nothing and decided in SQL; an ineligible expert never appears:
active status; tier at least the project's minimum; a country the project allows; every
language it needs; none of its sensitive-content categories among their opt-outs (and a
non-zero exposure cap if it has any); some weekly availability; a verified, unexpired
credential of every required kind; a specialty in the family of a required domain; not
already engaged on it; and exclusivity respected both ways.

Score, out of 100:
- domain fit, up to 40: 30 for an exact sub-specialty match (+5 for each further one, up
  to two), 15 for a specialty in the same family only;
- quality, up to 25: the expert's quality score (0-1); 0.5 when there is none yet;
- availability, up to 15: weekly availability against the hours the project needs;
- tier, up to 10: 5 for each tier above the minimum, up to two;
- credentials, up to 10: a verified credential in the project's domain family.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from contributors.models import Tier

TIER_RANK = {tier: rank for rank, tier in enumerate(Tier.values, start=1)}
_TIER_CASE = "CASE {col} " + " ".join(f"WHEN '{tier}' THEN {rank}" for tier, rank in TIER_RANK.items()) + " ELSE 0 END"

MATCH_SQL = f"""
WITH p AS (
    SELECT id, required_credential_kinds, allowed_countries, languages, sensitive_categories, exclusive,
           GREATEST(weekly_hours, 1) AS weekly_hours, {_TIER_CASE.format(col="min_tier")} AS min_rank
    FROM marketplace_project WHERE id = %(project)s
),
required AS (
    SELECT d.id, COALESCE(d.parent_id, d.id) AS family
    FROM marketplace_project_domains pd JOIN contributors_domain d ON d.id = pd.domain_id
    WHERE pd.project_id = %(project)s
),
candidates AS (
    SELECT c.id, c.display_name, c.country, c.subdivision, c.tier, c.quality_score, c.weekly_availability_hours,
           {_TIER_CASE.format(col="c.tier")} AS tier_rank
    FROM contributors_contributor c CROSS JOIN p
    WHERE c.status = 'active'
      AND {_TIER_CASE.format(col="c.tier")} >= p.min_rank
      AND c.country = ANY(p.allowed_countries)
      AND c.languages @> p.languages
      AND NOT (c.content_opt_outs && p.sensitive_categories)
      AND (cardinality(p.sensitive_categories) = 0 OR c.weekly_exposure_cap_minutes > 0)
      AND c.weekly_availability_hours > 0
      AND (%(contributor)s::bigint IS NULL OR c.id = %(contributor)s::bigint)
),
fit AS (
    SELECT cs.contributor_id,
           count(DISTINCT s.id) FILTER (WHERE s.id IN (SELECT id FROM required)) AS exact_matches,
           array_agg(DISTINCT s.name ORDER BY s.name) AS matched_names
    FROM contributors_contributor_specialties cs
    JOIN contributors_domain s ON s.id = cs.domain_id
    WHERE cs.contributor_id IN (SELECT id FROM candidates)
      AND COALESCE(s.parent_id, s.id) IN (SELECT family FROM required)
    GROUP BY cs.contributor_id
),
creds AS (
    SELECT cr.contributor_id,
           array_agg(DISTINCT cr.kind) AS kinds,
           bool_or(COALESCE(f.parent_id, f.id) IN (SELECT family FROM required)) AS in_field
    FROM vetting_credential cr JOIN contributors_domain f ON f.id = cr.field_id
    WHERE cr.status = 'verified' AND (cr.expires_on IS NULL OR cr.expires_on > CURRENT_DATE)
      AND cr.contributor_id IN (SELECT id FROM candidates)
    GROUP BY cr.contributor_id
),
busy AS (
    SELECT e.contributor_id, bool_or(pr.exclusive) AS in_exclusive, count(*) AS active
    FROM marketplace_engagement e JOIN marketplace_project pr ON pr.id = e.project_id
    WHERE e.status = 'active' AND e.project_id <> %(project)s
      AND e.contributor_id IN (SELECT id FROM candidates)
    GROUP BY e.contributor_id
),
scored AS (
    SELECT c.id, c.display_name, c.country, c.subdivision, c.tier, c.quality_score, c.weekly_availability_hours,
           f.exact_matches, f.matched_names, COALESCE(k.in_field, false) AS credential_in_field,
           CASE WHEN f.exact_matches > 0 THEN 30 + 5 * LEAST(f.exact_matches - 1, 2) ELSE 15 END AS domain_points,
           round(COALESCE(c.quality_score, 0.5) * 25, 1) AS quality_points,
           round(LEAST(c.weekly_availability_hours::numeric / p.weekly_hours, 1) * 15, 1) AS availability_points,
           5 * LEAST(c.tier_rank - p.min_rank, 2) AS tier_points,
           CASE WHEN COALESCE(k.in_field, false) THEN 10 ELSE 0 END AS credential_points
    FROM candidates c
    CROSS JOIN p
    JOIN fit f ON f.contributor_id = c.id
    LEFT JOIN creds k ON k.contributor_id = c.id
    LEFT JOIN busy b ON b.contributor_id = c.id
    WHERE COALESCE(k.kinds, '{{}}'::varchar[]) @> p.required_credential_kinds
      AND NOT COALESCE(b.in_exclusive, false)
      AND NOT (p.exclusive AND COALESCE(b.active, 0) > 0)
      AND NOT EXISTS (
          SELECT 1 FROM marketplace_engagement e
          WHERE e.project_id = %(project)s AND e.contributor_id = c.id AND e.status = 'active'
      )
)
SELECT *, domain_points + quality_points + availability_points + tier_points + credential_points AS score
FROM scored
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


def _reasons(row: dict) -> list[str]:
    matched = ", ".join(row["matched_names"])
    reasons = [
        f"Exact specialty match ({matched}): +{row['domain_points']}"
        if row["exact_matches"]
        else f"Related specialty ({matched}): +{row['domain_points']}",
        f"Quality score {row['quality_score'] if row['quality_score'] is not None else 'not yet measured (neutral)'}: "
        f"+{row['quality_points']}",
        f"Available {row['weekly_availability_hours']} h a week: +{row['availability_points']}",
    ]
    if row["tier_points"]:
        reasons.append(f"{Tier(row['tier']).label} tier, above the minimum: +{row['tier_points']}")
    if row["credential_points"]:
        reasons.append(f"Verified credential in the project's field: +{row['credential_points']}")
    return reasons


def ranked_candidates(*, project_id: int, limit: int = 50, contributor_id: int | None = None) -> list[Candidate]:
    with connection.cursor() as cursor:
        cursor.execute(MATCH_SQL, {"project": project_id, "limit": limit, "contributor": contributor_id})
        columns = [col.name for col in cursor.description]
        rows = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
    return [
        Candidate(
            contributor_id=row["id"],
            display_name=row["display_name"],
            country=row["country"],
            subdivision=row["subdivision"],
            tier=row["tier"],
            score=Decimal(row["score"]),
            components={
                name: Decimal(row[f"{name}_points"])
                for name in ("domain", "quality", "availability", "tier", "credential")
            },
            reasons=_reasons(row),
        )
        for row in rows
    ]


def is_eligible(*, project_id: int, contributor_id: int) -> bool:
    return bool(ranked_candidates(project_id=project_id, limit=1, contributor_id=contributor_id))
