"""Each pay and work rule has one definition, and its SQL and Python forms agree."""

import zoneinfo
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from config.errors import ApplicationError
from marketplace.models import ActivityKind, ReviewStatus, TaskSubmission, TimeEntry
from marketplace.payable import (
    PayKind,
    approved_as_of_q,
    approved_as_of_sql,
    pay_kind_model,
    pay_kind_of,
    pay_kind_q,
    time_entry_pay_kind_sql,
)
from marketplace.services import (
    ImportRefused,
    time_entries_import,
    time_entry_log,
)
from payouts import floors
from payouts.models import PayPeriod, PayPeriodStatus
from payouts.transfers.sending import payout_send
from payouts.weeks import week_of

from tests.helpers.factories import make_running_engagement

pytestmark = pytest.mark.django_db
LA = zoneinfo.ZoneInfo("America/Los_Angeles")


@pytest.fixture
def engaged(stripe_server):
    """An expert in Los Angeles engaged on an hourly project that started two weeks ago."""
    return make_running_engagement()[0]


# --- payable work ----------------------------------------------------------------------


def _work_of_every_kind(engagement, base: datetime) -> None:
    """Items in every review status, approved at moments around ``base`` or with no moment."""
    before, after = base - timedelta(hours=1), base + timedelta(hours=1)
    variants = [
        {"status": ReviewStatus.SUBMITTED},
        {"status": ReviewStatus.HELD},
        {"status": ReviewStatus.REJECTED, "reviewed_at": before},
        {"status": ReviewStatus.APPEALED, "reviewed_at": before},
        {"status": ReviewStatus.APPROVED},
        {"status": ReviewStatus.APPROVED, "reviewed_at": before},
        {"status": ReviewStatus.APPROVED, "reviewed_at": after},
        {"status": ReviewStatus.APPROVED, "reviewed_at": base},
        {"status": ReviewStatus.APPROVED, "reviewed_at": before, "appeal_decided_at": after},
        {"status": ReviewStatus.APPROVED, "reviewed_at": after, "appeal_decided_at": before},
        {"status": ReviewStatus.APPROVED, "appeal_decided_at": base},
        {"status": ReviewStatus.AUTO_APPROVED},
        {"status": ReviewStatus.AUTO_APPROVED, "auto_approved_at": before},
        {"status": ReviewStatus.AUTO_APPROVED, "auto_approved_at": after},
        {"status": ReviewStatus.AUTO_APPROVED, "auto_approved_at": base},
    ]
    day = timezone.now().date() - timedelta(days=3)
    common = {
        "engagement": engagement,
        "contributor": engagement.contributor,
        "project": engagement.project,
        "work_date": day,
        "minutes": 10,
    }
    activities = list(ActivityKind.values)
    TimeEntry.objects.bulk_create(
        TimeEntry(**common, **variant, activity=activities[k % len(activities)], created_by=engagement.contributor.user)
        for k, variant in enumerate(variants * 2)
    )
    TaskSubmission.objects.bulk_create(
        TaskSubmission(**common, **variant, task_reference=f"t-{k}", estimate_minutes=10)
        for k, variant in enumerate(variants)
    )


def _ids_by_sql(model, moment: datetime) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT w.id FROM {model._meta.db_table} w WHERE {approved_as_of_sql('w', '%(moment)s')}",
            {"moment": moment},
        )
        return {row[0] for row in cursor.fetchall()}


def test_approved_as_of_a_moment_is_the_same_item_set_in_sql_and_in_the_orm(engaged):
    base = timezone.now() - timedelta(days=1)
    _work_of_every_kind(engaged, base)
    for moment in (base - timedelta(days=1), base - timedelta(minutes=1), base, base + timedelta(minutes=90)):
        for model in (TimeEntry, TaskSubmission):
            by_orm = set(model.objects.filter(approved_as_of_q(moment)).values_list("pk", flat=True))
            assert by_orm == _ids_by_sql(model, moment), (model.__name__, moment)
    # The sample is not trivial: some items are paid at one moment and not at an earlier one.
    early, late = base - timedelta(days=1), base + timedelta(minutes=90)
    assert 0 < len(_ids_by_sql(TimeEntry, early)) < len(_ids_by_sql(TimeEntry, late))


