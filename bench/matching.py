"""Matching latency: the top 50 of 100,000 expert profiles for one project, a third of them
engaged elsewhere (their committed hours counted against their availability).

Prints the median latency of ``marketplace.matching.ranked_candidates`` (the query plus
building each candidate's explanation) next to the same SQL run bare over psycopg, the
floor, and their ratio.

    make bench            # or: .venv/bin/python bench/matching.py --experts 100000 --runs 30
"""

import argparse
import time

import _django

PROFILES_SQL = """
WITH leaves AS (SELECT array_agg(id ORDER BY id) AS ids FROM contributors_domain WHERE parent_id IS NOT NULL)
INSERT INTO accounts_user (password, is_superuser, is_staff, is_active, date_joined, email, full_name, role, timezone)
SELECT '!', false, false, true, now(), 'bench' || g || '@bench.example', 'Bench Expert ' || g, 'expert', 'UTC'
FROM generate_series(1, %(n)s) g;

INSERT INTO contributors_contributor (
    user_id, legal_name, display_name, country, subdivision, timezone, languages, education_level, skills,
    weekly_availability_hours, content_opt_outs, weekly_exposure_cap_minutes, status, tier, quality_score,
    specialty_ids, specialty_families, verified_credential_kinds, verified_credential_families, created_at, updated_at)
SELECT u.id, u.full_name, u.full_name,
       (ARRAY['US','GB','DE','FR','CA','IN','PH','KE','BR','MX'])[1 + (u.id %% 10)],
       CASE WHEN u.id %% 10 = 0 THEN (ARRAY['US-CA','US-NY','US-WA','US-TX'])[1 + (u.id / 10 %% 4)] ELSE '' END,
       'UTC',
       CASE u.id %% 4 WHEN 0 THEN ARRAY['en'] WHEN 1 THEN ARRAY['en','es'] WHEN 2 THEN ARRAY['de','en'] ELSE ARRAY['fr'] END,
       'doctorate', ARRAY[]::varchar[],
       (u.id * 7) %% 41,
       CASE WHEN u.id %% 9 = 0 THEN ARRAY['violence'] ELSE ARRAY[]::varchar[] END,
       (u.id * 13) %% 300,
       CASE WHEN u.id %% 20 = 0 THEN 'applicant' ELSE 'active' END,
       (ARRAY['bulk','crowd','generalist','domain','expert'])[1 + (u.id * 3 %% 5)],
       ((u.id * 37) %% 1000) / 1000.0,
       '{}', '{}', '{}', '{}', now(), now()
FROM accounts_user u WHERE u.email LIKE 'bench%%@bench.example';

WITH leaves AS (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM contributors_domain WHERE parent_id IS NOT NULL)
INSERT INTO contributors_contributor_specialties (contributor_id, domain_id)
SELECT DISTINCT c.id, leaves.ids[1 + ((c.id * k) %% leaves.n)]
FROM contributors_contributor c, leaves, generate_series(1, 3) k
WHERE c.legal_name LIKE 'Bench Expert %%';

INSERT INTO vetting_credential (
    contributor_id, kind, field_id, title, issuer, identifier, country, issued_on, expires_on, status,
    rejection_reason, submitted_at, updated_at)
SELECT cs.contributor_id,
       (ARRAY['degree','license','certification','employment','publication'])[1 + (cs.contributor_id %% 5)],
       cs.domain_id, 'Bench credential', 'Bench issuer', '', 'US', DATE '2015-01-01', NULL,
       CASE WHEN cs.contributor_id %% 10 < 7 THEN 'verified' ELSE 'submitted' END,
       '', now(), now()
FROM contributors_contributor_specialties cs
JOIN contributors_contributor c ON c.id = cs.contributor_id
WHERE c.legal_name LIKE 'Bench Expert %%';
"""


def ensure_profiles(n: int) -> None:
    from django.db import connection

    from contributors.models import Contributor
    from contributors.services import SUMMARIES_SQL
    from vetting.services.credentials import CREDENTIAL_SUMMARIES_SQL

    existing = Contributor.objects.filter(legal_name__startswith="Bench Expert ").count()
    if existing == n:
        return
    with connection.cursor() as cursor:
        for table in ("marketplace_engagement", "marketplace_staffingrequest"):
            cursor.execute(
                f"DELETE FROM {table} WHERE project_id IN "
                "(SELECT id FROM marketplace_project WHERE title LIKE 'Bench commitment %%')"
            )
        cursor.execute("DELETE FROM marketplace_project WHERE title LIKE 'Bench commitment %%'")
        cursor.execute("DELETE FROM vetting_credential WHERE title = 'Bench credential'")
        cursor.execute(
            "DELETE FROM contributors_contributor_specialties WHERE contributor_id IN "
            "(SELECT id FROM contributors_contributor WHERE legal_name LIKE 'Bench Expert %%')"
        )
        cursor.execute(
            "DELETE FROM contributors_jurisdictionperiod WHERE contributor_id IN "
            "(SELECT id FROM contributors_contributor WHERE legal_name LIKE 'Bench Expert %%')"
        )
        cursor.execute("DELETE FROM contributors_contributor WHERE legal_name LIKE 'Bench Expert %%'")
        cursor.execute("DELETE FROM accounts_user WHERE email ~ '^bench[0-9]+@bench[.]example$'")
        started = time.perf_counter()
        cursor.execute(PROFILES_SQL, {"n": n})
        # The same summaries the services keep on each profile, computed for all at once.
        for summaries in (SUMMARIES_SQL, CREDENTIAL_SUMMARIES_SQL):
            cursor.execute(summaries.replace("WHERE c.id = ANY(%s)", "WHERE c.legal_name LIKE 'Bench Expert %%'"))
        cursor.execute("ANALYZE")
        print(f"generated {n:,} profiles in {time.perf_counter() - started:.1f} s")


