"""The floor measured the way each law measures it, against statements computed by hand.

California measures each item on its own (Armenta v. Osmose), US federal law the workweek
(FLSA), the UK the pay reference period; some laws each day. The pay run applies the unit of
the minimum-wage row in force on each day of the work.
"""

from datetime import timedelta

import pytest

from marketplace.services import task_submit, time_entry_log, work_approve, work_reject
from payouts.models import AveragingUnit, MinimumWage, PayStatement

from tests.helpers.payruns import draft_pay_run, last_week, running_engagement

pytestmark = pytest.mark.django_db


def _task(engagement, owner, ref, minutes, day, approve=True):
    item = task_submit(
        actor=engagement.contributor.user, engagement=engagement, task_reference=ref, minutes=minutes, work_date=day
    )
    return work_approve(actor=owner, item=item) if approve else item


def _entry(engagement, day, minutes, activity="task_work"):
    return time_entry_log(
        actor=engagement.contributor.user, engagement=engagement, activity=activity, work_date=day, minutes=minutes
    )


def _statement(django_capture_on_commit_callbacks) -> PayStatement:
    run, _ = draft_pay_run(django_capture_on_commit_callbacks)
    return PayStatement.objects.get(run=run)


def _seven_dollar_tasks(django_capture_on_commit_callbacks):
    # $7.00 a task estimated at 20 minutes is $21/h; one took 10 minutes, the other 50.
    engagement, owner = running_engagement(pay_model="per_task", rate_minor=700, task_estimate_minutes=20)
    monday = last_week()[0]
    _task(engagement, owner, "A", 10, monday)
    _task(engagement, owner, "B", 50, monday)
    return _statement(django_capture_on_commit_callbacks)


def test_california_measures_each_task_on_its_own(stripe_server, django_capture_on_commit_callbacks):
    statement = _seven_dollar_tasks(django_capture_on_commit_callbacks)
    # $14.00 for 60 minutes against $16.90 an hour. The 50-minute task owes
    # 50/60 x $16.90 - $7.00 = $7.0833..., rounded up once to $7.09; the 10-minute one nothing.
    assert (statement.averaging_unit, statement.pay_minor, statement.floor_due_minor) == ("item", 1400, 1690)
    assert (statement.topup_minor, statement.total_minor) == (709, 2109)
    topup = statement.lines.get(kind="topup")
    [day] = topup.source["days"]
    assert (day["unit"], day["minutes"], day["pay"], day["item_short"]) == ("item", 60, 1400, 708.3333)
    assert topup.source["shortfall"] == 708.3333


def test_the_same_day_measured_as_a_whole_tops_up_the_day(stripe_server, django_capture_on_commit_callbacks):
    MinimumWage.objects.create(
        country="US",
        subdivision="US-CA",
        currency="USD",
        hourly_minor=1690,
        effective_from=last_week()[0],
        source_url="https://example.test/per-day",
        averaging_unit=AveragingUnit.DAY,
    )
    statement = _seven_dollar_tasks(django_capture_on_commit_callbacks)
    # Averaged over the day: $14.00 for 60 minutes against $16.90 leaves $2.90.
    assert (statement.averaging_unit, statement.topup_minor, statement.total_minor) == ("day", 290, 1690)


def test_us_federal_law_measures_the_workweek(stripe_server, django_capture_on_commit_callbacks):
    # Texas has no minimum wage of its own: the federal $7.25, measured per workweek.
    engagement, owner = running_engagement(
        pay_model="per_task",
        rate_minor=300,
        task_estimate_minutes=10,
        expert={"country": "US", "subdivision": "US-TX", "timezone": "America/Chicago"},
    )
    monday = last_week()[0]
    for ref in ("T1", "T2", "T3"):
        _task(engagement, owner, ref, 20, monday)  # $9.00 for an hour: above $7.25
    work_reject(actor=owner, item=_entry(engagement, monday + timedelta(days=1), 60), reason="Off-task")
    statement = _statement(django_capture_on_commit_callbacks)
    # 120 minutes at $7.25 = $14.50 owed for the week, $9.00 paid: the week is $5.50 short.
    # (Each item on its own would have owed the rejected hour's $7.25.)
    assert (statement.averaging_unit, statement.floor_due_minor, statement.pay_minor) == ("workweek", 1450, 900)
    assert (statement.topup_minor, statement.total_minor) == (550, 1450)