def test_every_item_has_the_same_pay_kind_in_sql_and_in_python(engaged):
    _work_of_every_kind(engaged, timezone.now() - timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT t.id, {time_entry_pay_kind_sql('t')} FROM {TimeEntry._meta.db_table} t")
        by_sql = dict(cursor.fetchall())
    entries = list(TimeEntry.objects.all())
    assert by_sql == {entry.pk: pay_kind_of(entry) for entry in entries}
    assert {kind for kind in by_sql.values()} == {PayKind.HOURLY, PayKind.TRAINING}
    for kind in (PayKind.HOURLY, PayKind.TRAINING):
        assert set(TimeEntry.objects.filter(pay_kind_q(kind)).values_list("pk", flat=True)) == {
            pk for pk, found in by_sql.items() if found == kind
        }
    assert pay_kind_model(PayKind.TASK) is TaskSubmission
    assert {pay_kind_of(task) for task in TaskSubmission.objects.all()} == {PayKind.TASK}


# --- the wage floor --------------------------------------------------------------------

SAMPLE_WEEKS = [
    ([0, 0, 0, 0, 0, 0, 0], [Decimal("725")] * 7, 0),
    ([60, 0, 30, 0, 0, 0, 1], [Decimal("725"), None, Decimal("1690.123456"), None, None, None, Decimal("1")], 900),
    ([7, 7, 7, 7, 7, 7, 7], [Decimal("1690")] * 7, 1380),
    ([480, 480, 480, 480, 480, 0, 0], [Decimal("1234.5678")] * 3 + [Decimal("1300.0001")] * 4, 40_000),
    ([1440, 1, 59, 61, 0, 600, 5], [Decimal("99.99")] * 7, 10**6),
]


def test_the_floor_due_and_top_up_are_the_same_in_the_pay_runs_sql_and_in_python():
    exact = floors.floor_due_sql(day_minutes="w.m", hourly="w.h", days=7)
    due = floors.floor_due_minor_sql(exact)
    topup = floors.topup_sql(floor_due_minor=due, pay_minor="w.pay")
    with connection.cursor() as cursor:
        for minutes, hourly, pay in SAMPLE_WEEKS:
            cursor.execute(
                f"SELECT {exact}, {due}, {topup} FROM (SELECT %s::bigint[] AS m, %s::numeric[] AS h, %s AS pay) w",
                [minutes, hourly, pay],
            )
            sql_exact, sql_due, sql_topup = cursor.fetchone()
            py_due = floors.floor_due_minor(day_minutes=minutes, hourly_minor=hourly)
            assert abs(sql_exact - floors.floor_due_exact(day_minutes=minutes, hourly_minor=hourly)) < Decimal("1e-12")
            assert (int(sql_due), int(sql_topup)) == (py_due, floors.topup_minor(floor_due_minor=py_due, pay_minor=pay))


def test_the_pay_runs_floor_table_and_the_statement_pages_read_the_same_floor():
    start = date(2025, 5, 5)
    end = start + timedelta(days=6)
    places = [("US", "US-CA", "USD"), ("US", "", "USD"), ("GB", "", "USD"), ("DE", "", "EUR")]
    rows = {row[:3]: row for row in floors.pay_run_floor_rows(places, start, end)}
    assert rows, "the shipped reference data has floors for these places"
    for country, subdivision, currency in places:
        stretches = floors.week_minimum_wages(
            country=country, subdivision=subdivision, currency=currency, start=start, end=end
        )
        by_day = {}
        for stretch in stretches:
            day = stretch.first_day
            while day <= stretch.last_day:
                by_day[day] = stretch
                day += timedelta(days=1)
        row = rows.get((country, subdivision, currency))
        for k in range(7):
            stretch = by_day[start + timedelta(days=k)]
            table = row[3][k] if row else None
            if stretch.hourly is None:
                assert table is None
            else:
                assert table == stretch.hourly * 100
                assert row[4][k] == stretch.floor.source_url
                # The higher of the national and subdivision rows, as the preview says too.
                national = floors.minimum_wage_on(country=country, on=start + timedelta(days=k))
                assert stretch.floor.hourly_minor >= national.hourly_minor


# --- checks shared by a single entry and a file ----------------------------------------


def _at(days_ago: int, hour: int, minute: int = 0) -> datetime:
    day = timezone.now().astimezone(LA).date() - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LA)


