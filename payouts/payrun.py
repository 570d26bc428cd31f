"""The pay run: a week of logged work turned into statements, in one set-based pass.

For every expert and currency in the week:
- minutes worked: every logged minute of every kind and review outcome (approved,
  waiting, rejected), time entries and tasks alike;
- pay: approved hourly minutes at each engagement's locked rate (one line per engagement
  and kind, rounded half up once), approved tasks at the locked task price;
- floor due: for each day, that day's minutes at the minimum wage in force that day in the
  expert's jurisdiction (the higher of the national and the subdivision rate), converted
  at that day's FX rate, summed exactly and rounded up once;
- top-up: whatever the floor due exceeds the pay by, as its own line with the day-by-day
  computation attached.

Everything happens in SQL over whole sets (temporary tables inside one transaction); the
only Python loop is over the handful of (jurisdiction, currency, day) floors.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import connection

from . import money
from .selectors import ReferenceDataMissing, fx_rate_on, minimum_wage_on

# The week's work, every status, read straight from the work tables (no copy of them).
WORK = """
    SELECT t.contributor_id, t.engagement_id, t.work_date, t.minutes,
           CASE WHEN t.activity IN ('training', 'onboarding', 'assessment') THEN 'training' ELSE 'hourly' END AS kind,
           t.status IN ('approved', 'auto_approved') AS paid, t.id AS item_id
    FROM marketplace_timeentry t
    WHERE t.is_current AND t.work_date BETWEEN %(start)s AND %(end)s
    UNION ALL
    SELECT s.contributor_id, s.engagement_id, s.work_date, s.minutes, 'task',
           s.status IN ('approved', 'auto_approved'), s.id
    FROM marketplace_tasksubmission s
    WHERE s.work_date BETWEEN %(start)s AND %(end)s
"""

# One pass over the week's work: everything later reads this much smaller table.
DAYWORK_SQL = f"""
CREATE TEMP TABLE pr_daywork ON COMMIT DROP AS
SELECT w.contributor_id, e.currency, w.engagement_id, e.project_id, w.kind, w.work_date,
       sum(w.minutes) AS minutes,
       COALESCE(sum(w.minutes) FILTER (WHERE w.paid), 0) AS paid_minutes,
       count(*) FILTER (WHERE w.paid) AS paid_items,
       array_agg(w.item_id ORDER BY w.item_id) FILTER (WHERE w.paid) AS paid_ids,
       max(CASE WHEN w.kind = 'task' OR e.pay_model = 'hourly' THEN e.rate_minor::numeric
                ELSE e.rate_minor::numeric * 60 / e.task_estimate_minutes END) AS rate
FROM ({WORK}) w JOIN marketplace_engagement e ON e.id = w.engagement_id
GROUP BY w.contributor_id, e.currency, w.engagement_id, e.project_id, w.kind, w.work_date;
ANALYZE pr_daywork;
"""

LINES_SQL = """
CREATE TEMP TABLE pr_lines ON COMMIT DROP AS
SELECT contributor_id, currency, engagement_id, project_id, kind,
       sum(paid_minutes) AS paid_minutes,
       sum(paid_items) AS paid_items,
       max(rate) AS rate,
       -- numeric round() is half away from zero: half up for these positive amounts.
       CASE WHEN kind = 'task' THEN sum(paid_items) * max(rate)
            ELSE round(sum(paid_minutes) * max(rate) / 60) END AS amount,
       jsonb_build_object(
           CASE WHEN kind = 'task' THEN 'tasks_by_day' ELSE 'time_entries_by_day' END,
           jsonb_object_agg(work_date, paid_ids ORDER BY work_date) FILTER (WHERE paid_ids IS NOT NULL)
       ) AS source
FROM pr_daywork
GROUP BY contributor_id, currency, engagement_id, project_id, kind
HAVING sum(paid_items) > 0;
"""

BONUS_SQL = """
-- Quality bonuses: the rule in force at the week's end, applied to the engagement's
-- approved pay when the expert's score on that project reaches its threshold; the
-- inputs are kept with the line.
INSERT INTO pr_lines (contributor_id, currency, engagement_id, project_id, kind, paid_minutes, paid_items, rate, amount, source)
SELECT b.contributor_id, b.currency, b.engagement_id, b.project_id, 'bonus', 0, 0, NULL,
       round(b.base * r.percent / 100),
       jsonb_build_object('quality_score', q.score, 'threshold', r.min_quality_score, 'percent', r.percent,
                          'base_minor', b.base, 'rule', r.id, 'score_computed_at', q.computed_at)
