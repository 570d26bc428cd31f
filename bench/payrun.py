"""Pay run at scale: 100,000 experts in 50 jurisdictions, 10,000,000 work items in one week.

Generates the data in SQL (about 2,000 projects, 15% of them per task), runs the real pay
run end to end (``pay_run_start`` then ``pay_run_compute``: statements and lines written),
and prints its time next to the bare single-statement SQL aggregate of pay and minutes per
expert over the same rows, in the same run, as a ratio.

    make bench                                   # or:
    .venv/bin/python bench/payrun.py --entries 10000000
"""

import argparse
import time
from datetime import timedelta

import _django

EXPERTS = 100_000
PROJECTS = _django.size(2_000, 20)

# 50 jurisdictions: every shipped place plus states and provinces that fall back to their
# national minimum.
JURISDICTIONS = [
    ("US", ""), ("US", "US-CA"), ("US", "US-WA"), ("US", "US-NY"), ("US", "US-DC"), ("US", "US-MA"), ("US", "US-IL"),
    ("US", "US-NJ"), ("US", "US-CO"), ("US", "US-AZ"), ("US", "US-FL"), ("US", "US-OR"), ("US", "US-TX"),
    ("US", "US-PA"), ("US", "US-GA"), ("US", "US-OH"), ("US", "US-MI"), ("US", "US-NC"), ("US", "US-VA"),
    ("US", "US-TN"), ("US", "US-IN"), ("US", "US-MO"), ("US", "US-WI"), ("US", "US-MN"), ("US", "US-AL"),
    ("GB", ""), ("GB", "GB-SCT"), ("GB", "GB-WLS"), ("DE", ""), ("DE", "DE-BE"), ("DE", "DE-BY"), ("FR", ""),
    ("FR", "FR-IDF"), ("CA", ""), ("CA", "CA-ON"), ("CA", "CA-BC"), ("CA", "CA-QC"), ("CA", "CA-AB"), ("IN", ""),
    ("IN", "IN-DL"), ("IN", "IN-KA"), ("PH", ""), ("PH", "PH-00"), ("KE", ""), ("BR", ""), ("BR", "BR-SP"),
    ("MX", ""), ("MX", "MX-CMX"), ("US", "US-NV"), ("US", "US-UT"),
]  # fmt: skip

SETUP_SQL = """
INSERT INTO accounts_user (password, is_superuser, is_staff, is_active, date_joined, email, full_name, role, timezone)
SELECT '!', false, false, true, now(), 'payrun' || g || '@bench.example', 'Payrun Expert ' || g, 'expert', 'UTC'
FROM generate_series(1, %(experts)s) g;

INSERT INTO contributors_contributor (
    user_id, legal_name, display_name, country, subdivision, timezone, languages, education_level, skills,
    weekly_availability_hours, content_opt_outs, weekly_exposure_cap_minutes, status, tier,
    specialty_ids, specialty_families, verified_credential_kinds, verified_credential_families, created_at, updated_at)
SELECT u.id, u.full_name, u.full_name, j.country, j.subdivision, 'UTC', ARRAY['en'], 'doctorate', '{}',
       40, '{}', 0, 'active', 'domain', '{}', '{}', '{}', '{}', now(), now()
FROM (SELECT id, full_name, row_number() OVER (ORDER BY id) AS n FROM accounts_user
      WHERE email LIKE 'payrun%%@bench.example') u
JOIN unnest(%(countries)s::varchar[], %(subdivisions)s::varchar[]) WITH ORDINALITY AS j(country, subdivision, k)
  ON j.k = 1 + (u.n %% %(jurisdictions)s);

INSERT INTO marketplace_lab (name, website, country, platform_fee_markup, created_at)
VALUES ('Payrun bench lab', '', 'US', 0.5, now());

INSERT INTO marketplace_project (
    lab_id, title, brief, min_tier, required_credential_kinds, allowed_countries, languages, pay_model, currency,
    rate_minor, task_estimate_minutes, weekly_hours, headcount, budget_cap_minor, sensitive_categories, exclusive,
    starts_on, ends_on, status, funded_minor, created_by_id, created_at, updated_at, review_window_days,
    appeal_window_days, judge_review_share, random_review_share, overlap, weekly_cap_hours, platform_fee_markup)
SELECT (SELECT id FROM marketplace_lab WHERE name = 'Payrun bench lab'), 'Payrun project ' || g, '', 'bulk', '{}',
       ARRAY['US'], '{}', CASE WHEN g %% 20 < 3 THEN 'per_task' ELSE 'hourly' END, 'USD',
       CASE WHEN g %% 20 < 3 THEN 300 + (g %% 7) * 50 ELSE 1500 + (g %% 60) * 200 END,
       CASE WHEN g %% 20 < 3 THEN 10 + g %% 20 END, 20, 100, 10000000000, '{}', false,
       %(start)s - 30, %(start)s + 60, 'open', 10000000000,
       (SELECT min(id) FROM accounts_user WHERE email LIKE 'payrun%%'), now(), now(), 7, 14, 0.2, 0.05, 1, NULL, 0.5
FROM generate_series(1, %(projects)s) g;

CREATE TEMP TABLE bench_pairs AS
SELECT c.id AS contributor_id, c.user_id,
       (SELECT min(id) FROM marketplace_project WHERE title LIKE 'Payrun project %%')
           + ((c.id * 7919) %% %(projects)s) AS project_id
FROM contributors_contributor c WHERE c.legal_name LIKE 'Payrun Expert %%';

INSERT INTO marketplace_staffingrequest (project_id, contributor_id, kind, status, message, sent_by_id, sent_at,
                                         answered_at, decline_reason)
SELECT project_id, contributor_id, 'invitation', 'accepted', '', user_id, now(), now(), '' FROM bench_pairs;

INSERT INTO marketplace_engagement (project_id, contributor_id, request_id, status, pay_model, currency, rate_minor,
                                    task_estimate_minutes, committed_minor, started_at)
SELECT r.project_id, r.contributor_id, r.id, 'active', p.pay_model, 'USD', p.rate_minor, p.task_estimate_minutes,
       0, %(start)s - 30
FROM marketplace_staffingrequest r JOIN marketplace_project p ON p.id = r.project_id
WHERE p.title LIKE 'Payrun project %%';
"""