def _single_refusal(engagement, **values) -> tuple[str, dict]:
    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        time_entry_log(actor=engagement.contributor.user, engagement=engagement, activity="task_work", **values)
    return refused.value.code, refused.value.fields


def _import_refusal(engagement, **values) -> tuple[str, dict]:
    row = {"engagement": engagement.pk, "activity": "task_work"}
    row.update({key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in values.items()})
    with pytest.raises(ImportRefused) as refused, transaction.atomic():
        time_entries_import(actor=engagement.contributor.user, rows=[row])
    [only] = refused.value.rows
    return only["code"], only["fields"]


def test_a_single_entry_and_a_file_of_one_are_refused_with_the_same_errors(engaged):
    engagement = engaged
    time_entry_log(
        actor=engagement.contributor.user,
        engagement=engagement,
        activity="meeting",
        started_at=_at(2, 9),
        ended_at=_at(2, 11),
    )
    time_entry_log(
        actor=engagement.contributor.user,
        engagement=engagement,
        activity="task_work",
        work_date=_at(3, 12).date(),
        minutes=800,
    )
    cases = [
        {"started_at": _at(2, 10), "ended_at": _at(2, 12)},  # overlaps the meeting
        {"work_date": _at(3, 12).date(), "minutes": 60},  # past the platform's daily ceiling
        {"started_at": _at(1, 9), "ended_at": _at(1, 8)},  # ends before it starts
        {"work_date": _at(-3, 12).date(), "minutes": 30},  # the future
    ]
    for values in cases:
        single = _single_refusal(engagement, **values)
        assert single == _import_refusal(engagement, **values), values

    type(engagement.project).objects.filter(pk=engagement.project_id).update(weekly_cap_hours=1)
    engagement.refresh_from_db()
    day = week_of(_at(0, 12).date())[0]
    values = {"work_date": day, "minutes": 90}
    assert _single_refusal(engagement, **values) == _import_refusal(engagement, **values)

    start, end = week_of(_at(2, 12).date())
    PayPeriod.objects.create(starts_on=start, ends_on=end, status=PayPeriodStatus.LOCKED)
    values = {"started_at": _at(2, 13), "ended_at": _at(2, 14)}
    assert _single_refusal(engagement, **values) == _import_refusal(engagement, **values)


def test_an_exhausted_budget_refuses_a_single_entry_and_a_file_alike(engaged):
    engagement = engaged
    time_entry_log(
        actor=engagement.contributor.user,
        engagement=engagement,
        activity="task_work",
        work_date=_at(1, 12).date(),
        minutes=60,
    )
    # Less than the work already logged: the budget is used up.
    type(engagement.project).objects.filter(pk=engagement.project_id).update(funded_minor=1)
    engagement.refresh_from_db()
    values = {"work_date": _at(2, 12).date(), "minutes": 30}
    single_code, single_fields = _single_refusal(engagement, **values)
    import_code, import_fields = _import_refusal(engagement, **values)
    assert single_code == import_code == "budget_exhausted"
    assert single_fields == {}
    # A file names the engagement whose budget ran out; the message is the same.
    assert import_fields == {"engagement": [import_fields["engagement"][0]]}
    assert "budget is used up" in import_fields["engagement"][0]


# --- money-moving work is the outermost transaction --------------------------------------


def test_sending_a_payout_inside_another_transaction_is_refused():
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        payout_send(payout_id=0)


