"""Pay runs against statements computed by hand, to the cent."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from config.errors import ApplicationError, NotPermitted
from marketplace.services import (
    task_submit,
    time_entry_log,
    work_approve,
    work_reject,
)
from payouts.models import MinimumWage, PayLine, PayRunStatus, PayStatement
from payouts.payruns.selectors import pay_line_items
from payouts.payruns.services import pay_run_approve, pay_run_start
from payouts.weeks import is_locked, week_closes_at, week_of

from tests.helpers.clock import travel_to
from tests.helpers.factories import make_ops
from tests.helpers.payruns import after_close, last_week
from tests.helpers.payruns import draft_pay_run as _run
from tests.helpers.payruns import running_engagement as _running

pytestmark = pytest.mark.django_db


def _minutes(engagement, day, minutes, activity="task_work"):
    return time_entry_log(
        actor=engagement.contributor.user, engagement=engagement, activity=activity, work_date=day, minutes=minutes
    )


def test_per_task_expert_below_the_california_floor_gets_the_exact_top_up(
    stripe_server, django_capture_on_commit_callbacks
):
    # $3.00 a task estimated at 10 minutes is $18/h; taking 20 minutes each makes it $9/h.
    engagement, owner = _running(pay_model="per_task", rate_minor=300, task_estimate_minutes=10)
    monday = last_week()[0]
    for ref in ("T1", "T2", "T3"):
        task = task_submit(
            actor=engagement.contributor.user, engagement=engagement, task_reference=ref, minutes=20, work_date=monday
        )
        work_approve(actor=owner, item=task)
    run, _ = _run(django_capture_on_commit_callbacks)
    statement = PayStatement.objects.get(run=run)
    # 60 minutes at California's $16.90 = 1690 cents owed; 3 x 300 = 900 paid; top-up 790.
    assert (statement.minutes_worked, statement.pay_minor, statement.floor_due_minor) == (60, 900, 1690)
    assert (statement.topup_minor, statement.total_minor, statement.effective_hourly_minor) == (790, 1690, 900)
    task_line = statement.lines.get(kind="task")
    assert (task_line.quantity, task_line.amount_minor) == (3, 900)
    assert list(pay_line_items(line=task_line).values_list("minutes", flat=True)) == [20, 20, 20]
    topup = statement.lines.get(kind="topup")
    assert topup.amount_minor == 790
    assert topup.source["days"][0]["minutes"] == 60
    assert Decimal(str(topup.source["days"][0]["floor_hourly"])) == Decimal("1690")


def test_rejected_and_waiting_work_counts_as_hours_worked(stripe_server, django_capture_on_commit_callbacks):
    engagement, owner = _running(rate_minor=2000)
    monday = last_week()[0]
    work_approve(actor=owner, item=_minutes(engagement, monday, 120))
    work_reject(actor=owner, item=_minutes(engagement, monday + timedelta(days=1), 60), reason="Off-task")
    _minutes(engagement, monday + timedelta(days=2), 30, activity="training")  # still waiting for review
    run, _ = _run(django_capture_on_commit_callbacks)
    statement = PayStatement.objects.get(run=run)
    # 210 minutes worked at $16.90 = 5915 owed; only the approved 2 h at $20 = 4000 paid. California
    # measures each item on its own, so the approved hours' pay above the floor does not make up
    # for the others: the rejected hour owes 1690 and the waiting half hour 845, a top-up of 2535.
    assert (statement.minutes_worked, statement.pay_minor, statement.floor_due_minor, statement.topup_minor) == (
        210,
        4000,
        5915,
        2535,
    )
    assert list(statement.lines.values_list("kind", flat=True)) == ["hourly", "topup"]


def test_a_week_spanning_a_minimum_wage_change_uses_each_days_rate(stripe_server, django_capture_on_commit_callbacks):
    engagement, owner = _running(rate_minor=1800)
    monday = last_week()[0]
    MinimumWage.objects.create(
        country="US",
        subdivision="US-CA",
        currency="USD",
        hourly_minor=2000,
        effective_from=monday + timedelta(days=2),
        source_url="https://example.test/ca-raise",
    )
    work_approve(actor=owner, item=_minutes(engagement, monday, 60))
    work_approve(actor=owner, item=_minutes(engagement, monday + timedelta(days=3), 60))
    run, _ = _run(django_capture_on_commit_callbacks)
    statement = PayStatement.objects.get(run=run)
    # Monday at $16.90 and Thursday at $20.00: 3690 owed, 3600 paid. Item by item, Monday's hour
    # at $18 is above its floor and Thursday's is $2.00 below it: 200 topped up.
    assert (statement.floor_due_minor, statement.pay_minor, statement.topup_minor) == (3690, 3600, 200)
    days = statement.lines.get(kind="topup").source["days"]
    assert [Decimal(str(d["floor_hourly"])) for d in days] == [Decimal("1690"), Decimal("2000")]
    assert days[1]["source"] == "https://example.test/ca-raise"


def test_a_uk_expert_paid_in_dollars_gets_the_uk_floor_converted(stripe_server, django_capture_on_commit_callbacks):
    engagement, _ = _running(rate_minor=2000, expert={"country": "GB", "subdivision": "", "timezone": "Europe/London"})
    _minutes(engagement, last_week()[0], 60)  # not reviewed yet: counted, not paid
    run, _ = _run(django_capture_on_commit_callbacks)
    statement = PayStatement.objects.get(run=run)
    # £12.71 x 1.27 USD/GBP = $16.1417/h, rounded up once: 1615 cents for the hour.
    assert (statement.country, statement.currency) == ("GB", "USD")
    assert (statement.pay_minor, statement.floor_due_minor, statement.topup_minor) == (0, 1615, 1615)


def test_half_a_cent_rounds_up_once_per_line(stripe_server, django_capture_on_commit_callbacks):
    engagement, owner = _running(rate_minor=1801)
    monday = last_week()[0]
    work_approve(actor=owner, item=_minutes(engagement, monday, 30))
    run, _ = _run(django_capture_on_commit_callbacks)
    line = PayLine.objects.get(statement__run=run, kind="hourly")
    assert line.amount_minor == 901  # 1801 x 30 / 60 = 900.5
    assert line.statement.topup_minor == 0  # 845 owed


def test_an_empty_week_makes_an_empty_run(django_capture_on_commit_callbacks):
    run, _ = _run(django_capture_on_commit_callbacks)
    assert run.totals == {
        "statements": 0,
        "minutes_worked": 0,
        "pay_minor": 0,
        "topup_minor": 0,
        "statements_topped_up": 0,
        "adjustment_minor": 0,
        "statements_adjusted": 0,
    }
    assert not PayStatement.objects.exists()


def test_rerun_replaces_a_draft_and_an_approved_week_is_never_reopened(
    stripe_server, django_capture_on_commit_callbacks
):
    engagement, owner = _running(rate_minor=2000)
    work_approve(actor=owner, item=_minutes(engagement, last_week()[0], 60))
    first, preparer = _run(django_capture_on_commit_callbacks)
    second, _ = _run(django_capture_on_commit_callbacks)
    first.refresh_from_db()
    assert first.status == PayRunStatus.REPLACED
    assert PayStatement.objects.filter(run=first).count() == 0
    assert PayStatement.objects.filter(run=second).count() == 1
    with pytest.raises(NotPermitted):
        pay_run_approve(actor=second.prepared_by, run=second)
    approver, _ = make_ops(Role.OPS_FINANCE)
    pay_run_approve(actor=approver, run=second)
    with pytest.raises(ApplicationError) as reopened:
        pay_run_start(actor=preparer, period_start=last_week()[0])
    assert reopened.value.code == "period_approved"
    # The week is locked: nobody can add time to it any more.
    with pytest.raises(ApplicationError, match="locked"):
        _minutes(engagement, last_week()[0] + timedelta(days=1), 30)


@pytest.mark.moments
def test_the_current_week_cannot_be_run_before_it_ends():
    preparer, _ = make_ops(Role.OPS_FINANCE)
    with pytest.raises(ApplicationError) as early:
        pay_run_start(actor=preparer, period_start=timezone.now().date())
    assert early.value.code == "period_not_closed"
    assert "closes at" in early.value.fields["period_start"][0]


def test_an_approved_run_is_booked_once_and_the_ledger_reconciles(
    stripe_server, django_capture_on_commit_callbacks, capsys
):
    from django.core.management import CommandError, call_command
    from django.db import connection

    from payouts.ledger.selectors import account_balances
    from payouts.models import JournalEntry

    engagement, owner = _running(pay_model="per_task", rate_minor=300, task_estimate_minutes=10)
    lab = engagement.project.lab
    for ref in ("T1", "T2", "T3"):
        task = task_submit(
            actor=engagement.contributor.user,
            engagement=engagement,
            task_reference=ref,
            minutes=20,
            work_date=last_week()[0],
        )
        work_approve(actor=owner, item=task)
    run, _ = _run(django_capture_on_commit_callbacks)
    approver, _ = make_ops(Role.OPS_FINANCE)
    pay_run_approve(actor=approver, run=run)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the balance check commit would run
    balances = {(row["kind"], row["lab_id"], row["contributor_id"]): row["balance"] for row in account_balances()}
    budget_and_fee = engagement.project.budget_cap_minor * 3 // 2
    # The lab pays 900 of tasks, 450 of fee (markup 0.5) and the 790 top-up: 2140 out of what it funded.
    assert balances[("lab_funds_held", lab.pk, None)] == -budget_and_fee + 2140
    assert balances[("expert_payable", None, engagement.contributor_id)] == -1690
    assert balances[("platform_revenue", None, None)] == -450
    assert JournalEntry.objects.filter(kind="accrual").count() == 1

    call_command("ledger_reconcile")
    assert "ledger reconciles" in capsys.readouterr().out

    with connection.cursor() as cursor:
        cursor.execute("UPDATE payouts_paystatement SET total_minor = total_minor + 1, topup_minor = topup_minor + 1")
    with pytest.raises(CommandError, match="1 difference"):
        call_command("ledger_reconcile")
    assert "approved statements 1691, expert payable credited 1690" in capsys.readouterr().err


def test_pay_run_over_the_api_with_compliance_evidence(stripe_server, client_for, django_capture_on_commit_callbacks):
    engagement, owner = _running(pay_model="per_task", rate_minor=300, task_estimate_minutes=10)
    task = task_submit(
        actor=engagement.contributor.user,
        engagement=engagement,
        task_reference="T1",
        minutes=20,
        work_date=last_week()[0],
    )
    work_approve(actor=owner, item=task)
    after_close(last_week()[0])
    preparer, approver = make_ops(Role.OPS_FINANCE), make_ops(Role.OPS_FINANCE)
    reviewer = make_ops(Role.OPS_REVIEWER)
    prep_client, approve_client = client_for(*preparer), client_for(*approver)
    assert client_for(*reviewer).post("/api/ops/pay-runs/", {"period_start": str(last_week()[0])}).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        started = prep_client.post("/api/ops/pay-runs/", {"period_start": str(last_week()[0])})
    assert started.status_code == 201, started.json()
    run = prep_client.get(f"/api/ops/pay-runs/{started.json()['id']}/").json()
    assert run["status"] == "draft"
    assert (run["totals"]["statements"], run["totals"]["pay_minor"], run["totals"]["topup_minor"]) == (1, 300, 264)
    assert prep_client.post(f"/api/ops/pay-runs/{run['id']}/approve/").json()["code"] == "four_eyes"
    assert approve_client.post(f"/api/ops/pay-runs/{run['id']}/approve/").json()["status"] == "approved"

    summary = prep_client.get(f"/api/ops/pay-runs/{run['id']}/compliance/").json()
    assert summary["below_floor_before_topup"] == 1
    assert summary["topups_by_jurisdiction"][0]["jurisdiction"] == "US-CA"
    csv = prep_client.get(f"/api/ops/pay-runs/{run['id']}/compliance/?output=csv")
    assert csv["Content-Type"] == "text/csv"
    header, row = csv.content.decode().strip().splitlines()
    assert header.startswith("statement,expert,jurisdiction,currency,minutes_worked")
    assert ",US-CA,USD,20,300," in row
    svg = prep_client.get(f"/api/ops/pay-runs/{run['id']}/compliance/?output=svg")
    assert svg.content.startswith(b"<svg")

    statements = client_for(engagement.contributor.user).get("/api/me/statements/").json()
    assert [s["total_minor"] for s in statements] == [564]  # 20 min at $16.90 = 563.33, rounded up
    assert [line["kind"] for line in statements[0]["lines"]] == ["task", "topup"]

    # Gross volume is what the lab was billed: 300 of work, 150 of fee and the 264 top-up.
    week = str(last_week()[0])
    report = prep_client.get(f"/api/ops/reports/revenue/?since={week}&until={week}").json()
    assert report["weeks"] == [
        {
            "week": week,
            "currency": "USD",
            "gross_volume_minor": 714,
            "expert_earnings_minor": 564,
            "net_revenue_minor": 150,
            "take_rate": 0.2101,
        }
    ]
    assert report["totals"][0]["net_revenue_minor"] == 150
    revenue_csv = prep_client.get(f"/api/ops/reports/revenue/?since={week}&until={week}&output=csv")
    assert revenue_csv.content.decode().splitlines()[1] == f"{week},USD,714,564,150,0.2101"
    bad = prep_client.get(f"/api/ops/reports/revenue/?since={week}&until=2000-01-01")
    assert bad.status_code == 400 and "until" in bad.json()["fields"]
    assert prep_client.get("/api/ops/reports/revenue/?since=yesterday&until=").status_code == 400
    assert (
        client_for(engagement.contributor.user).get(f"/api/ops/reports/revenue/?since={week}&until={week}").status_code
        == 403
    )


def test_revenue_report_command(capsys):
    from django.core.management import CommandError, call_command

    call_command("revenue_report", "--since", "2026-01-05", "--until", "2026-01-11")
    assert "No approved pay weeks" in capsys.readouterr().out
    with pytest.raises(CommandError, match="not a date"):
        call_command("revenue_report", "--since", "soon", "--until", "2026-01-11")
    with pytest.raises(CommandError, match="before"):
        call_command("revenue_report", "--since", "2026-01-11", "--until", "2026-01-05")


def test_a_quality_bonus_is_paid_with_its_inputs_recorded(stripe_server, django_capture_on_commit_callbacks):
    from marketplace.services import bonus_rule_set, quality_scores_compute

    engagement, owner = _running(pay_model="per_task", rate_minor=300, task_estimate_minutes=10)
    project = engagement.project
    for ref in ("T1", "T2", "T3"):
        task = task_submit(
            actor=engagement.contributor.user,
            engagement=engagement,
            task_reference=ref,
            minutes=8,
            work_date=last_week()[0],
        )
        work_approve(actor=owner, item=task)
    quality_scores_compute(actor=owner, project=project)  # reviews: 3 of 3 approved -> score 1.000
    with pytest.raises(ApplicationError):
        bonus_rule_set(actor=owner, project=project, min_quality_score=Decimal("1.5"), percent=Decimal("10"))
    bonus_rule_set(
        actor=owner,
        project=project,
        min_quality_score=Decimal("0.9"),
        percent=Decimal("10"),
        effective_from=last_week()[0],
    )
    run, _ = _run(django_capture_on_commit_callbacks)
    statement = PayStatement.objects.get(run=run)
    bonus = statement.lines.get(kind="bonus")
    # Three tasks at $3 = 900; a 10% bonus = 90; 24 minutes at $16.90 = 676 owed, so no top-up.
    assert bonus.amount_minor == 90
    assert bonus.source["base_minor"] == 900
    assert Decimal(str(bonus.source["quality_score"])) == Decimal("1.000")
    assert (statement.pay_minor, statement.topup_minor) == (990, 0)


@pytest.mark.parametrize(
    ("corrected", "bonus_score"),
    [(None, None), (Decimal("0.5"), None), (Decimal("0.95"), Decimal("0.950"))],
    ids=["set-aside", "corrected-below", "corrected-above"],
)
def test_a_quality_score_reviewed_by_operations_is_read_as_reviewed_by_the_bonus(
    stripe_server, django_capture_on_commit_callbacks, corrected, bonus_score
):
    """Set aside, a score reaches no threshold; corrected, the corrected figure is compared."""
    from marketplace.models import QualityScore
    from marketplace.services import bonus_rule_set, quality_score_review, quality_scores_compute

    engagement, owner = _running(pay_model="per_task", rate_minor=300, task_estimate_minutes=10)
    project = engagement.project
    for ref in ("T1", "T2", "T3"):
        task = task_submit(
            actor=engagement.contributor.user,
            engagement=engagement,
            task_reference=ref,
            minutes=8,
            work_date=last_week()[0],
        )
        work_approve(actor=owner, item=task)
    quality_scores_compute(actor=owner, project=project)  # 1.000
    bonus_rule_set(
        actor=owner,
        project=project,
        min_quality_score=Decimal("0.9"),
        percent=Decimal("10"),
        effective_from=last_week()[0],
    )
    quality_score_review(
        actor=make_ops(Role.OPS_REVIEWER)[0],
        score=QualityScore.objects.get(project=project),
        reason="Reviewed on the expert's request.",
        corrected_score=corrected,
    )
    run, _ = _run(django_capture_on_commit_callbacks)
    bonuses = PayStatement.objects.get(run=run).lines.filter(kind="bonus")
    if bonus_score is None:
        assert not bonuses.exists()
    else:
        assert Decimal(str(bonuses.get().source["quality_score"])) == bonus_score


@pytest.mark.moments
def test_work_approved_after_its_week_was_paid_is_an_adjustment_in_a_later_week(
    stripe_server, django_capture_on_commit_callbacks, capsys
):
    from django.core.management import call_command
    from django.db import connection

    from marketplace.models import LabMembership
    from marketplace.services import work_appeal, work_decide_appeal
    from payouts.ledger.selectors import account_balances
    from payouts.models import PayRecompute

    from tests.helpers.factories import UserFactory

    week_a = week_of(last_week()[0] - timedelta(days=7))[0]
    if is_locked(week_a):
        # Week A's work is logged and reviewed while it is still open, in its grace period.
        travel_to(week_closes_at(week_a) - timedelta(hours=1))
    engagement, owner = _running(rate_minor=2000)
    lab = engagement.project.lab
    second_reviewer = UserFactory(role=Role.LAB_MEMBER)
    LabMembership.objects.create(lab=lab, user=second_reviewer, role="reviewer")
    expert = engagement.contributor.user
    work_approve(actor=owner, item=_minutes(engagement, week_a, 120))
    waiting = _minutes(engagement, week_a + timedelta(days=1), 60)
    rejected = work_reject(actor=owner, item=_minutes(engagement, week_a + timedelta(days=2), 60), reason="Off-task")

    run_a, _ = _run(django_capture_on_commit_callbacks, period_start=week_a)
    approver, _ = make_ops(Role.OPS_FINANCE)
    pay_run_approve(actor=approver, run=run_a)
    week_a_statement = PayStatement.objects.get(run=run_a)
    # 240 minutes worked at $16.90 = 6760 owed; 2 approved hours at $20 = 4000 paid; the waiting
    # and the rejected hour owe 1690 each on their own: 3380 topped up.
    assert (week_a_statement.pay_minor, week_a_statement.topup_minor, week_a_statement.total_minor) == (
        4000,
        3380,
        7380,
    )

    # After the week is paid: the waiting hour is approved and the rejection is overturned.
    work_approve(actor=owner, item=waiting)
    work_appeal(actor=expert, item=rejected, reason="It was on task: see the transcript.")
    work_decide_appeal(actor=second_reviewer, item=rejected, approve=True, reason="Checked the transcript.")
    assert PayRecompute.objects.filter(contributor=engagement.contributor, applied_in_run__isnull=True).count() == 2

    # A draft for the next week takes the corrections on; replacing it passes them to the new draft.
    week_b = week_a + timedelta(days=7)
    _run(django_capture_on_commit_callbacks, period_start=week_b)
    run_b, _ = _run(django_capture_on_commit_callbacks, period_start=week_b)
    statement = PayStatement.objects.get(run=run_b)
    # No work in week B; week A now pays 4 hours = 8000, every hour above its floor, so its
    # top-up is no longer needed: +4000 of hours, -3380 of top-up, 620 paid now.
    assert (statement.minutes_worked, statement.pay_minor, statement.topup_minor) == (0, 0, 0)
    assert (statement.adjustment_minor, statement.total_minor, statement.effective_hourly_minor) == (620, 620, 0)
    hours = statement.lines.get(kind="adjustment", adjusts_kind="hourly")
    topup = statement.lines.get(kind="adjustment", adjusts_kind="topup")
    assert (hours.amount_minor, hours.minutes, hours.source["was_minor"], hours.source["now_minor"]) == (
        4000,
        240,
        4000,
        8000,
    )
    assert hours.adjusts_period.starts_on == week_a
    assert sorted(pay_line_items(line=hours).values_list("pk", flat=True)) == sorted([waiting.pk, rejected.pk])
    assert (topup.amount_minor, topup.engagement_id) == (-3380, None)
    assert "top-up" in topup.description
    # Week A's own statement was never touched.
    week_a_statement.refresh_from_db()
    assert week_a_statement.total_minor == 7380

    pay_run_approve(actor=approver, run=run_b)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert not PayRecompute.objects.filter(applied_in_run__isnull=True).exists()
    balances = {(row["kind"], row["lab_id"], row["contributor_id"]): row["balance"] for row in account_balances()}
    # Week B's statement carries only corrections: no hourly figures of its own.
    from payouts.payruns.compliance import compliance_summary

    assert compliance_summary(run_id=run_b.pk)["experts"] == 0
    # The expert is owed 7380 + 620 = 8000: exactly four hours at $20.
    assert balances[("expert_payable", None, engagement.contributor_id)] == -8000
    # Fee is half of pay: 2000 + 2000.
    assert balances[("platform_revenue", None, None)] == -4000
    call_command("ledger_reconcile")
    assert "ledger reconciles" in capsys.readouterr().out


def test_work_approved_automatically_after_its_week_was_approved_is_marked_for_adjustment(
    stripe_server, django_capture_on_commit_callbacks
):
    from marketplace.services import work_auto_approve_sweep
    from payouts.models import PayRecompute

    engagement, _ = _running(rate_minor=2000)
    waiting = _minutes(engagement, last_week()[0], 60)
    run, _ = _run(django_capture_on_commit_callbacks)
    approver, _ = make_ops(Role.OPS_FINANCE)
    pay_run_approve(actor=approver, run=run)
    assert work_auto_approve_sweep(now=timezone.now() + timedelta(days=30)) == 1
    waiting.refresh_from_db()
    assert waiting.status == "auto_approved"
    marker = PayRecompute.objects.get()
    assert (marker.contributor_id, marker.period_id, marker.applied_in_run_id) == (
        engagement.contributor_id,
        run.period_id,
        None,
    )
    assert "automatically" in marker.reason
