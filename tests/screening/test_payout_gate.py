"""The payout gate end to end: a name on the sample SDN list is held at the next batch,
cleared by two people of operations, and paid with the batch after that; through the API,
the pages and the local Stripe server."""

from datetime import date, timedelta
from pathlib import Path

import pytest
import requests
from django.utils import timezone

from accounts.models import Role
from marketplace.models import Engagement, Project
from marketplace.services import invitation_send, staffing_request_accept, time_entry_log, work_approve
from payouts.models import Payout, PayoutStatus, PayRunStatus
from payouts.payruns.services import pay_run_approve, pay_run_start
from payouts.weeks import week_of
from screening.services import SanctionsFiles, sanctions_list_import
from stripe_local.server import reset, webhook_deliveries

from tests.helpers.factories import make_lab, make_open_project, make_ops, make_vetted_expert
from tests.helpers.stripe_webhooks import deliver
from tests.helpers.tax import sign_tax_form

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "screening" / "samples"


@pytest.fixture(autouse=True)
def _clean_stripe(stripe_server, settings):
    reset()
    webhook_deliveries.set(delay_seconds=0)
    settings.PAYOUT_RATE_LIMIT_PER_SECOND = 0
    yield
    reset()


def weeks_ago(n: int):
    return week_of(timezone.now().date())[0] - timedelta(days=7 * n)


def onboard(client_for, connect_webhook_inbox, contributor):
    api = client_for(contributor.user)
    link = api.post("/api/me/payout-account/onboarding-link/")
    assert link.status_code == 201, link.json()
    account_id = link.json()["account"]["stripe_account_id"]
    visit = requests.get(link.json()["url"], params={"outcome": "completed"}, allow_redirects=False, timeout=10)
    assert visit.status_code == 302
    assert (
        deliver("connect", *connect_webhook_inbox.wait_for("account.updated", object_id=account_id)).status_code == 200
    )


def approved_run(capture, week: int):
    with capture(execute=True):
        run = pay_run_start(actor=make_ops(Role.OPS_FINANCE)[0], period_start=weeks_ago(week))
    run.refresh_from_db()
    assert run.status == PayRunStatus.DRAFT, run.error
    return pay_run_approve(actor=make_ops(Role.OPS_FINANCE)[0], run=run)


def test_a_listed_name_is_held_at_the_next_batch_cleared_by_two_people_and_paid_by_the_batch_after(
    client_for, connect_webhook_inbox, django_capture_on_commit_callbacks, settings
):
    lab, owner = make_lab()
    project = make_open_project(
        lab, owner, min_tier="bulk", required_credential_kinds=[], allowed_countries=["US"], headcount=2
    )
    Project.objects.filter(pk=project.pk).update(starts_on=timezone.now().date() - timedelta(days=21))
    ada = make_vetted_expert(display_name="Ada", legal_name="Ada Example")
    ivan = make_vetted_expert(display_name="Ivan", legal_name="Ivan Samplov")  # an alias on the list
    settings.PAY_WEEK_GRACE_HOURS = 336
    for expert in (ada, ivan):
        engagement = staffing_request_accept(
            actor=expert.user, request=invitation_send(actor=owner, project=project, contributor=expert)
        )
        Engagement.objects.filter(pk=engagement.pk).update(started_at=timezone.now() - timedelta(days=21))
        engagement.refresh_from_db()
        for week in (2, 1):
            entry = time_entry_log(
                actor=expert.user, engagement=engagement, activity="task_work", work_date=weeks_ago(week), minutes=60
            )
            work_approve(actor=owner, item=entry)
        onboard(client_for, connect_webhook_inbox, expert)
        sign_tax_form(expert)
    settings.PAY_WEEK_GRACE_HOURS = 0
    # The list arrives after they signed up; the rescreening it queues has not run yet
    # (its news is lost, say): the batch screens them itself.
    sanctions_list_import(
        actor=None,
        list_kind="sdn",
        files=SanctionsFiles(prim=(SAMPLES / "SDN.CSV").read_bytes(), alt=(SAMPLES / "ALT.CSV").read_bytes()),
        published_on=date(2026, 6, 15),
        source="SDN.CSV",
    )

    preparer, approver = make_ops(Role.OPS_FINANCE), make_ops(Role.OPS_FINANCE)
    first_reviewer, second_reviewer = make_ops(Role.OPS_REVIEWER), make_ops(Role.OPS_REVIEWER)
    prep, appr = client_for(*preparer), client_for(*approver)
    rev1, rev2 = client_for(*first_reviewer), client_for(*second_reviewer)

    # The first batch: Ivan's name is close to a listed alias, so his pay is held.
    run = approved_run(django_capture_on_commit_callbacks, week=2)
    batch = prep.post("/api/ops/payout-batches/", {"pay_run": run.pk}).json()
    assert batch["progress"]["counts"]["pending"] == 1
    held = prep.get(f"/api/ops/payout-batches/{batch['id']}/payouts/?status=held").json()["results"]
    assert [(p["contributor_name"], p["hold_reason"]) for p in held] == [("Ivan", "sanctions")]
    assert held[0]["reason"].startswith("Your payouts are paused while we check your name")
    with django_capture_on_commit_callbacks(execute=True):
        assert appr.post(f"/api/ops/payout-batches/{batch['id']}/approve/").status_code == 200
    assert Payout.objects.get(contributor=ada).status == PayoutStatus.PAID
    assert Payout.objects.get(contributor=ivan).status == PayoutStatus.HELD

    # Ivan learns only that a check is under way.
    mine = client_for(ivan.user).get("/api/me/screening/").json()
    assert mine["check_under_way"] is True
    assert "SAMPLE" not in mine["message"] and "SDN" not in mine["message"]

    # Operations: the queue, the evidence, one proposes, the same person cannot second, another does.
    [queued] = rev1.get("/api/ops/screening/reviews/").json()
    assert (queued["subject"]["ref_id"], queued["reason"]) == (ivan.pk, "payout_batch")
    detail = rev1.get(f"/api/ops/screening/reviews/{queued['id']}/").json()
    [match] = detail["matches"]
    assert (match["ent_num"], match["matched_name"], match["list_kind"]) == (10001, "SAMPLOV, Ivan", "sdn")
    assert match["entry_birth_dates"][0] == "1970-01-01 (day)"
    propose = rev1.post(
        f"/api/ops/screening/reviews/{queued['id']}/propose/",
        {"decision": "clear", "reason": "Passport: born 12 May 1991 in Denver; the entry was born 1970-1972."},
    )
    assert propose.status_code == 200, propose.json()
    same = rev1.post(f"/api/ops/screening/reviews/{queued['id']}/second/", {"agree": True, "reason": "Agreeing."})
    assert (same.status_code, same.json()["code"]) == (403, "four_eyes")
    seconded = rev2.post(
        f"/api/ops/screening/reviews/{queued['id']}/second/",
        {"agree": True, "reason": "Checked the passport scan: a different man."},
    )
    assert seconded.json()["status"] == "cleared"
    assert client_for(ivan.user).get("/api/me/screening/").json() == {"check_under_way": False, "message": None}

    # The next batch takes Ivan's held payout over and pays it with this week's.
    second_run = approved_run(django_capture_on_commit_callbacks, week=1)
    second = prep.post("/api/ops/payout-batches/", {"pay_run": second_run.pk}).json()
    assert second["progress"]["counts"]["pending"] == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert appr.post(f"/api/ops/payout-batches/{second['id']}/approve/").status_code == 200
    assert set(Payout.objects.filter(contributor=ivan).values_list("status", flat=True)) == {PayoutStatus.PAID}