def test_the_jurisdiction_of_a_day_is_the_same_in_sql_and_in_python(engaged):
    from contributors.models import JurisdictionPeriod

    contributor = engaged.contributor
    start = week_of(timezone.now().date())[0] - timedelta(days=7)
    JurisdictionPeriod.objects.create(
        contributor=contributor, country="US", subdivision="US-DC", effective_from=start + timedelta(days=2)
    )
    JurisdictionPeriod.objects.create(
        contributor=contributor, country="GB", subdivision="", effective_from=start + timedelta(days=5)
    )
    sql = floors.expert_jurisdiction_days_sql(contributors="(SELECT %(who)s::bigint AS contributor_id)", days=7)
    with connection.cursor() as cursor:
        cursor.execute(
            sql + " ORDER BY d.k",
            {"who": contributor.pk, "start": start, "end": start + timedelta(days=6), "first": 0, "last": 2**63 - 1},
        )
        in_sql = [(country, subdivision) for _, _, country, subdivision in cursor.fetchall()]
    in_python = [
        floors.expert_jurisdiction_on(contributor_id=contributor.pk, on=start + timedelta(days=k)) for k in range(7)
    ]
    assert in_sql == in_python
    assert [place[1] or place[0] for place in in_python] == ["US-CA"] * 2 + ["US-DC"] * 3 + ["GB"] * 2


def test_the_floor_standing_of_disputed_time_is_the_same_in_sql_and_in_python(engaged):
    from marketplace.models import TimeDispute
    from marketplace.payable import DISPUTE_TABLE, floor_standing, floor_standing_sql
    from marketplace.services import time_dispute_decide, time_dispute_open

    from tests.helpers.factories import make_ops

    engagement = engaged
    owner = engagement.project.lab.memberships.get(role="owner").user
    entries = [
        time_entry_log(
            actor=engagement.contributor.user,
            engagement=engagement,
            activity="meeting",
            work_date=_at(1, 12).date(),
            minutes=minutes,
        )
        for minutes in (10, 20, 30, 40)
    ]
    reviewer, _ = make_ops()
    before_any = timezone.now()
    for entry in entries[1:]:
        time_dispute_open(actor=owner, entry=entry, reason="Not worked.")
    opened = timezone.now()
    time_dispute_decide(actor=reviewer, dispute=entries[2].dispute, outcome="uphold", reason="No trace.")
    time_dispute_decide(actor=reviewer, dispute=entries[3].dispute, outcome="overturn", reason="Traces found.")
    after_all = timezone.now()
    for moment in (before_any, opened, after_all):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT t.id, {floor_standing_sql('d', '%(moment)s')} FROM marketplace_timeentry t "
                f"LEFT JOIN {DISPUTE_TABLE} d ON d.time_entry_id = t.id WHERE t.id = ANY(%(ids)s) ORDER BY t.id",
                {"moment": moment, "ids": [entry.pk for entry in entries]},
            )
            in_sql = [standing for _, standing in cursor.fetchall()]
        disputes = {d.time_entry_id: d for d in TimeDispute.objects.all()}
        in_python = [floor_standing(disputes.get(entry.pk), moment) for entry in sorted(entries, key=lambda e: e.pk)]
        assert in_sql == in_python, moment
    assert in_python == ["counted", "withheld", "excluded", "counted"]


# (unit, minutes, hourly floor, exact pay, items' own shortfalls) per day, and the week's bonus.
SAMPLE_UNIT_WEEKS = [
    ([("item", 60, "1690", "1400", "708.3333")], 0),
    ([("day", 60, "1690", "1400", "0"), ("item", 60, "2000", "1400", "966.6667")], 0),
    ([("workweek", 60, "725", "900", "0"), ("workweek", 60, "725", "0", "725")], 0),
    ([("pay_period", 90, "1614.17", "900", "0"), ("pay_period", 60, "1614.17", "1800", "0")], 300),
    ([("workweek", 30, "725", "0", "0"), ("day", 30, "1690", "100", "0"), ("item", 5, "1690", "0", "140.8333")], 50),
    ([(None, 120, None, "0", "0"), ("day", 0, "1690", "0", "0")], 0),
]


