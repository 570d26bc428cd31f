"""Project search latency: one page of 20,000 open projects for an expert, words and filters.

Prints the median latency of ``marketplace.search.project_search`` (the statement plus the
page's projects, their pay in the expert's currency and the sentences for what they miss)
next to the same statement run bare over psycopg, the floor, and their ratio, for three
searches: words, filters with pay in another currency, and "only projects I can take part
in" (every requirement evaluated for every project).

    make bench            # or: .venv/bin/python bench/search.py --projects 20000 --runs 30
"""

import argparse
import time

import _django

PROJECTS_SQL = """
WITH words AS (
    SELECT ARRAY['cardiology','oncology','radiology','contract','tax','securities','genomics','triage',
                 'evaluation','labelling','review','guidelines','reasoning','coding','safety','pharmacology'] AS w
)
INSERT INTO marketplace_project (
    title, brief, min_tier, required_credential_kinds, allowed_countries, languages, pay_model, currency,
    rate_minor, task_estimate_minutes, weekly_hours, headcount, budget_cap_minor, sensitive_categories, exclusive,
    starts_on, ends_on, status, funded_minor, created_at, updated_at, created_by_id, lab_id, appeal_window_days,
    judge_review_share, random_review_share, review_window_days, overlap)
SELECT 'Bench ' || w[1 + g %% 16] || ' ' || w[1 + (g * 7) %% 16] || ' project ' || g,
       'Experts ' || w[1 + (g * 3) %% 16] || ' and ' || w[1 + (g * 5) %% 16] || ' of model answers, ' || g || '.',
       (ARRAY['crowd','generalist','domain','expert'])[1 + g %% 4],
       CASE WHEN g %% 3 = 0 THEN ARRAY['license']::varchar[] ELSE ARRAY[]::varchar[] END,
       CASE WHEN g %% 5 = 0 THEN ARRAY['GB','DE'] ELSE ARRAY['US','GB','CA','DE','IN'] END,
       CASE WHEN g %% 7 = 0 THEN ARRAY['de']::varchar[] ELSE ARRAY['en']::varchar[] END,
       CASE WHEN g %% 4 = 0 THEN 'per_task' ELSE 'hourly' END,
       (ARRAY['USD','USD','EUR','GBP'])[1 + g %% 4],
       2000 + (g * 37) %% 15000,
       CASE WHEN g %% 4 = 0 THEN 10 + g %% 50 END,
       1 + g %% 40, 5, 10000000,
       CASE WHEN g %% 9 = 0 THEN ARRAY['violence']::varchar[] ELSE ARRAY[]::varchar[] END,
       g %% 50 = 0,
       DATE '2026-07-01' + (g %% 120), DATE '2026-12-31' + (g %% 120), 'open', 0, now(), now(),
       %(owner)s, %(lab)s, 14, 0.2, 0.05, 7, 1
FROM words, generate_series(1, %(n)s) g;

INSERT INTO marketplace_project_domains (project_id, domain_id)
SELECT p.id, d.ids[1 + (p.id * k) %% d.n]
FROM marketplace_project p,
     (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM contributors_domain) d,
     generate_series(1, 2) k
WHERE p.title LIKE 'Bench %% project %%'
ON CONFLICT DO NOTHING;
"""

EXPERT_SQL = """
INSERT INTO accounts_user (password, is_superuser, is_staff, is_active, date_joined, email, full_name, role, timezone)
VALUES ('!', false, false, true, now(), 'search-expert@bench.example', 'Search Expert', 'expert', 'UTC');
INSERT INTO contributors_contributor (
    user_id, legal_name, display_name, country, subdivision, timezone, languages, education_level, skills,
    weekly_availability_hours, content_opt_outs, weekly_exposure_cap_minutes, status, tier, quality_score,
    specialty_ids, specialty_families, verified_credential_kinds, verified_credential_families, created_at, updated_at)
SELECT u.id, 'Search Expert', 'Search Expert', 'GB', '', 'Europe/London', ARRAY['en'], 'doctorate', ARRAY[]::varchar[],
       20, ARRAY['violence'], 0, 'active', 'domain', 0.8,
       (SELECT array_agg(id) FROM contributors_domain WHERE parent_id IS NOT NULL AND id % 3 = 0),
       (SELECT array_agg(DISTINCT parent_id) FROM contributors_domain WHERE parent_id IS NOT NULL AND id % 3 = 0),
       ARRAY['degree'], ARRAY[]::int[], now(), now()
FROM accounts_user u WHERE u.email = 'search-expert@bench.example';
"""


def ensure_projects(n: int):
    from django.contrib.auth import get_user_model
    from django.db import connection

    from contributors.models import Contributor
    from marketplace.models import Lab, Project

    owner, _ = get_user_model().objects.get_or_create(email="bench-lab@bench.example", defaults={"role": "lab_member"})
    lab, _ = Lab.objects.get_or_create(name="Bench search lab", defaults={"country": "US"})
    if Project.objects.filter(lab=lab, status="open").count() != n:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM marketplace_project_domains WHERE project_id IN "
                "(SELECT id FROM marketplace_project WHERE lab_id = %s)",
                [lab.pk],
            )
            cursor.execute("DELETE FROM marketplace_project WHERE lab_id = %s", [lab.pk])
            started = time.perf_counter()
            cursor.execute(PROJECTS_SQL, {"n": n, "owner": owner.pk, "lab": lab.pk})
            cursor.execute("ANALYZE")
            print(f"generated {n:,} open projects in {time.perf_counter() - started:.1f} s")
    expert = Contributor.objects.filter(user__email="search-expert@bench.example").first()
    if expert is None:
        with connection.cursor() as cursor:
            cursor.execute(EXPERT_SQL)
        expert = Contributor.objects.get(user__email="search-expert@bench.example")
    return expert


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=_django.size(20_000, 200))
    parser.add_argument("--runs", type=int, default=_django.size(30, 3))
    args = parser.parse_args()
    _django.setup()
    expert = ensure_projects(args.projects)

    from datetime import date

    import psycopg
    from django.db import connection

    from maintenance.postgres import DatabaseAddress
    from marketplace.search import Criteria, project_search, search_query

    on = date(2026, 6, 17)
    searches = {
        "words": Criteria(words="radiology"),
        "filters, pay in GBP": Criteria(pay_model="hourly", min_hourly_minor=4000, max_weekly_hours=30, page=3),
        "eligible only": Criteria(eligible_only=True, sort="starting"),
    }
    bare = DatabaseAddress.from_settings(connection.settings_dict).connect()
    print(f"project search: one page of {args.projects:,} open projects, median of {args.runs} runs")
    for name, criteria in searches.items():
        query = search_query(contributor=expert, criteria=criteria, on=on)
        found = project_search(contributor=expert, criteria=criteria, on=on)

        def run_bare(query=query):
            # Client-side binding, as Django's backend uses, so both run the same statement text.
            with psycopg.ClientCursor(bare) as cursor:
                cursor.execute(query.sql, query.params)
                cursor.fetchall()

        ours = _django.median_ms(
            lambda criteria=criteria: project_search(contributor=expert, criteria=criteria, on=on), args.runs
        )
        floor = _django.median_ms(run_bare, args.runs)
        print(f"  {name} ({found.total:,} match, {len(found.results)} on the page)")
        print(f"    project_search (statement + page):  {ours:8.2f} ms")
        print(f"    same SQL, bare psycopg (floor):     {floor:8.2f} ms")
        print(f"    ratio:                              {ours / floor:8.2f}x")
    bare.close()


if __name__ == "__main__":
    main()
