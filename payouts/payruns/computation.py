"""The pay run: a week of logged work turned into statements, in one set-based pass.

For every expert and currency in the week:
- minutes worked: every logged minute of every kind and review outcome (approved,
  waiting, rejected), time entries and tasks alike;
- pay: approved hourly minutes at each engagement's locked rate (one line per engagement
  and kind, rounded half up once), approved tasks at the locked task price;
- floor due: for each day, that day's minutes at the minimum wage in force that day in the
  jurisdiction the expert was in that day (their effective-dated history, never the one
  chosen since; the higher of the national and the subdivision rate), converted
  at that day's FX rate, summed exactly and rounded up once;
- top-up: what the week falls short of the floor the way the law of each day measures it
  (``payouts.floors``): each item on its own, each day, or the workweek or pay period as a
  whole; the exact shortfalls summed and rounded up once, never less than the floor due
  less the pay; its own line, with the day-by-day computation attached;
- adjustments: for every earlier, approved week whose pay changed since (work approved
  late, an appeal upheld), that week recomputed for that expert and the difference from
  what was paid for it, line by line, paid now, its top-up measured again the same way
  over every minute now counted (late work included); the earlier statement is never
  edited.

Each line records its items and minutes; ``selectors.pay_line_items`` finds the items: the
engagement's approved work of that kind in the week, approved at or before
``PayRun.work_read_at``, the moment the run locked the week. Reviews that change what an
item pays hold the week's row shared and stamp their approval after taking it, so every
approval is either before that moment (and paid by the run) or after it (and marked for
an adjustment in the next run): the rule is exact, and a run may be computed in shards,
each in its own transaction, with the same result.

Everything happens in SQL over whole sets (temporary tables inside one transaction); the
only Python loop is over the handful of (jurisdiction, currency, day) floors. Which work is
paid and as which kind is ``marketplace.payable``'s rule; the floor and the top-up are
``payouts.floors``'s; statuses and kinds reach the SQL from the models' choices.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import connection

from config.sql import sql_list, sql_literal
from contributors.models import Contributor
from marketplace.models import BonusRule, Engagement, Project, QualityScore
from marketplace.payable import (
    DISPUTE_TABLE,
    FLOOR_COUNTED,
    FLOOR_EXCLUDED,
    FLOOR_WITHHELD,
    HOURLY_PAY_MODEL_SQL,
    TASK_PAY_KIND_SQL,
    TASK_TABLE,
    TIME_ENTRY_TABLE,
    approved_as_of_sql,
    approved_at_sql,
    floor_standing_sql,
    time_entry_pay_kind_sql,
)
from payouts.floors import (
    after_costs_sql,
    cost_rate_sql,
    expert_jurisdiction_days_sql,
    expert_jurisdiction_on_sql,
    floor_day_hourly_sql,
    floor_due_minor_sql,
    floor_due_sql,
    floor_rows_by_day,
    pay_run_floor_rows,
    shortfall_days_sql,
    shortfall_sql,
    topup_sql,
    unit_shortfall_sql,
)
from payouts.models import AveragingUnit, PayLineKind, PayoutAccount, PayPeriodStatus, PayRunStatus

ENGAGEMENTS = Engagement._meta.db_table
PAYOUT_ACCOUNTS = PayoutAccount._meta.db_table
PROJECTS = Project._meta.db_table
CONTRIBUTORS = Contributor._meta.db_table

# Pay line kinds and run statuses, from their choices.
TASK, TRAINING, HOURLY = TASK_PAY_KIND_SQL, sql_literal(PayLineKind.TRAINING), sql_literal(PayLineKind.HOURLY)
BONUS, TOPUP_KIND, ADJUSTMENT = (
    sql_literal(kind) for kind in (PayLineKind.BONUS, PayLineKind.TOPUP, PayLineKind.ADJUSTMENT)
)
RUN_APPROVED = sql_literal(PayRunStatus.APPROVED)

# What an engagement pays for an hour of time logged against it: its rate, or for a
# per-task engagement the task price over the task's estimate.
HOURLY_RATE = f"""CASE WHEN e.pay_model = {HOURLY_PAY_MODEL_SQL} THEN e.rate_minor::numeric
                      ELSE e.rate_minor::numeric * 60 / e.task_estimate_minutes END"""


# Paid by this run: approved no later than the run started. Whatever is approved after
# that is marked for the next run's adjustments, so it is paid exactly once.
def _paid(alias: str) -> str:
    return approved_as_of_sql(alias, "%(read_at)s")


# The week's work, every status, read straight from the work tables (no copy of them),
# with each item's standing for the floor (time a lab disputes is withheld until decided).
WORK = f"""
    SELECT t.engagement_id, t.work_date, t.minutes,
           {time_entry_pay_kind_sql("t")} AS kind,
           {_paid("t")} AS paid,
           {floor_standing_sql("d", "%(read_at)s")} AS floor
    FROM {TIME_ENTRY_TABLE} t
    LEFT JOIN {DISPUTE_TABLE} d ON d.time_entry_id = t.id
    WHERE t.is_current AND t.work_date BETWEEN %(start)s AND %(end)s
      AND t.contributor_id BETWEEN %(first)s AND %(last)s
    UNION ALL
    SELECT s.engagement_id, s.work_date, s.minutes, {TASK_PAY_KIND_SQL}, {_paid("s")}, '{FLOOR_COUNTED}'
    FROM {TASK_TABLE} s
    WHERE s.work_date BETWEEN %(start)s AND %(end)s
      AND s.contributor_id BETWEEN %(first)s AND %(last)s