FROM (SELECT contributor_id, currency, engagement_id, project_id, sum(amount) AS base
      FROM pr_lines GROUP BY 1, 2, 3, 4) b
JOIN LATERAL (
    SELECT id, min_quality_score, percent FROM marketplace_bonusrule
    WHERE project_id = b.project_id AND effective_from <= %(end)s
    ORDER BY effective_from DESC, id DESC LIMIT 1
) r ON true
JOIN marketplace_qualityscore q ON q.contributor_id = b.contributor_id AND q.project_id = b.project_id
WHERE q.score >= r.min_quality_score AND round(b.base * r.percent / 100) > 0;
"""

DAYS_SQL = """
CREATE TEMP TABLE pr_days ON COMMIT DROP AS
SELECT contributor_id, currency, work_date, sum(minutes) AS minutes
FROM pr_daywork
GROUP BY contributor_id, currency, work_date;
ANALYZE pr_days;
"""

FLOOR_TABLE_SQL = """
CREATE TEMP TABLE pr_floor (
    country varchar(2), subdivision varchar(6), currency varchar(3), day date, hourly numeric, source text
) ON COMMIT DROP;
"""

STATEMENTS_SQL = """
CREATE TEMP TABLE pr_totals ON COMMIT DROP AS
SELECT d.contributor_id, d.currency, c.country, c.subdivision,
       sum(d.minutes) AS minutes_worked,
       COALESCE(sum(d.minutes * f.hourly / 60), 0) AS floor_due
FROM pr_days d
JOIN contributors_contributor c ON c.id = d.contributor_id
LEFT JOIN pr_floor f ON f.country = c.country AND f.subdivision = c.subdivision
                    AND f.currency = d.currency AND f.day = d.work_date
GROUP BY d.contributor_id, d.currency, c.country, c.subdivision;
ANALYZE pr_totals;

INSERT INTO payouts_paystatement (
    run_id, contributor_id, currency, country, subdivision, minutes_worked,
    pay_minor, floor_due_minor, topup_minor, total_minor, effective_hourly_minor)
SELECT %(run)s, t.contributor_id, t.currency, t.country, t.subdivision, t.minutes_worked,
       COALESCE(p.pay, 0), ceil(t.floor_due),
       GREATEST(ceil(t.floor_due) - COALESCE(p.pay, 0), 0),
       COALESCE(p.pay, 0) + GREATEST(ceil(t.floor_due) - COALESCE(p.pay, 0), 0),
       round(COALESCE(p.pay, 0) * 60 / t.minutes_worked)
FROM pr_totals t
LEFT JOIN (SELECT contributor_id, currency, sum(amount) AS pay FROM pr_lines GROUP BY 1, 2) p
       ON p.contributor_id = t.contributor_id AND p.currency = t.currency;

INSERT INTO payouts_payline (
    statement_id, kind, engagement_id, description, minutes, quantity, rate_minor, amount_minor, source)
SELECT st.id, l.kind, l.engagement_id,
       CASE l.kind WHEN 'task' THEN 'Tasks: ' WHEN 'training' THEN 'Training, onboarding and assessments: '
                   WHEN 'bonus' THEN 'Quality bonus: ' ELSE 'Hourly work: ' END || pr.title,
       l.paid_minutes, l.paid_items, round(l.rate), l.amount, l.source
FROM pr_lines l
JOIN payouts_paystatement st ON st.run_id = %(run)s AND st.contributor_id = l.contributor_id AND st.currency = l.currency
JOIN marketplace_project pr ON pr.id = l.project_id;

-- The day-by-day computation is kept only where it led to a top-up.
INSERT INTO payouts_payline (statement_id, kind, description, minutes, quantity, amount_minor, source)
SELECT st.id, 'topup', 'Top-up to the minimum wage for every minute worked', st.minutes_worked, 0, st.topup_minor,
       jsonb_build_object('floor_due_minor', st.floor_due_minor, 'pay_minor', st.pay_minor, 'days', dj.days)
