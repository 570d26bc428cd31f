"""Experts engaged on running hourly projects, made in SQL for the work benchmarks.

Each benchmark names its own population by a prefix, keeps it between runs (its users
are referred to by audit events, which are never deleted) and removes only the work it
logged itself. The pay-run benchmark's rows are never touched.
"""

from datetime import timedelta

POPULATION_SQL = """
INSERT INTO accounts_user (password, is_superuser, is_staff, is_active, date_joined, email, full_name, role, timezone)
SELECT '!', false, false, true, now(), %(prefix)s || g || '@bench.example', %(label)s || ' expert ' || g, 'expert', 'UTC'
FROM generate_series(1, %(experts)s) g
ON CONFLICT (email) DO NOTHING;

INSERT INTO contributors_contributor (
    user_id, legal_name, display_name, country, subdivision, timezone, languages, education_level, skills,
    weekly_availability_hours, content_opt_outs, weekly_exposure_cap_minutes, status, tier,
    specialty_ids, specialty_families, verified_credential_kinds, verified_credential_families, created_at, updated_at)
SELECT u.id, u.full_name, u.full_name, 'US', 'US-CA', 'UTC', ARRAY['en'], 'doctorate', '{}',
       40, '{}', 0, 'active', 'domain', '{}', '{}', '{}', '{}', now(), now()
FROM accounts_user u
WHERE u.email LIKE %(prefix)s || '%%@bench.example'
  AND NOT EXISTS (SELECT 1 FROM contributors_contributor c WHERE c.user_id = u.id);

INSERT INTO marketplace_lab (name, website, country, platform_fee_markup, created_at)
VALUES (%(label)s || ' lab', '', 'US', 0.5, now())
ON CONFLICT (name) DO NOTHING;

INSERT INTO marketplace_project (
    lab_id, title, brief, min_tier, required_credential_kinds, allowed_countries, languages, pay_model, currency,
    rate_minor, task_estimate_minutes, weekly_hours, headcount, budget_cap_minor, sensitive_categories, exclusive,
    starts_on, ends_on, status, funded_minor, created_by_id, created_at, updated_at, review_window_days,
    appeal_window_days, judge_review_share, random_review_share, overlap, weekly_cap_hours, platform_fee_markup)
SELECT (SELECT id FROM marketplace_lab WHERE name = %(label)s || ' lab'), %(label)s || ' project ' || g, '', 'bulk',
       '{}', ARRAY['US'], '{}', 'hourly', 'USD', 6000 + (g %% 10) * 500, NULL, 20, 10000, 1000000000000, '{}', false,
       %(starts_on)s, %(ends_on)s, 'open', 1000000000000,
       (SELECT min(id) FROM accounts_user WHERE email LIKE %(prefix)s || '%%@bench.example'), now(), now(), 7, 14,
       0.2, 0.05, 1, %(weekly_cap_hours)s, 0.5
FROM generate_series(1, %(projects)s) g
WHERE NOT EXISTS (SELECT 1 FROM marketplace_project p WHERE p.title = %(label)s || ' project ' || g);

-- Running projects: their dates follow the calendar, whenever the benchmark runs.
UPDATE marketplace_project SET starts_on = %(starts_on)s, ends_on = %(ends_on)s, weekly_cap_hours = %(weekly_cap_hours)s
WHERE title LIKE %(label)s || ' project %%';

CREATE TEMP TABLE bench_population_pairs ON COMMIT DROP AS
SELECT c.id AS contributor_id, c.user_id, p.id AS project_id
FROM (SELECT id, user_id, row_number() OVER (ORDER BY id) AS n FROM contributors_contributor
      WHERE legal_name LIKE %(label)s || ' expert %%') c
CROSS JOIN generate_series(0, %(per_expert)s - 1) k
JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM marketplace_project
      WHERE title LIKE %(label)s || ' project %%') p ON p.n = (c.n * %(per_expert)s + k) %% %(projects)s
WHERE NOT EXISTS (SELECT 1 FROM marketplace_engagement e WHERE e.contributor_id = c.id AND e.project_id = p.id);

INSERT INTO marketplace_staffingrequest (project_id, contributor_id, kind, status, message, sent_by_id, sent_at,
                                         answered_at, decline_reason)
SELECT project_id, contributor_id, 'invitation', 'accepted', '', user_id, now(), now(), '' FROM bench_population_pairs;

INSERT INTO marketplace_engagement (project_id, contributor_id, request_id, status, pay_model, currency, rate_minor,
                                    task_estimate_minutes, committed_minor, started_at)
SELECT r.project_id, r.contributor_id, r.id, 'active', 'hourly', 'USD', p.rate_minor, NULL, 0, %(starts_on)s
FROM bench_population_pairs b
JOIN marketplace_staffingrequest r ON r.project_id = b.project_id AND r.contributor_id = b.contributor_id
JOIN marketplace_project p ON p.id = r.project_id;

UPDATE marketplace_engagement SET started_at = %(starts_on)s
WHERE project_id IN (SELECT id FROM marketplace_project WHERE title LIKE %(label)s || ' project %%');
"""


def ensure_population(
    *,
    prefix: str,
    label: str,
    experts: int,
    projects: int,
    engagements_per_expert: int,
    days_back: int,
    weekly_cap_hours: int | None,
) -> list[tuple[int, int, list[int]]]:
    """Experts ``<prefix><n>@bench.example`` each engaged on some of ``projects`` running projects.

    Returns (user id, contributor id, engagement ids) per expert, in order.
    """
    from django.db import connection, transaction
    from django.utils import timezone

    today = timezone.now().date()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            POPULATION_SQL,
            {
                "prefix": prefix,
                "label": label,
                "experts": experts,
                "projects": projects,
                "per_expert": engagements_per_expert,
                "starts_on": today - timedelta(days=days_back),
                "ends_on": today + timedelta(days=60),
                "weekly_cap_hours": weekly_cap_hours,
            },
        )
        cursor.execute(
            """
            SELECT u.id, c.id, array_agg(e.id ORDER BY e.id)
            FROM accounts_user u
            JOIN contributors_contributor c ON c.user_id = u.id
            JOIN marketplace_engagement e ON e.contributor_id = c.id AND e.status = 'active'
            WHERE u.email LIKE %s
            GROUP BY u.id, c.id
            ORDER BY u.id
            LIMIT %s
            """,
            [f"{prefix}%@bench.example", experts],
        )
        return [
            (user_id, contributor_id, list(engagements)) for user_id, contributor_id, engagements in cursor.fetchall()
        ]


def open_days(*, days_back: int) -> list:
    """Days from yesterday back, newest first, whose pay week is not locked: neither closed
    (``config.payweek.week_closes_at``) nor taken by a pay run (another benchmark may run one)."""
    from django.db import connection
    from django.utils import timezone

    from config.payweek import week_closes_at
    from payouts.weeks import week_of

    with connection.cursor() as cursor:
        cursor.execute("SELECT starts_on FROM payouts_payperiod WHERE status <> 'open'")
        locked = {row[0] for row in cursor.fetchall()}
    now = timezone.now()
    days = [now.date() - timedelta(days=k) for k in range(1, days_back)]
    return [day for day in days if week_of(day)[0] not in locked and week_closes_at(week_of(day)[0]) > now]


def remove_work(contributor_ids: list[int]) -> int:
    """Delete the time entries of these (benchmark) experts only."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM marketplace_timeentry WHERE contributor_id = ANY(%s)", [contributor_ids])
        return cursor.rowcount