"""


def _work_sql(days: int) -> str:
    """One pass over the week's work, grouped by engagement and kind with columns of
    minutes per day, before anything is joined to it: everything later reads this table
    of about one row per expert and project. The work is first summed per day, so the
    columns per day are built from a few rows per engagement rather than from every item."""

    def by_day(column: str) -> str:
        return ", ".join(
            f"COALESCE(sum(d.{column}) FILTER (WHERE d.work_date = %(start)s::date + {k}), 0)" for k in range(days)
        )

    return f"""
CREATE TEMP TABLE pr_work ON COMMIT DROP AS
SELECT e.contributor_id, e.currency, d.engagement_id, e.project_id, d.kind,
       d.day_minutes, d.paid_day_minutes, d.paid_counted_day_minutes, d.paid_day_items, d.minutes,
       d.withheld_minutes, d.paid_minutes, d.paid_items,
       CASE WHEN d.kind = {TASK} THEN e.rate_minor::numeric ELSE {HOURLY_RATE} END AS rate
FROM (
    SELECT d.engagement_id, d.kind,
           -- Minutes per day are those the floor is owed on; minutes worked leave out only
           -- time operations found was not worked.
           ARRAY[{by_day("counted")}]::bigint[] AS day_minutes,
           ARRAY[{by_day("paid_minutes")}]::bigint[] AS paid_day_minutes,
           ARRAY[{by_day("paid_counted")}]::bigint[] AS paid_counted_day_minutes,
           ARRAY[{by_day("paid_items")}]::bigint[] AS paid_day_items,
           sum(d.minutes) AS minutes, sum(d.withheld) AS withheld_minutes,
           sum(d.paid_minutes) AS paid_minutes, sum(d.paid_items) AS paid_items
    FROM (
        SELECT w.engagement_id, w.kind, w.work_date,
               COALESCE(sum(w.minutes) FILTER (WHERE w.floor = '{FLOOR_COUNTED}'), 0) AS counted,
               COALESCE(sum(w.minutes) FILTER (WHERE w.floor <> '{FLOOR_EXCLUDED}'), 0) AS minutes,
               COALESCE(sum(w.minutes) FILTER (WHERE w.floor = '{FLOOR_WITHHELD}'), 0) AS withheld,
               COALESCE(sum(w.minutes) FILTER (WHERE w.paid), 0) AS paid_minutes,
               COALESCE(sum(w.minutes) FILTER (WHERE w.paid AND w.floor = '{FLOOR_COUNTED}'), 0) AS paid_counted,
               count(*) FILTER (WHERE w.paid) AS paid_items
        FROM ({WORK}) w
        GROUP BY w.engagement_id, w.kind, w.work_date
    ) d
    GROUP BY d.engagement_id, d.kind
) d JOIN {ENGAGEMENTS} e ON e.id = d.engagement_id;
ANALYZE pr_work;
"""


LINES_SQL = f"""
CREATE TEMP TABLE pr_lines ON COMMIT DROP AS
SELECT contributor_id, currency, engagement_id, project_id, kind, paid_minutes, paid_items, rate,
       -- numeric round() is half away from zero: half up for these positive amounts.
       CASE WHEN kind = {TASK} THEN paid_items * rate ELSE round(paid_minutes * rate / 60) END AS amount,
       '{{}}'::jsonb AS source
FROM pr_work
WHERE paid_items > 0;
"""

BONUS_SQL = f"""
-- Quality bonuses: the rule in force at the week's end, applied to the engagement's
-- approved pay when the expert's score on that project reaches its threshold; the
-- inputs are kept with the line.
INSERT INTO pr_lines (contributor_id, currency, engagement_id, project_id, kind, paid_minutes, paid_items, rate, amount, source)
SELECT b.contributor_id, b.currency, b.engagement_id, b.project_id, {BONUS}, 0, 0, NULL,
       round(b.base * r.percent / 100),
       jsonb_build_object('quality_score', COALESCE(q.corrected_score, q.score), 'threshold', r.min_quality_score, 'percent', r.percent,
                          'base_minor', b.base, 'rule', r.id, 'score_computed_at', q.computed_at)
FROM (SELECT contributor_id, currency, engagement_id, project_id, sum(amount) AS base
      FROM pr_lines GROUP BY 1, 2, 3, 4) b
JOIN LATERAL (
    SELECT id, min_quality_score, percent FROM {BonusRule._meta.db_table}
    WHERE project_id = b.project_id AND effective_from <= %(end)s
    ORDER BY effective_from DESC, id DESC LIMIT 1
) r ON true
JOIN {QualityScore._meta.db_table} q ON q.contributor_id = b.contributor_id AND q.project_id = b.project_id
-- A score operations set aside is read by no threshold; a corrected one stands in.
WHERE NOT q.set_aside AND COALESCE(q.corrected_score, q.score) >= r.min_quality_score
  AND round(b.base * r.percent / 100) > 0;
"""

# Each jurisdiction's floor day by day, in each pay currency: hourly[k] and its source for
# the week's k-th day (1-based, as SQL arrays are).
FLOOR_TABLE_SQL = """
CREATE TEMP TABLE pr_floor (
    country varchar(2), subdivision varchar(6), currency varchar(3), hourly numeric[], sources text[],
    units text[], fx_rates numeric[]
) ON COMMIT DROP;
"""


def _jurisdiction_days_sql(days: int) -> str:
    """Where each expert of the week worked from, day by day: the jurisdiction in force on
    the day of the work, whenever the expert changed it since."""
    return f"""