WORK_SQL = """
INSERT INTO marketplace_timeentry (
    engagement_id, contributor_id, project_id, work_date, minutes, status, hold_reason, submitted_at,
    rejection_reason, appeal_reason, appeal_decision_reason, activity, note, task_reference, version, is_current,
    change_reason, created_by_id)
SELECT e.id, e.contributor_id, e.project_id, %(start)s + (k %% 7), 5 + (k * 13 + e.id) %% 40,
       CASE WHEN (k + e.id) %% 10 < 8 THEN 'approved' WHEN (k + e.id) %% 10 = 8 THEN 'submitted' ELSE 'rejected' END,
       '', now(), '', '', '',
       (ARRAY['task_work','training','meeting','review','task_work','onboarding'])[1 + (k %% 6)], '', '', 1, true, '', b.user_id
FROM marketplace_engagement e JOIN bench_pairs b ON b.contributor_id = e.contributor_id
CROSS JOIN generate_series(1, %(per_expert)s) k
WHERE e.pay_model = 'hourly';

INSERT INTO marketplace_tasksubmission (
    engagement_id, contributor_id, project_id, work_date, minutes, status, hold_reason, submitted_at,
    rejection_reason, appeal_reason, appeal_decision_reason, task_reference, answer, estimate_minutes,
    needs_expert_review)
SELECT e.id, e.contributor_id, e.project_id, %(start)s + (k %% 7), 5 + (k * 13 + e.id) %% 40,
       CASE WHEN (k + e.id) %% 10 < 8 THEN 'approved' WHEN (k + e.id) %% 10 = 8 THEN 'submitted' ELSE 'rejected' END,
       '', now(), '', '', '', 'bench-' || k, '{}', e.task_estimate_minutes, false
FROM marketplace_engagement e
CROSS JOIN generate_series(1, %(per_expert)s) k
WHERE e.pay_model = 'per_task';
ANALYZE;
"""

BARE_SQL = """
SELECT w.contributor_id, sum(w.minutes),
       sum(CASE WHEN w.paid THEN CASE WHEN w.task THEN e.rate_minor::numeric ELSE e.rate_minor::numeric * w.minutes / 60 END END)
FROM (SELECT contributor_id, engagement_id, minutes, status IN ('approved', 'auto_approved') AS paid, false AS task
      FROM marketplace_timeentry WHERE is_current AND work_date BETWEEN %(start)s AND %(end)s
      UNION ALL
      SELECT contributor_id, engagement_id, minutes, status IN ('approved', 'auto_approved'), true
      FROM marketplace_tasksubmission WHERE work_date BETWEEN %(start)s AND %(end)s) w
JOIN marketplace_engagement e ON e.id = w.engagement_id
GROUP BY w.contributor_id
"""