def bench_project():
    from datetime import date

    from django.contrib.auth import get_user_model

    from contributors.models import Domain
    from marketplace.models import Lab, Project

    owner, _ = get_user_model().objects.get_or_create(email="bench-lab@bench.example", defaults={"role": "lab_member"})
    lab, _ = Lab.objects.get_or_create(name="Bench lab", defaults={"country": "US"})
    project = Project.objects.filter(lab=lab, title="Bench matching").first()
    if project is None:
        project = Project.objects.create(
            lab=lab,
            title="Bench matching",
            brief="Benchmark project",
            min_tier="generalist",
            required_credential_kinds=[],
            allowed_countries=["US", "GB", "CA", "IN", "DE"],
            languages=["en"],
            pay_model="hourly",
            rate_minor=9000,
            weekly_hours=10,
            headcount=50,
            budget_cap_minor=10_000_000,
            sensitive_categories=["violence"],
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
            status="open",
            created_by=owner,
        )
        project.domains.set(Domain.objects.filter(slug__in=["cardiology", "oncology", "securities"]))
    return project


# A third of the profiles are engaged on other projects (10 to 40 hours a week), so that
# availability is scored on the hours they have free, as in production.
COMMITMENTS_SQL = """
INSERT INTO marketplace_project (
    title, brief, min_tier, required_credential_kinds, allowed_countries, languages, pay_model, currency,
    rate_minor, weekly_hours, headcount, budget_cap_minor, sensitive_categories, exclusive, starts_on, ends_on,
    status, funded_minor, created_at, updated_at, created_by_id, lab_id, appeal_window_days, judge_review_share,
    random_review_share, review_window_days, overlap)
SELECT 'Bench commitment ' || h, 'Other work', 'bulk', '{}', ARRAY['US'], '{}', 'hourly', 'USD', 5000, h, 10000,
       10000000, '{}', false, DATE '2026-01-01', DATE '2026-12-31', 'open', 0, now(), now(), %(owner)s, %(lab)s,
       14, 0.2, 0.05, 7, 1
FROM generate_series(10, 40, 10) h;

INSERT INTO marketplace_staffingrequest (kind, status, message, sent_at, decline_reason, contributor_id, project_id,
                                         sent_by_id)
SELECT 'invitation', 'accepted', '', now(), '', c.id, p.id, %(owner)s
FROM contributors_contributor c
JOIN marketplace_project p ON p.title = 'Bench commitment ' || (10 + 10 * (c.id %% 4))
WHERE c.legal_name LIKE 'Bench Expert %%' AND c.id %% 3 = 0;

INSERT INTO marketplace_engagement (status, pay_model, currency, rate_minor, committed_minor, started_at,
                                    contributor_id, project_id, request_id, ended_because)
SELECT 'active', 'hourly', 'USD', 5000, 0, now(), r.contributor_id, r.project_id, r.id, ''
FROM marketplace_staffingrequest r JOIN marketplace_project p ON p.id = r.project_id
WHERE p.title LIKE 'Bench commitment %%';
"""


def ensure_commitments(project) -> None:
    from django.db import connection

    from marketplace.models import Engagement

    if Engagement.objects.filter(project__title__startswith="Bench commitment ").exists():
        return
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(COMMITMENTS_SQL, {"owner": project.created_by_id, "lab": project.lab_id})
        cursor.execute("ANALYZE")
    count = Engagement.objects.filter(project__title__startswith="Bench commitment ").count()
    print(f"engaged {count:,} profiles on other projects in {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--experts", type=int, default=_django.size(100_000, 300))
    parser.add_argument("--runs", type=int, default=_django.size(30, 3))
    args = parser.parse_args()
    _django.setup()
    ensure_profiles(args.experts)
    project = bench_project()
    ensure_commitments(project)

    import psycopg
    from django.db import connection

    from maintenance.postgres import DatabaseAddress
    from marketplace.matching import match_parameters, match_sql, ranked_candidates

    params = match_parameters(project_id=project.pk, limit=50)
    sql = match_sql(params)
    found = ranked_candidates(project_id=project.pk, limit=50)
    bare = DatabaseAddress.from_settings(connection.settings_dict).connect()
    with bare.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM contributors_contributor WHERE status = 'active'")
        active = cursor.fetchone()[0]

    def run_bare():
        # Client-side binding, as Django's backend uses, so both run the same statement text.
        with psycopg.ClientCursor(bare) as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    ours = _django.median_ms(lambda: ranked_candidates(project_id=project.pk, limit=50), args.runs)
    floor = _django.median_ms(run_bare, args.runs)
    bare.close()
    print(f"matching: top {len(found)} of {args.experts:,} profiles ({active:,} active), median of {args.runs} runs")
    print(f"  ranked_candidates (query + explanations): {ours:8.2f} ms")
    print(f"  same SQL, bare psycopg (floor):            {floor:8.2f} ms")
    print(f"  ratio:                                     {ours / floor:8.2f}x")


if __name__ == "__main__":
    main()