CREATE TEMP TABLE pr_jur ON COMMIT DROP AS
{expert_jurisdiction_days_sql(contributors="(SELECT DISTINCT contributor_id FROM pr_work)", days=days)};
ANALYZE pr_jur;
"""


def _totals_sql(days: int) -> str:
    """Each expert's week in each currency, a column per day: minutes counted for the floor,
    the exact pay of the day's approved work, the minutes not paid (yet), and the floor of
    that day's jurisdiction with its averaging unit, exchange rate and source; with the
    minutes worked, the floor owed on them, the week's bonuses and the share lost to costs
    (``cost_rate``)."""
    ks = range(1, days + 1)
    day_sums = ", ".join(f"sum(day_minutes[{k}])" for k in ks)
    pay_sums = ", ".join(
        f"sum(CASE WHEN kind = {TASK} THEN paid_day_items[{k}] * rate ELSE paid_day_minutes[{k}] * rate / 60 END)"
        for k in ks
    )
    unpaid_sums = ", ".join(f"sum(day_minutes[{k}] - paid_counted_day_minutes[{k}])" for k in ks)
    floor_due = floor_due_sql(day_minutes="t.day_minutes", hourly="j.hourly", days=days)
    cost_rate = cost_rate_sql(statement_currency="t.currency", payout_currency="a.default_currency")

    def by_day(column: str) -> str:
        return ", ".join(f"max({column}) FILTER (WHERE x.k = {k})" for k in ks)

    def last_of(column: str, present: str | None = None) -> str:
        # The value on the week's last day that has one (of ``present``, when given).
        present = present or column
        return ", ".join(f"max({column}) FILTER (WHERE x.k = {k} AND {present} IS NOT NULL)" for k in reversed(ks))

    return f"""
CREATE TEMP TABLE pr_totals ON COMMIT DROP AS
SELECT t.contributor_id, t.currency,
       COALESCE(j.country, c.country) AS country, COALESCE(j.subdivision, c.subdivision) AS subdivision,
       t.minutes_worked, t.withheld_minutes, {floor_due} AS floor_due,
       t.day_minutes, t.pay_day, t.unpaid_day, j.hourly AS floor_hourly, j.sources AS floor_sources,
       j.units AS floor_units, j.fx_rates AS floor_fx, {cost_rate} AS cost_rate, COALESCE(b.bonus, 0) AS bonus,
       -- The statement names the unit of the week's last day with a floor.
       j.last_unit AS averaging_unit
FROM (SELECT contributor_id, currency, ARRAY[{day_sums}]::bigint[] AS day_minutes,
             ARRAY[{pay_sums}]::numeric[] AS pay_day, ARRAY[{unpaid_sums}]::bigint[] AS unpaid_day,
             sum(minutes) AS minutes_worked, sum(withheld_minutes) AS withheld_minutes
      FROM pr_work GROUP BY contributor_id, currency) t
JOIN {CONTRIBUTORS} c ON c.id = t.contributor_id
LEFT JOIN {PAYOUT_ACCOUNTS} a ON a.contributor_id = t.contributor_id
LEFT JOIN (SELECT contributor_id, currency, sum(amount) AS bonus FROM pr_lines WHERE kind = {BONUS} GROUP BY 1, 2) b
       ON b.contributor_id = t.contributor_id AND b.currency = t.currency