def test_the_uk_measures_the_pay_reference_period(stripe_server, django_capture_on_commit_callbacks):
    engagement, owner = running_engagement(
        pay_model="per_task",
        rate_minor=300,
        task_estimate_minutes=10,
        expert={"country": "GB", "subdivision": "", "timezone": "Europe/London"},
    )
    monday = last_week()[0]
    for ref in ("T1", "T2", "T3"):
        _task(engagement, owner, ref, 20, monday)  # $9.00 for an hour
    # An hour of training paid at the task rate's hourly worth, $18.00: above the floor.
    work_approve(actor=owner, item=_entry(engagement, monday + timedelta(days=1), 60, activity="training"))
    work_reject(actor=owner, item=_entry(engagement, monday + timedelta(days=2), 30), reason="Off-task")
    statement = _statement(django_capture_on_commit_callbacks)
    # £12.71 x 1.27 = $16.1417 an hour; 150 minutes owe $40.35425, rounded up once: $40.36.
    # $27.00 paid over the period: $13.35425 short, rounded up once: $13.36. (Item by item the
    # tasks and the rejected half hour alone would owe $15.21255.)
    assert (statement.averaging_unit, statement.floor_due_minor, statement.pay_minor) == ("pay_period", 4036, 2700)
    assert (statement.topup_minor, statement.total_minor) == (1336, 4036)


def test_a_week_crossing_a_change_of_rule_measures_each_day_by_its_own(
    stripe_server, django_capture_on_commit_callbacks
):
    # California measured per day until Wednesday, then each item at a new $20.00 from Thursday.
    monday = last_week()[0]
    for day, hourly, unit in (
        (monday, 1690, AveragingUnit.DAY),
        (monday + timedelta(days=3), 2000, AveragingUnit.ITEM),
    ):
        MinimumWage.objects.create(
            country="US",
            subdivision="US-CA",
            currency="USD",
            hourly_minor=hourly,
            effective_from=day,
            source_url="https://example.test/ca",
            averaging_unit=unit,
        )
    engagement, owner = running_engagement(pay_model="per_task", rate_minor=700, task_estimate_minutes=20)
    _task(engagement, owner, "A", 10, monday)
    _task(engagement, owner, "B", 50, monday)
    _task(engagement, owner, "C", 10, monday + timedelta(days=3))
    _task(engagement, owner, "D", 50, monday + timedelta(days=3))
    statement = _statement(django_capture_on_commit_callbacks)
    # Monday, per day: $14.00 for an hour at $16.90, $2.90 short. Thursday, per item at $20.00:
    # the 50-minute task owes 50/60 x $20.00 - $7.00 = $9.6666..., the other nothing.
    # $2.90 + $9.6666... = $12.5666..., rounded up once: $12.57.
    assert (statement.averaging_unit, statement.pay_minor, statement.topup_minor) == ("item", 2800, 1257)
    days = statement.lines.get(kind="topup").source["days"]
    assert [(d["unit"], d["floor_hourly"]) for d in days] == [("day", 1690), ("item", 2000)]