FROM payouts_paystatement st
JOIN (
    SELECT d.contributor_id, d.currency,
           jsonb_agg(jsonb_build_object(
               'day', d.work_date, 'minutes', d.minutes, 'floor_hourly', round(f.hourly, 4), 'source', f.source
           ) ORDER BY d.work_date) AS days
    FROM pr_days d
    JOIN payouts_paystatement t ON t.contributor_id = d.contributor_id AND t.currency = d.currency
                               AND t.run_id = %(run)s AND t.topup_minor > 0
    LEFT JOIN pr_floor f ON f.country = t.country AND f.subdivision = t.subdivision
                        AND f.currency = d.currency AND f.day = d.work_date
    GROUP BY d.contributor_id, d.currency
) dj ON dj.contributor_id = st.contributor_id AND dj.currency = st.currency
WHERE st.run_id = %(run)s AND st.topup_minor > 0;
"""

JURISDICTIONS_SQL = """
SELECT DISTINCT c.country, c.subdivision, d.currency
FROM pr_days d JOIN contributors_contributor c ON c.id = d.contributor_id
"""

TOTALS_SQL = """
SELECT count(*), COALESCE(sum(minutes_worked), 0), COALESCE(sum(pay_minor), 0), COALESCE(sum(topup_minor), 0),
       count(*) FILTER (WHERE topup_minor > 0)
FROM payouts_paystatement WHERE run_id = %(run)s
"""


def _floor_rows(jurisdictions: list[tuple[str, str, str]], start: date, end: date) -> list[tuple]:
    """(country, subdivision, currency, day, hourly floor in that currency, source) for each day."""
    rows = []
    day = start
    while day <= end:
        for country, subdivision, currency in jurisdictions:
            floor = minimum_wage_on(country=country, subdivision=subdivision, on=day)
            if floor is None:
                continue
            try:
                rate = fx_rate_on(base=floor.currency, quote=currency, on=day)
            except ReferenceDataMissing:
                continue
            # Exact, in the statement currency's minor units; rounded only once per statement.
            hourly = (
                Decimal(floor.hourly_minor).scaleb(-money.exponent(floor.currency))
                * rate
                * Decimal(1).scaleb(money.exponent(currency))
            )
            rows.append((country, subdivision, currency, day, hourly, floor.source_url))
        day += timedelta(days=1)
    return rows


def compute_statements(*, run_id: int, start: date, end: date, progress=lambda percent, step: None) -> dict:
    """Write the run's statements and lines; must run inside a transaction."""
    params = {"run": run_id, "start": start, "end": end}
    with connection.cursor() as cursor:
        # A second run inside one outer transaction (as in tests) must not find the first's tables.
        cursor.execute("DROP TABLE IF EXISTS pr_daywork, pr_lines, pr_days, pr_floor, pr_totals")
        progress(10, "reading the week's work")
        cursor.execute(DAYWORK_SQL, params)
        progress(30, "pricing approved work")
        cursor.execute(LINES_SQL, params)
        cursor.execute(BONUS_SQL, params)
        progress(40, "adding up every minute worked, day by day")
        cursor.execute(DAYS_SQL, params)
        progress(50, "looking up minimum wages day by day")
        cursor.execute(FLOOR_TABLE_SQL)
        cursor.execute(JURISDICTIONS_SQL)
        floors = _floor_rows([tuple(row) for row in cursor.fetchall()], start, end)
        if floors:
            cursor.executemany(
                "INSERT INTO pr_floor (country, subdivision, currency, day, hourly, source) VALUES (%s, %s, %s, %s, %s, %s)",
                floors,
            )
        cursor.execute("ANALYZE pr_floor")
        progress(65, "writing statements and top-ups")
        # Every join here is between whole sets; the planner misjudges the four-column
        # floor lookup as selective and would otherwise pick nested loops over it.
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(STATEMENTS_SQL, params)
        cursor.execute("SET LOCAL enable_nestloop = on")
        cursor.execute(TOTALS_SQL, params)
        statements, minutes, pay, topups, topped_up = cursor.fetchone()
    progress(95, "done")
    return {
        "statements": statements,
        "minutes_worked": int(minutes),
        "pay_minor": int(pay),
        "topup_minor": int(topups),
        "statements_topped_up": topped_up,
    }