def clear(cursor) -> None:
    started = time.perf_counter()
    cursor.execute("SET session_replication_role = replica")  # the bench's own rows, not audited history
    cursor.execute("DELETE FROM payouts_payline")
    cursor.execute("DELETE FROM payouts_paystatement")
    cursor.execute("DELETE FROM payouts_payrun")
    cursor.execute("DELETE FROM payouts_payperiod")
    cursor.execute(
        "TRUNCATE marketplace_instructionreading, marketplace_timedispute, marketplace_timeentry, "
        "marketplace_tasksubmission"
    )
    cursor.execute(
        "DELETE FROM marketplace_engagement WHERE project_id IN (SELECT id FROM marketplace_project WHERE title LIKE 'Payrun project %%')"
    )
    cursor.execute(
        "DELETE FROM marketplace_staffingrequest WHERE project_id IN (SELECT id FROM marketplace_project WHERE title LIKE 'Payrun project %%')"
    )
    cursor.execute("DELETE FROM marketplace_project WHERE title LIKE 'Payrun project %%'")
    cursor.execute("DELETE FROM marketplace_lab WHERE name = 'Payrun bench lab'")
    cursor.execute("DELETE FROM contributors_contributor WHERE legal_name LIKE 'Payrun Expert %%'")
    cursor.execute("DELETE FROM accounts_user WHERE email LIKE 'payrun%%@bench.example'")
    cursor.execute("SET session_replication_role = origin")
    print(f"cleared earlier bench data in {time.perf_counter() - started:.1f} s")


def generate(cursor, args, start, per_expert: int) -> None:
    clear(cursor)
    started = time.perf_counter()
    cursor.execute(
        SETUP_SQL,
        {
            "experts": args.experts,
            "projects": PROJECTS,
            "start": start,
            "countries": [c for c, _ in JURISDICTIONS],
            "subdivisions": [s for _, s in JURISDICTIONS],
            "jurisdictions": len(JURISDICTIONS),
        },
    )
    cursor.execute(WORK_SQL, {"start": start, "per_expert": per_expert})
    cursor.execute(
        "SELECT (SELECT count(*) FROM marketplace_timeentry) + (SELECT count(*) FROM marketplace_tasksubmission)"
    )
    items = cursor.fetchone()[0]
    print(
        f"generated {args.experts:,} experts, {PROJECTS:,} projects, {items:,} work items in {time.perf_counter() - started:.0f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=_django.size(10_000_000, 2_000))
    parser.add_argument("--experts", type=int, default=_django.size(EXPERTS, 200))
    parser.add_argument(
        "--reuse", action="store_true", help="keep the work items of an earlier run of the same size when present"
    )
    args = parser.parse_args()
    _django.setup()

    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Role, User
    from config.payweek import week_closes_at
    from payouts.models import PayStatement
    from payouts.payruns.services import pay_run_compute, pay_run_start
    from payouts.weeks import week_of

    # The latest week a pay run may start for: closed for logging (``week_closes_at``).
    start, end = week_of(week_of(timezone.now().date())[0] - timedelta(days=7))
    while week_closes_at(start) > timezone.now():
        start, end = start - timedelta(days=7), end - timedelta(days=7)
    per_expert = max(1, args.entries // args.experts)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM marketplace_timeentry WHERE work_date BETWEEN %(start)s AND %(end)s)"
            " + (SELECT count(*) FROM marketplace_tasksubmission WHERE work_date BETWEEN %(start)s AND %(end)s)",
            {"start": start, "end": end},
        )
        reusable = args.reuse and cursor.fetchone()[0] == per_expert * args.experts
    with connection.cursor() as cursor:
        if reusable:
            cursor.execute("SET session_replication_role = replica")
            cursor.execute("DELETE FROM payouts_payline")
            cursor.execute("DELETE FROM payouts_paystatement")
            cursor.execute("DELETE FROM payouts_payrun")
            cursor.execute("DELETE FROM payouts_payperiod")
            cursor.execute("SET session_replication_role = origin")
            cursor.execute("VACUUM ANALYZE payouts_payline")
            cursor.execute("VACUUM ANALYZE payouts_paystatement")
            print("reusing the work items of an earlier run")
        else:
            generate(cursor, args, start, per_expert)
        started = time.perf_counter()
        cursor.execute(BARE_SQL, {"start": start, "end": end})
        bare_rows = len(cursor.fetchall())
        bare = time.perf_counter() - started

    finance, _ = User.objects.get_or_create(email="bench-finance@bench.example", defaults={"role": Role.OPS_FINANCE})
    started = time.perf_counter()
    with transaction.atomic():
        run = pay_run_start(actor=finance, period_start=start)
    run = pay_run_compute(run_id=run.pk)
    ours = time.perf_counter() - started
    statements = PayStatement.objects.filter(run=run).count()
    print(
        f"pay run for {start} to {end}: {statements:,} statements, {run.totals.get('statements_topped_up', 0):,} topped up"
    )
    print(f"  real pay run (statements and lines written): {ours:8.2f} s")
    print(f"  bare single-statement aggregate ({bare_rows:,} rows):  {bare:8.2f} s")
    print(f"  ratio:                                        {ours / bare:8.2f}x")


if __name__ == "__main__":
    main()