def test_a_late_approval_is_measured_again_under_the_weeks_units(stripe_server, django_capture_on_commit_callbacks):
    from accounts.models import Role
    from config.payweek import week_closes_at
    from payouts.payruns.services import pay_run_approve
    from payouts.weeks import is_locked

    from tests.helpers.clock import travel_to
    from tests.helpers.factories import make_ops

    week_a = last_week()[0] - timedelta(days=7)
    if is_locked(week_a):
        # Week A's work is logged and reviewed while it is still open, in its grace period.
        travel_to(week_closes_at(week_a) - timedelta(hours=1))
    engagement, owner = running_engagement(pay_model="per_task", rate_minor=700, task_estimate_minutes=20)
    _task(engagement, owner, "A", 10, week_a)
    waiting = _task(engagement, owner, "B", 50, week_a, approve=False)
    run_a, _ = draft_pay_run(django_capture_on_commit_callbacks, period_start=week_a)
    pay_run_approve(actor=make_ops(Role.OPS_FINANCE)[0], run=run_a)
    first = PayStatement.objects.get(run=run_a)
    # Paid $7.00; the waiting 50 minutes owe $14.0833... on their own: $14.09 topped up.
    assert (first.pay_minor, first.topup_minor) == (700, 1409)

    work_approve(actor=owner, item=waiting)
    run_b, _ = draft_pay_run(django_capture_on_commit_callbacks, period_start=week_a + timedelta(days=7))
    later = PayStatement.objects.get(run=run_b)
    lines = {line.adjusts_kind: line.amount_minor for line in later.lines.filter(kind="adjustment")}
    # The task now pays $7.00 and falls short by $7.0833... on its own: the top-up is $7.09,
    # $7.00 less than was paid.
    assert lines == {"task": 700, "topup": -700}


def test_the_floor_is_checked_after_the_conversion_into_the_experts_payout_currency(
    stripe_server, django_capture_on_commit_callbacks, settings
):
    from decimal import Decimal

    from payouts.models import PayoutAccount

    from tests.helpers.pages import log_in, readable_text

    settings.PAYOUT_FX_SPREAD = Decimal("0.01")
    engagement, owner = running_engagement(
        rate_minor=2000, expert={"country": "GB", "subdivision": "", "timezone": "Europe/London"}
    )
    PayoutAccount.objects.create(
        contributor=engagement.contributor, stripe_account_id="acct_gbp", country="GB", default_currency="gbp"
    )
    work_reject(actor=owner, item=_entry(engagement, last_week()[0], 60), reason="Off-task")
    statement = _statement(django_capture_on_commit_callbacks)
    # £12.71 x 1.27 = $16.1417 an hour; paid into a GBP account, 1% is lost to the conversion,
    # so the hour must be $16.1417 / 0.99 = $16.30474... to reach the floor: $16.31 topped up.
    assert (statement.cost_rate, statement.floor_due_minor, statement.topup_minor) == (Decimal("0.0100"), 1615, 1631)
    from accounts.models import Role
    from payouts.payruns.services import pay_run_approve

    from tests.helpers.factories import make_ops

    pay_run_approve(actor=make_ops(Role.OPS_FINANCE)[0], run=statement.run)
    text = readable_text(log_in(engagement.contributor.user).get(f"/expert/pay/{statement.pk}/"))
    assert "Costs taken from your pay 1%: your payout account is in GBP" in text
    assert "Everything short of the minimum wage adds up to $16.3047; rounded up once, $16.31." in text


def test_without_a_conversion_no_cost_is_taken_and_the_statement_says_so(
    stripe_server, django_capture_on_commit_callbacks
):
    from accounts.models import Role
    from payouts.payruns.services import pay_run_approve

    from tests.helpers.factories import make_ops
    from tests.helpers.pages import log_in, readable_text

    statement = _seven_dollar_tasks(django_capture_on_commit_callbacks)
    assert statement.cost_rate == 0
    pay_run_approve(actor=make_ops(Role.OPS_FINANCE)[0], run=statement.run)
    text = readable_text(log_in(statement.contributor.user).get(f"/expert/pay/{statement.pk}/"))
    assert "Costs taken from your pay None. The platform's fee is charged to the lab on top of your pay" in text
    assert "Measured each time entry and each task on its own" in text