LEFT JOIN (
    -- Each day's floor in the pay currency under that day's jurisdiction; the statement
    -- names the jurisdiction of the week's last day with one.
    SELECT x.contributor_id, x.currency,
           ARRAY[{by_day("x.hourly")}]::numeric[] AS hourly,
           ARRAY[{by_day("x.source")}]::text[] AS sources,
           ARRAY[{by_day("x.unit")}]::text[] AS units,
           ARRAY[{by_day("x.fx_rate")}]::numeric[] AS fx_rates,
           COALESCE({last_of("x.unit")}) AS last_unit,
           COALESCE({last_of("x.country")}) AS country,
           COALESCE({last_of("x.subdivision", "x.country")}) AS subdivision
    FROM (
        -- One narrow row per expert, currency and day, gathered into a column per day
        -- without sorting (OFFSET 0 keeps the floor table's whole arrays out of the
        -- aggregate's input).
        SELECT w.contributor_id, w.currency, d.k, d.country, d.subdivision, f.hourly[d.k] AS hourly,
               f.sources[d.k] AS source, f.units[d.k] AS unit, f.fx_rates[d.k] AS fx_rate
        FROM (SELECT DISTINCT contributor_id, currency FROM pr_work) w
        JOIN pr_jur d ON d.contributor_id = w.contributor_id
        LEFT JOIN pr_floor f ON f.country = d.country AND f.subdivision = d.subdivision AND f.currency = w.currency
        OFFSET 0
    ) x
    GROUP BY x.contributor_id, x.currency
) j ON j.contributor_id = t.contributor_id AND j.currency = t.currency;
ANALYZE pr_totals;
"""


def _item_short_sql(days: int) -> str:
    """What the items of days measured item by item fall short of the floor on their own,
    per expert, currency and day: only those days are read again. An hourly item's pay is
    its minutes at its rate, so its shortfall is the same for the day's minutes of its
    engagement together; unpaid work owes its whole floor; a task's price is fixed, so paid
    tasks are measured one by one."""
    hourly = "i.hourly"
    paid = "w.paid_counted_day_minutes[i.k]"
    per_day = ", ".join(f"sum(x.short) FILTER (WHERE x.k = {k})" for k in range(1, days + 1))
    unpaid_short = unit_shortfall_sql(minutes="i.unpaid", hourly=hourly, pay="0")
    hourly_short = unit_shortfall_sql(minutes=paid, hourly=hourly, pay=f"{paid} * w.rate / 60")
    task_short = unit_shortfall_sql(minutes="s.minutes", hourly=hourly, pay="e.rate_minor")
    return f"""
CREATE TEMP TABLE pr_item_days ON COMMIT DROP AS
SELECT t.contributor_id, t.currency, k.k, {after_costs_sql("t.floor_hourly[k.k]", "t.cost_rate")} AS hourly,
       t.unpaid_day[k.k] AS unpaid
FROM pr_totals t CROSS JOIN generate_series(1, {int(days)}) AS k(k)
WHERE t.floor_units[k.k] = {sql_literal(AveragingUnit.ITEM)};
ANALYZE pr_item_days;

CREATE TEMP TABLE pr_item_short ON COMMIT DROP AS
SELECT x.contributor_id, x.currency, ARRAY[{per_day}]::numeric[] AS item_short
FROM (
    SELECT i.contributor_id, i.currency, i.k, {unpaid_short} AS short
    FROM pr_item_days i
    UNION ALL
    SELECT w.contributor_id, w.currency, i.k, {hourly_short}
    FROM pr_work w JOIN pr_item_days i ON i.contributor_id = w.contributor_id AND i.currency = w.currency
    WHERE w.kind <> {TASK}
    UNION ALL
    SELECT i.contributor_id, i.currency, i.k, {task_short}
    FROM {TASK_TABLE} s
    JOIN {ENGAGEMENTS} e ON e.id = s.engagement_id
    JOIN pr_item_days i ON i.contributor_id = s.contributor_id AND i.currency = e.currency
                       AND i.k = s.work_date - %(start)s::date + 1
    WHERE s.work_date BETWEEN %(start)s AND %(end)s
      AND s.contributor_id IN (SELECT contributor_id FROM pr_item_days) AND {_paid("s")}
) x
GROUP BY x.contributor_id, x.currency;
"""


def _short_sql(days: int) -> str:
    """What each week falls short under its days' units, the floor raised by the costs the
    expert bears; the week's bonuses count towards the days measured over the week."""
    shortfall = shortfall_days_sql(
        days=days,
        units="t.floor_units",
        minutes="t.day_minutes",
        hourly="t.floor_hourly",
        pay="t.pay_day",
        item_short="i.item_short",
        cost_rate="t.cost_rate",
        extra_pay="t.bonus",
    )
    return f"""
CREATE TEMP TABLE pr_short ON COMMIT DROP AS
SELECT t.contributor_id, t.currency, i.item_short, {shortfall} AS shortfall
FROM pr_totals t
LEFT JOIN pr_item_short i ON i.contributor_id = t.contributor_id AND i.currency = t.currency;
ANALYZE pr_short;
"""


# Weeks whose pay changed after they were locked, taken on by this run; a replaced or
# failed draft's claims pass to the next run.
CLAIM_SQL = f"""
CREATE TEMP TABLE pr_claimed (
    contributor_id bigint, period_id bigint, starts_on date, ends_on date, read_at timestamptz, reasons text[]
) ON COMMIT DROP;
WITH claimed AS (
    UPDATE payouts_payrecompute m SET claimed_by_run_id = %(run)s
    FROM payouts_payperiod p
    WHERE p.id = m.period_id AND m.applied_in_run_id IS NULL
      AND p.status IN ({sql_list((PayPeriodStatus.APPROVED, PayPeriodStatus.PAID))}) AND p.starts_on < %(start)s
      AND m.created_at <= %(read_at)s AND m.contributor_id BETWEEN %(first)s AND %(last)s
      AND (m.claimed_by_run_id IS NULL
           OR m.claimed_by_run_id IN (SELECT id FROM payouts_payrun
                                      WHERE status IN ({sql_list((PayRunStatus.REPLACED, PayRunStatus.FAILED))})))
    RETURNING m.contributor_id, m.period_id, p.starts_on, p.ends_on, m.reason
)
INSERT INTO pr_claimed
SELECT c.contributor_id, c.period_id, c.starts_on, c.ends_on,
       (SELECT max(r.work_read_at) FROM payouts_payrun r WHERE r.period_id = c.period_id AND r.status = {RUN_APPROVED}),
       array_agg(DISTINCT c.reason ORDER BY c.reason)
FROM claimed c GROUP BY 1, 2, 3, 4;
ANALYZE pr_claimed;
"""

# Those weeks' work as it stands now, item by item (a handful of weeks of a few experts),
# with what each item pays and its standing for the floor as of this run.
ADJ_ITEMS_SQL = f"""
CREATE TEMP TABLE pr_adj_items ON COMMIT DROP AS
SELECT w.contributor_id, w.period_id, e.currency, w.engagement_id, e.project_id, w.kind, w.work_date, w.minutes,
       w.item_id, w.paid, w.late, w.floor,
       CASE WHEN NOT w.paid THEN 0 WHEN w.kind = {TASK} THEN e.rate_minor::numeric
            ELSE w.minutes * {HOURLY_RATE} / 60 END AS pay
FROM (
    SELECT c.contributor_id, c.period_id, t.engagement_id, t.work_date, t.minutes, t.id AS item_id,
           {time_entry_pay_kind_sql("t")} AS kind,
           {_paid("t")} AS paid,
           COALESCE({approved_at_sql("t")} > c.read_at, false) AS late,
           {floor_standing_sql("d", "%(read_at)s")} AS floor
    FROM pr_claimed c JOIN {TIME_ENTRY_TABLE} t
      ON t.contributor_id = c.contributor_id AND t.work_date BETWEEN c.starts_on AND c.ends_on AND t.is_current
    LEFT JOIN {DISPUTE_TABLE} d ON d.time_entry_id = t.id
    UNION ALL
    SELECT c.contributor_id, c.period_id, s.engagement_id, s.work_date, s.minutes, s.id, {TASK},
           {_paid("s")},
           COALESCE({approved_at_sql("s")} > c.read_at, false), '{FLOOR_COUNTED}'
    FROM pr_claimed c JOIN {TASK_TABLE} s
      ON s.contributor_id = c.contributor_id AND s.work_date BETWEEN c.starts_on AND c.ends_on
) w JOIN {ENGAGEMENTS} e ON e.id = w.engagement_id;
ANALYZE pr_adj_items;

-- Where each expert worked from on each day of those weeks.
CREATE TEMP TABLE pr_adj_jur ON COMMIT DROP AS
SELECT x.contributor_id, x.work_date, j.country, j.subdivision
FROM (SELECT DISTINCT contributor_id, work_date FROM pr_adj_items) x
LEFT JOIN LATERAL ({expert_jurisdiction_on_sql(contributor="x.contributor_id", day="x.work_date")}) j ON true;
CREATE TEMP TABLE pr_adj_floor (
    country varchar(2), subdivision varchar(6), currency varchar(3), day date, hourly numeric, unit text
) ON COMMIT DROP;
"""

ADJ_FLOOR_PLACES_SQL = """
SELECT DISTINCT j.country, j.subdivision, i.currency, i.work_date
FROM pr_adj_items i JOIN pr_adj_jur j ON j.contributor_id = i.contributor_id AND j.work_date = i.work_date
WHERE j.country IS NOT NULL
"""

# A claimed week's items measured on their own, and its top-up as it stands now, the floor
# after the costs the expert bears.
_ADJ_COST_RATE = cost_rate_sql(statement_currency="i.currency", payout_currency="a.default_currency")
_ADJ_ITEM_SHORT = unit_shortfall_sql(
    minutes="i.minutes", hourly=after_costs_sql("f.hourly", "i.cost_rate"), pay="i.pay"
)
_ADJ_TOPUP = topup_sql(
    floor_due_minor=floor_due_minor_sql("sum(d.minutes * COALESCE(d.hourly, 0)) / 60"),
    pay_minor="COALESCE(max(n.pay), 0)",
    shortfall=shortfall_sql(
        unit="d.unit",
        minutes="d.minutes",
        hourly=after_costs_sql("d.hourly", "d.cost_rate"),
        pay="d.pay",
        item_short="d.item_short",
        extra_pay="COALESCE(max(n.bonus), 0)",
    ),
)

# Those weeks priced again exactly as their run priced them, over the work as it is now.
ADJUSTMENT_SQL = f"""
CREATE TEMP TABLE pr_adj_now ON COMMIT DROP AS
SELECT contributor_id, period_id, currency, engagement_id, project_id, kind,
       COALESCE(sum(minutes) FILTER (WHERE paid), 0) AS paid_minutes,
       count(*) FILTER (WHERE paid) AS paid_items,
       round(sum(pay)) AS amount,
       COALESCE(array_agg(item_id ORDER BY item_id) FILTER (WHERE paid AND late), '{{}}') AS late_ids
FROM pr_adj_items
GROUP BY contributor_id, period_id, currency, engagement_id, project_id, kind;

-- What each of those weeks' lines has paid so far: the week's own run, and any earlier
-- adjustments to it.
CREATE TEMP TABLE pr_adj_paid ON COMMIT DROP AS
SELECT c.contributor_id, c.period_id, st.currency, l.engagement_id, l.kind, sum(l.amount_minor) AS amount,
       (array_agg(l.source ORDER BY l.id) FILTER (WHERE l.kind = {BONUS}))[1] AS bonus_source
FROM pr_claimed c
JOIN payouts_payrun r ON r.period_id = c.period_id AND r.status = {RUN_APPROVED}
JOIN payouts_paystatement st ON st.run_id = r.id AND st.contributor_id = c.contributor_id
JOIN payouts_payline l ON l.statement_id = st.id AND l.kind <> {ADJUSTMENT}
GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT c.contributor_id, c.period_id, st.currency, l.engagement_id, l.adjusts_kind, sum(l.amount_minor), NULL
FROM pr_claimed c
JOIN payouts_payline l ON l.adjusts_period_id = c.period_id
JOIN payouts_paystatement st ON st.id = l.statement_id AND st.contributor_id = c.contributor_id
JOIN payouts_payrun r ON r.id = st.run_id AND r.status = {RUN_APPROVED}
GROUP BY 1, 2, 3, 4, 5;

-- A bonus the week earned is paid on the late work too, at the percentage it was paid at.
INSERT INTO pr_adj_now (contributor_id, period_id, currency, engagement_id, project_id, kind, paid_minutes,
                        paid_items, amount, late_ids)
SELECT n.contributor_id, n.period_id, n.currency, n.engagement_id, n.project_id, {BONUS}, 0, 0,
       round(sum(n.amount) * (b.bonus_source ->> 'percent')::numeric / 100), '{{}}'
FROM pr_adj_now n
JOIN pr_adj_paid b ON b.contributor_id = n.contributor_id AND b.period_id = n.period_id
                  AND b.currency = n.currency AND b.engagement_id = n.engagement_id AND b.kind = {BONUS}
                  AND b.bonus_source IS NOT NULL
GROUP BY n.contributor_id, n.period_id, n.currency, n.engagement_id, n.project_id, b.bonus_source;

-- The week's top-up as it stands now: its days under their units, over every minute now
-- counted (late work and disputed time since found worked included) and the pay now
-- approved; the difference from the top-up paid so far is the adjustment.
CREATE TEMP TABLE pr_adj_day ON COMMIT DROP AS
SELECT i.contributor_id, i.period_id, i.currency, i.work_date, f.unit, f.hourly, i.cost_rate,
       COALESCE(sum(i.minutes) FILTER (WHERE i.floor = '{FLOOR_COUNTED}'), 0) AS minutes,
       sum(i.pay) AS pay,
       COALESCE(sum({_ADJ_ITEM_SHORT}) FILTER (WHERE i.floor = '{FLOOR_COUNTED}'), 0) AS item_short
FROM (SELECT i.*, {_ADJ_COST_RATE} AS cost_rate
      FROM pr_adj_items i LEFT JOIN {PAYOUT_ACCOUNTS} a ON a.contributor_id = i.contributor_id) i
JOIN pr_adj_jur j ON j.contributor_id = i.contributor_id AND j.work_date = i.work_date
LEFT JOIN pr_adj_floor f ON f.country = j.country AND f.subdivision = j.subdivision AND f.currency = i.currency
                        AND f.day = i.work_date
GROUP BY 1, 2, 3, 4, 5, 6, 7;

INSERT INTO pr_adj_now (contributor_id, period_id, currency, engagement_id, project_id, kind, paid_minutes,
                        paid_items, amount, late_ids)
SELECT d.contributor_id, d.period_id, d.currency, NULL, NULL, {TOPUP_KIND}, 0, 0,
       {_ADJ_TOPUP}, '{{}}'
FROM pr_adj_day d
LEFT JOIN (SELECT contributor_id, period_id, currency, sum(amount) AS pay,
                  COALESCE(sum(amount) FILTER (WHERE kind = {BONUS}), 0) AS bonus
           FROM pr_adj_now GROUP BY 1, 2, 3) n
       ON n.contributor_id = d.contributor_id AND n.period_id = d.period_id AND n.currency = d.currency
GROUP BY d.contributor_id, d.period_id, d.currency;

CREATE TEMP TABLE pr_adj_lines ON COMMIT DROP AS
SELECT COALESCE(n.contributor_id, p.contributor_id) AS contributor_id,
       COALESCE(n.period_id, p.period_id) AS period_id,
       COALESCE(n.currency, p.currency) AS currency,
       COALESCE(n.engagement_id, p.engagement_id) AS engagement_id,
       COALESCE(n.kind, p.kind) AS kind,
       COALESCE(n.amount, 0) - COALESCE(p.amount, 0) AS amount,
       COALESCE(p.amount, 0) AS was, COALESCE(n.amount, 0) AS now,
       COALESCE(n.paid_minutes, 0) AS minutes, COALESCE(n.paid_items, 0) AS items,
       COALESCE(n.late_ids, '{{}}') AS late_ids
FROM pr_adj_now n
FULL JOIN (SELECT contributor_id, period_id, currency, engagement_id, kind, sum(amount) AS amount
           FROM pr_adj_paid GROUP BY 1, 2, 3, 4, 5) p
       ON p.contributor_id = n.contributor_id AND p.period_id = n.period_id AND p.currency = n.currency
      AND p.engagement_id IS NOT DISTINCT FROM n.engagement_id AND p.kind = n.kind
WHERE COALESCE(n.amount, 0) <> COALESCE(p.amount, 0);

-- Someone with corrections to pay but no work this week still gets a statement.
INSERT INTO pr_totals (contributor_id, currency, country, subdivision, minutes_worked, floor_due)
SELECT a.contributor_id, a.currency, COALESCE(j.country, c.country), COALESCE(j.subdivision, c.subdivision), 0, 0
FROM (SELECT DISTINCT contributor_id, currency FROM pr_adj_lines) a
JOIN {CONTRIBUTORS} c ON c.id = a.contributor_id
LEFT JOIN LATERAL ({expert_jurisdiction_on_sql(contributor="a.contributor_id", day="%(end)s")}) j ON true
WHERE NOT EXISTS (SELECT 1 FROM pr_totals t WHERE t.contributor_id = a.contributor_id AND t.currency = a.currency);
"""

FLOOR_DUE_MINOR = floor_due_minor_sql("t.floor_due")
STATEMENT_TOPUP = topup_sql(
    floor_due_minor=FLOOR_DUE_MINOR, pay_minor="COALESCE(p.pay, 0)", shortfall="COALESCE(sh.shortfall, 0)"
)

STATEMENTS_SQL = f"""
ANALYZE pr_totals;

INSERT INTO payouts_paystatement (
    run_id, contributor_id, currency, country, subdivision, averaging_unit, cost_rate, minutes_worked,
    floor_withheld_minutes, pay_minor, floor_due_minor, topup_minor, adjustment_minor, total_minor,
    effective_hourly_minor)
SELECT %(run)s, t.contributor_id, t.currency, t.country, t.subdivision, COALESCE(t.averaging_unit, ''),
       COALESCE(t.cost_rate, 0),
       t.minutes_worked, COALESCE(t.withheld_minutes, 0),
       COALESCE(p.pay, 0), {FLOOR_DUE_MINOR},
       {STATEMENT_TOPUP},
       COALESCE(a.amount, 0),
       COALESCE(p.pay, 0) + {STATEMENT_TOPUP} + COALESCE(a.amount, 0),
       CASE WHEN t.minutes_worked > 0 THEN round(COALESCE(p.pay, 0) * 60 / t.minutes_worked) ELSE 0 END
FROM pr_totals t
LEFT JOIN pr_short sh ON sh.contributor_id = t.contributor_id AND sh.currency = t.currency
LEFT JOIN (SELECT contributor_id, currency, sum(amount) AS pay FROM pr_lines GROUP BY 1, 2) p
       ON p.contributor_id = t.contributor_id AND p.currency = t.currency
LEFT JOIN (SELECT contributor_id, currency, sum(amount) AS amount FROM pr_adj_lines GROUP BY 1, 2) a
       ON a.contributor_id = t.contributor_id AND a.currency = t.currency;

INSERT INTO payouts_payline (
    statement_id, kind, engagement_id, description, minutes, quantity, rate_minor, amount_minor, source)
SELECT st.id, l.kind, l.engagement_id,
       CASE l.kind WHEN {TASK} THEN 'Tasks: ' WHEN {TRAINING} THEN 'Training, onboarding and assessments: '
                   WHEN {BONUS} THEN 'Quality bonus: ' ELSE 'Hourly work: ' END || pr.title,
       l.paid_minutes, l.paid_items, round(l.rate), l.amount, l.source
FROM pr_lines l
JOIN payouts_paystatement st ON st.run_id = %(run)s AND st.contributor_id = l.contributor_id AND st.currency = l.currency
JOIN {PROJECTS} pr ON pr.id = l.project_id;

INSERT INTO payouts_payline (
    statement_id, kind, engagement_id, description, minutes, quantity, amount_minor, source, adjusts_period_id,
    adjusts_kind)
SELECT st.id, {ADJUSTMENT}, a.engagement_id,
       'Week of ' || to_char(pe.starts_on, 'YYYY-MM-DD') || ': '
       || CASE a.kind WHEN {TASK} THEN 'tasks approved since it was paid'
                      WHEN {TRAINING} THEN 'training approved since it was paid'
                      WHEN {HOURLY} THEN 'hours approved since it was paid'
                      WHEN {BONUS} THEN 'quality bonus on the work approved since'
                      ELSE CASE WHEN a.amount > 0 THEN 'minimum wage on time counted since it was paid'
                                ELSE 'minimum-wage top-up now covered by approved pay' END END
       || COALESCE(' on ' || pr.title, ''),
       a.minutes, a.items, a.amount,
       jsonb_build_object('was_minor', a.was, 'now_minor', a.now, 'late_item_ids', to_jsonb(a.late_ids),
                          'period_start', pe.starts_on, 'reasons', to_jsonb(c.reasons)),
       a.period_id, a.kind
FROM pr_adj_lines a
JOIN pr_claimed c ON c.contributor_id = a.contributor_id AND c.period_id = a.period_id
JOIN payouts_payperiod pe ON pe.id = a.period_id
JOIN payouts_paystatement st ON st.run_id = %(run)s AND st.contributor_id = a.contributor_id AND st.currency = a.currency
LEFT JOIN {ENGAGEMENTS} e ON e.id = a.engagement_id
LEFT JOIN {PROJECTS} pr ON pr.id = e.project_id;

-- The day-by-day computation is kept only where it led to a top-up: each day's unit,
-- minutes, floor (and the exchange rate it was converted at), exact pay and what its items
-- fell short by on their own; the week's exact shortfall before its one rounding.
INSERT INTO payouts_payline (statement_id, kind, description, minutes, quantity, amount_minor, source)
SELECT st.id, {TOPUP_KIND}, 'Top-up to the minimum wage for every minute worked', st.minutes_worked, 0, st.topup_minor,
       jsonb_build_object('floor_due_minor', st.floor_due_minor, 'pay_minor', st.pay_minor,
                          'shortfall', round(COALESCE(sh.shortfall, 0), 4), 'cost_rate', COALESCE(t.cost_rate, 0),
                          'days', dd.days)
FROM payouts_paystatement st
JOIN pr_totals t ON t.contributor_id = st.contributor_id AND t.currency = st.currency
LEFT JOIN pr_short sh ON sh.contributor_id = st.contributor_id AND sh.currency = st.currency
LEFT JOIN (
    -- Built in one grouped pass over the days of the statements topped up, not per statement.
    SELECT t.contributor_id, t.currency,
           jsonb_agg(jsonb_build_object(
               'day', %(start)s::date + k.k - 1, 'minutes', t.day_minutes[k.k],
               'floor_hourly', {floor_day_hourly_sql("t.floor_hourly[k.k]")}, 'source', t.floor_sources[k.k],
               'unit', t.floor_units[k.k], 'fx_rate', t.floor_fx[k.k], 'pay', round(t.pay_day[k.k], 4),
               'item_short', round(COALESCE(sh.item_short[k.k], 0), 4))
           ORDER BY k.k) AS days
    FROM pr_totals t
    JOIN payouts_paystatement s ON s.run_id = %(run)s AND s.contributor_id = t.contributor_id
                               AND s.currency = t.currency AND s.topup_minor > 0
    LEFT JOIN pr_short sh ON sh.contributor_id = t.contributor_id AND sh.currency = t.currency
    CROSS JOIN generate_subscripts(t.day_minutes, 1) AS k(k)
    WHERE t.day_minutes[k.k] > 0
    GROUP BY t.contributor_id, t.currency
) dd ON dd.contributor_id = st.contributor_id AND dd.currency = st.currency
WHERE st.run_id = %(run)s AND st.topup_minor > 0;
"""

JURISDICTIONS_SQL = """
SELECT j.country, j.subdivision, w.currency
FROM (SELECT DISTINCT country, subdivision FROM pr_jur WHERE country IS NOT NULL) j
CROSS JOIN (SELECT DISTINCT currency FROM pr_work) w
"""

TOTALS_SQL = """
SELECT count(*), COALESCE(sum(minutes_worked), 0), COALESCE(sum(pay_minor), 0), COALESCE(sum(topup_minor), 0),
       count(*) FILTER (WHERE topup_minor > 0), COALESCE(sum(adjustment_minor), 0),
       count(*) FILTER (WHERE adjustment_minor <> 0)
FROM payouts_paystatement WHERE run_id = %(run)s AND contributor_id BETWEEN %(first)s AND %(last)s
"""


EVERYONE = (0, 2**63 - 1)


def compute_statements(
    *,
    run_id: int,
    start: date,
    end: date,
    read_at: datetime,
    contributors: tuple[int, int] = EVERYONE,
    progress=lambda percent, step: None,
) -> dict:
    """Write the statements and lines of the experts whose ids fall in ``contributors``
    (all of them unless the run is split into shards); must run inside a transaction.

    Work approved after ``read_at`` (when the run started) is left to the next run's
    adjustments, so shards computed at different moments agree, and so does the rule
    that finds each line's items afterwards. Returns the shard's totals.
    """
    params = {"run": run_id, "start": start, "end": end, "read_at": read_at}
    params["first"], params["last"] = contributors
    days = (end - start).days + 1
    with connection.cursor() as cursor:
        # A second run inside one outer transaction (as in tests) must not find the first's tables.
        cursor.execute(
            "DROP TABLE IF EXISTS pr_work, pr_lines, pr_jur, pr_floor, pr_totals, pr_item_days, pr_item_short, pr_short, "
            "pr_claimed, "
            "pr_adj_items, pr_adj_jur, pr_adj_floor, pr_adj_now, pr_adj_paid, pr_adj_day, pr_adj_lines"
        )
        progress(10, "reading the week's work")
        cursor.execute(_work_sql(days), params)
        progress(40, "pricing approved work")
        cursor.execute(LINES_SQL, params)
        cursor.execute(BONUS_SQL, params)
        progress(50, "looking up minimum wages day by day")
        cursor.execute(_jurisdiction_days_sql(days), params)
        cursor.execute(FLOOR_TABLE_SQL)
        cursor.execute(JURISDICTIONS_SQL)
        floors = pay_run_floor_rows([tuple(row) for row in cursor.fetchall()], start, end)
        if floors:
            cursor.executemany(
                "INSERT INTO pr_floor (country, subdivision, currency, hourly, sources, units, fx_rates) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                floors,
            )
        cursor.execute("ANALYZE pr_floor")
        progress(55, "adding up every minute worked, day by day, under each law's unit")
        cursor.execute(_totals_sql(days), params)
        cursor.execute(_item_short_sql(days), params)
        cursor.execute(_short_sql(days), params)
        progress(60, "recomputing earlier weeks whose pay changed")
        cursor.execute(CLAIM_SQL, params)
        cursor.execute(ADJ_ITEMS_SQL, params)
        cursor.execute(ADJ_FLOOR_PLACES_SQL)
        adj_floors = floor_rows_by_day([tuple(row) for row in cursor.fetchall()])
        if adj_floors:
            cursor.executemany(
                "INSERT INTO pr_adj_floor (country, subdivision, currency, day, hourly, unit) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                adj_floors,
            )
        cursor.execute(ADJUSTMENT_SQL, params)
        progress(65, "writing statements and top-ups")
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(STATEMENTS_SQL, params)
        cursor.execute("SET LOCAL enable_nestloop = on")
    progress(95, "done")
    return run_totals(run_id=run_id, contributors=contributors)


def run_totals(*, run_id: int, contributors: tuple[int, int] = EVERYONE) -> dict:
    """What the run's statements (of the experts in ``contributors``) add up to."""
    first, last = contributors
    with connection.cursor() as cursor:
        cursor.execute(TOTALS_SQL, {"run": run_id, "first": first, "last": last})
        statements, minutes, pay, topups, topped_up, adjustments, adjusted = cursor.fetchone()
    return {
        "statements": statements,
        "minutes_worked": int(minutes),
        "pay_minor": int(pay),
        "topup_minor": int(topups),
        "statements_topped_up": topped_up,
        "adjustment_minor": int(adjustments),
        "statements_adjusted": adjusted,
    }
