"""Reports read through the replica when one is configured, and find what the primary holds.

The test settings give the `replica` alias the test database itself (a test mirror): its
own connection, which like a real replica sees only committed rows, so these tests
commit (transactional tests). What they cannot show is lag; the one test about lag
keeps the change uncommitted, which the replica's connection cannot see either.
"""

from types import SimpleNamespace

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

import payouts.payruns.services
from accounts.models import Role
from config.db import reporting_alias
from marketplace.services import task_submit, work_approve
from payouts.ledger.revenue import revenue_csv, revenue_report
from payouts.models import PayRunStatus
from payouts.payruns.compliance import compliance_csv, compliance_summary
from payouts.payruns.services import pay_run_approve, pay_run_compute, pay_run_start

from tests.helpers.factories import make_ops
from tests.helpers.payruns import after_close, draft_pay_run, last_week, running_engagement

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


def _approved_task_work() -> None:
    """20 minutes of per-task work paid 300 cents in California: topped up to the floor."""
    engagement, owner = running_engagement(pay_model="per_task", rate_minor=300, task_estimate_minutes=10)
    task = task_submit(
        actor=engagement.contributor.user,
        engagement=engagement,
        task_reference="T1",
        minutes=20,
        work_date=last_week()[0],
    )
    work_approve(actor=owner, item=task)


@pytest.fixture
def approved_run(stripe_server, django_capture_on_commit_callbacks):
    _approved_task_work()
    run, _ = draft_pay_run(django_capture_on_commit_callbacks)
    return pay_run_approve(actor=make_ops(Role.OPS_FINANCE)[0], run=run)


def _turn_the_replica_on(settings):
    settings.REPORTS_DATABASE = "replica"
    assert reporting_alias() == "replica"
    # The same database, through a connection of its own.
    assert connections["replica"].settings_dict["NAME"] == connections["default"].settings_dict["NAME"]
    assert connections["replica"] is not connections["default"]


def _sql(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries]


def _reports(run) -> tuple:
    week = last_week()[0]
    return (
        revenue_report(since=week, until=week),
        revenue_csv(since=week, until=week),
        compliance_summary(run_id=run.pk),
        compliance_csv(run_id=run.pk),
    )


def test_without_a_replica_reports_read_the_default_database(approved_run):
    assert reporting_alias() == "default"
    with (
        CaptureQueriesContext(connections["default"]) as default,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        revenue, _, summary, _ = _reports(approved_run)
    assert revenue["weeks"][0]["net_revenue_minor"] == 150 and summary["experts"] == 1
    assert _sql(replica) == []
    assert any("payouts_journalentry" in sql for sql in _sql(default))
    assert any("payouts_paystatement" in sql for sql in _sql(default))


def test_with_a_replica_the_revenue_report_and_compliance_evidence_read_it_alone(approved_run, settings):
    from_primary = _reports(approved_run)
    _turn_the_replica_on(settings)

    with (
        CaptureQueriesContext(connections["default"]) as default,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        from_replica = _reports(approved_run)

    assert from_replica == from_primary
    assert from_replica[0]["weeks"][0]["gross_volume_minor"] == 714
    assert from_replica[2]["below_floor_before_topup"] == 1
    assert _sql(default) == []
    # The revenue report as JSON and as CSV; the compliance evidence twice, each time
    # the run's status (is the run computed there yet?) and then its statements.
    tables = [
        "journal" if "payouts_journalentry" in sql else "statements" if "payouts_paystatement" in sql else sql
        for sql in _sql(replica)
    ]
    assert tables[:2] == ["journal", "journal"]
    assert tables[3::2] == ["statements", "statements"]
    assert all("payouts_payrun" in sql for sql in tables[2::2]) and len(tables) == 6


def test_compliance_evidence_of_a_run_the_replica_still_shows_computing_is_read_from_the_primary(
    stripe_server, monkeypatch, settings
):
    _turn_the_replica_on(settings)
    _approved_task_work()
    queued = []
    # Started and committed, its computation not yet taken by a worker.
    monkeypatch.setattr(payouts.payruns.services, "pay_run_compute_task", SimpleNamespace(delay=queued.append))
    after_close(last_week()[0])
    run = pay_run_start(actor=make_ops(Role.OPS_FINANCE)[0], period_start=last_week()[0])
    assert queued == [run.pk]

    # Computed but not committed: the primary's own connection sees the statements, the
    # replica's connection sees the run computing and none of them, as a lagging replica would.
    with transaction.atomic():
        assert pay_run_compute(run_id=run.pk).status == PayRunStatus.DRAFT
        with (
            CaptureQueriesContext(connections["default"]) as default,
            CaptureQueriesContext(connections["replica"]) as replica_queries,
        ):
            summary = compliance_summary(run_id=run.pk)
        assert summary["experts"] == 1 and summary["below_floor_before_topup"] == 1
        assert [sql for sql in _sql(replica_queries) if "payouts_paystatement" in sql] == []
        assert len(_sql(replica_queries)) == 1 and "payouts_payrun" in _sql(replica_queries)[0]
        assert any("payouts_paystatement" in sql for sql in _sql(default))

    # Once the replica has the computed run, it answers alone.
    with CaptureQueriesContext(connections["default"]) as default:
        assert compliance_summary(run_id=run.pk) == summary
    assert _sql(default) == []