def test_the_shortfall_under_each_unit_is_the_same_in_the_pay_runs_sql_and_in_python():
    short = floors.shortfall_sql(
        unit="d.unit", minutes="d.minutes", hourly="d.hourly", pay="d.pay", item_short="d.item_short", extra_pay="%s"
    )
    topup = floors.topup_sql(floor_due_minor="%s", pay_minor="%s", shortfall=f"({short})")
    with connection.cursor() as cursor:
        for days, bonus in SAMPLE_UNIT_WEEKS:
            rows = [(u, m, Decimal(h) if h else None, Decimal(p), Decimal(s)) for u, m, h, p, s in days]
            values = ", ".join(["(%s::text, %s::bigint, %s::numeric, %s::numeric, %s::numeric)"] * len(rows))
            params = [value for row in rows for value in row]
            cursor.execute(
                f"SELECT {short}, {topup} FROM (VALUES {values}) AS d(unit, minutes, hourly, pay, item_short)",
                [bonus, bonus, 1000, 400, *params],
            )
            sql_short, sql_topup = cursor.fetchone()
            work = [floors.DayWork(u, m, h, p, s) for u, m, h, p, s in rows]
            py_short = floors.shortfall_exact(work, extra_pay=Decimal(bonus))
            assert abs(sql_short - py_short) < Decimal("1e-12")
            assert int(sql_topup) == floors.topup_minor(floor_due_minor=1000, pay_minor=400, shortfall=py_short)


def test_the_shortfall_over_a_week_kept_as_arrays_is_the_same_as_over_its_days_as_rows():
    short = floors.shortfall_days_sql(
        days=3,
        units="w.u",
        minutes="w.m",
        hourly="w.h",
        pay="w.p",
        item_short="w.s",
        cost_rate="w.c",
        extra_pay="w.b",
    )
    with connection.cursor() as cursor:
        for days, bonus in SAMPLE_UNIT_WEEKS:
            rows = ([*days] + [(None, 0, None, "0", "0")] * 3)[:3]
            for cost in (Decimal(0), Decimal("0.01")):
                cursor.execute(
                    f"SELECT {short} FROM (SELECT %s::text[] AS u, %s::bigint[] AS m, %s::numeric[] AS h, "
                    "%s::numeric[] AS p, %s::numeric[] AS s, %s::numeric AS c, %s::numeric AS b) w",
                    [
                        [r[0] for r in rows],
                        [r[1] for r in rows],
                        [Decimal(r[2]) if r[2] else None for r in rows],
                        [Decimal(r[3]) for r in rows],
                        [Decimal(r[4]) for r in rows],
                        cost,
                        bonus,
                    ],
                )
                work = [
                    floors.DayWork(u, m, floors.after_costs(Decimal(h), cost) if h else None, Decimal(p), Decimal(s))
                    for u, m, h, p, s in rows
                ]
                expected = floors.shortfall_exact(work, extra_pay=Decimal(bonus))
                assert abs(cursor.fetchone()[0] - expected) < Decimal("1e-12"), (days, cost)


def test_the_costs_an_expert_bears_are_the_same_in_the_pay_runs_sql_and_in_python(settings):
    settings.PAYOUT_FX_SPREAD = Decimal("0.015")
    # Placeholders in the order the fragments use them: the payout's currency, then the statement's.
    rate = floors.cost_rate_sql(statement_currency="%s::text", payout_currency="%s::text")
    hourly = floors.after_costs_sql("%s::numeric", f"({rate})")
    cases = [("USD", ""), ("USD", "usd"), ("USD", "gbp"), ("EUR", "EUR"), ("EUR", None)]
    with connection.cursor() as cursor:
        for statement_currency, payout_currency in cases:
            cursor.execute(
                f"SELECT {rate}, {hourly}",
                [payout_currency, statement_currency, Decimal("1690"), payout_currency, statement_currency],
            )
            sql_rate, sql_hourly = cursor.fetchone()
            py_rate = floors.cost_rate(statement_currency=statement_currency, payout_currency=payout_currency or "")
            assert sql_rate == py_rate
            assert abs(sql_hourly - floors.after_costs(Decimal("1690"), py_rate)) < Decimal("1e-12")
    assert floors.cost_rate(statement_currency="USD", payout_currency="gbp") == Decimal("0.015")
