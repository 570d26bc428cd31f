"""The pay pages through real HTTP: pay runs for operations, statements for experts."""

import html
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from marketplace.services import (
    task_submit,
    time_entry_log,
    work_approve,
    work_reject,
)
from payouts.models import PayPeriodStatus, PayRun, PayRunStatus, PayStatement
from payouts.payruns.services import _progress_key, pay_run_approve, pay_run_compute
from payouts.views import payruns as pay_views
from payouts.weeks import week_of

from tests.helpers.factories import PASSWORD, UserFactory, make_lab, make_open_project, make_ops
from tests.helpers.factories import make_engagement as _engaged
from tests.helpers.pages import field_error, log_in, ops_browser
from tests.helpers.pages import readable_text as text_of
from tests.helpers.payruns import after_close

pytestmark = pytest.mark.django_db


def last_monday():
    return week_of(timezone.now().date())[0] - timedelta(days=7)


def week_text(start) -> str:
    end = start + timedelta(days=6)
    first = f"{start:%-d %b}" if start.year == end.year else f"{start:%-d %b %Y}"
    return f"{first} - {end:%-d %b %Y}"


def _project(**overrides):
    lab, owner = make_lab()
    settings = {
        "title": "ECG grading",
        "min_tier": "bulk",
        "required_credential_kinds": [],
        "allowed_countries": ["US", "GB"],
        "headcount": 3,
    }
    project = make_open_project(lab, owner, **(settings | overrides))
    type(project).objects.filter(pk=project.pk).update(starts_on=timezone.now().date() - timedelta(days=21))
    project.refresh_from_db()
    return project, owner


@pytest.fixture
def week(stripe_server):
    """Last week's work: Ada is paid below California's floor, Grace (hourly, elsewhere) above it."""
    project, owner = _project(pay_model="per_task", rate_minor=300, task_estimate_minutes=10)
    ada = _engaged(project, owner, display_name="Ada Lovelace", legal_name="Ada King")
    monday = last_monday()
    user = ada.contributor.user
    # Three $3 tasks that took 20 minutes each: $9 for an hour.
    for ref in ("T1", "T2", "T3"):
        work_approve(
            actor=owner,
            item=task_submit(actor=user, engagement=ada, task_reference=ref, minutes=20, work_date=monday),
        )
    # Training paid at the task rate's hourly worth ($18/h), and an hour the lab rejected.
    work_approve(
        actor=owner,
        item=time_entry_log(
            actor=user, engagement=ada, activity="training", work_date=monday + timedelta(days=1), minutes=30
        ),
    )
    work_reject(
        actor=owner,
        item=time_entry_log(
            actor=user, engagement=ada, activity="task_work", work_date=monday + timedelta(days=2), minutes=60
        ),
        reason="Off-task",
    )
    hourly_project, hourly_owner = _project(title="Contract review", rate_minor=9500)
    grace = _engaged(hourly_project, hourly_owner, display_name="Grace Hopper", legal_name="Grace Hopper")
    work_approve(
        actor=hourly_owner,
        item=time_entry_log(
            actor=grace.contributor.user, engagement=grace, activity="task_work", work_date=monday, minutes=120
        ),
    )
    # Operations run the week once it has closed.
    after_close(monday)
    return {"ada": ada, "grace": grace, "monday": monday}


@pytest.fixture
def preparer():
    return make_ops(Role.OPS_FINANCE, full_name="Priya Preparer")


@pytest.fixture
def approver():
    return make_ops(Role.OPS_FINANCE, full_name="Aaron Approver")


# A TOTP code is accepted once, so each person signs in once per test and keeps the session.
@pytest.fixture
def preparer_browser(preparer):
    return ops_browser(*preparer)


@pytest.fixture
def approver_browser(approver):
    return ops_browser(*approver)


def _start(browser, django_capture_on_commit_callbacks, day) -> PayRun:
    with django_capture_on_commit_callbacks(execute=True):
        started = browser.post("/ops/pay-runs/start/", {"period_start": day.isoformat()})
    assert started.status_code == 302, text_of(started)
    run = PayRun.objects.latest("id")
    assert started["Location"] == f"/ops/pay-runs/{run.pk}/"
    return run


@pytest.fixture
def draft_run(week, preparer_browser, django_capture_on_commit_callbacks):
    run = _start(preparer_browser, django_capture_on_commit_callbacks, week["monday"])
    run.refresh_from_db()
    assert run.status == PayRunStatus.DRAFT, run.error
    return run


@pytest.fixture
def approved_run(draft_run, approver):
    return pay_run_approve(actor=approver[0], run=draft_run)


# --- who gets in -----------------------------------------------------------------------------

OPS_PATHS = [
    "/ops/pay-runs/",
    "/ops/pay-runs/1/",
    "/ops/pay-runs/1/progress/",
    "/ops/pay-runs/1/compliance/",
    "/ops/pay-runs/1/compliance.csv",
    "/ops/pay-statements/1/",
]
EXPERT_PATHS = ["/expert/pay/", "/expert/pay/1/"]


@pytest.mark.parametrize("path", OPS_PATHS + EXPERT_PATHS)
def test_anonymous_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("role", [Role.EXPERT, Role.LAB_MEMBER])
def test_experts_and_lab_members_get_403_on_the_ops_pay_pages(client, role):
    client.force_login(UserFactory(role=role))
    for path in OPS_PATHS:
        assert client.get(path).status_code == 403, path
    assert client.post("/ops/pay-runs/start/", {"period_start": str(last_monday())}).status_code == 403
    assert client.post("/ops/pay-runs/1/approve/").status_code == 403
    assert not PayRun.objects.exists()


def test_lab_members_and_ops_get_403_on_my_pay(client, ops_reviewer):
    client.force_login(UserFactory(role=Role.LAB_MEMBER))
    for path in EXPERT_PATHS:
        assert client.get(path).status_code == 403
    reviewer = ops_browser(*ops_reviewer)
    for path in EXPERT_PATHS:
        assert reviewer.get(path).status_code == 403


def test_ops_without_a_second_factor_cannot_open_pay_runs(client, ops_finance):
    no_totp = UserFactory(role=Role.OPS_FINANCE)
    client.post("/accounts/login/", {"login": no_totp.email, "password": PASSWORD})
    response = client.get("/ops/pay-runs/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/2fa/totp/activate/")

    # TOTP set up, but this session never used it.
    skipped = Client()
    skipped.force_login(ops_finance[0])
    for path in ("/ops/pay-runs/", "/ops/pay-runs/1/progress/"):
        response = skipped.get(path)
        assert (response.status_code, response["Location"]) == (302, "/accounts/logout/")
    assert skipped.post("/ops/pay-runs/start/", {"period_start": str(last_monday())}).status_code == 302
    assert not PayRun.objects.exists()


def test_a_reviewer_reads_pay_runs_but_neither_starts_nor_approves_them(draft_run, ops_reviewer):
    reviewer = ops_browser(*ops_reviewer)
    listing = reviewer.get("/ops/pay-runs/")
    assert listing.status_code == 200
    assert "Operations finance starts and approves pay runs" in text_of(listing)
    assert "Start the pay run" not in text_of(listing)
    detail = reviewer.get(f"/ops/pay-runs/{draft_run.pk}/")
    assert detail.status_code == 200
    assert "Approve the pay run" not in text_of(detail)
    assert reviewer.post(f"/ops/pay-runs/{draft_run.pk}/approve/").status_code == 403
    assert reviewer.post("/ops/pay-runs/start/", {"period_start": str(last_monday())}).status_code == 403
    assert PayRun.objects.get(pk=draft_run.pk).status == PayRunStatus.DRAFT
    assert reviewer.get(f"/ops/pay-runs/{draft_run.pk}/compliance/").status_code == 200


def test_nav_links_lead_to_the_pay_pages(week, ops_reviewer):
    expert_home = log_in(week["ada"].contributor.user).get("/expert/").content.decode()
    assert 'href="/expert/pay/"' in expert_home
    assert 'href="/ops/pay-runs/"' in ops_browser(*ops_reviewer).get("/ops/").content.decode()


# --- operations: starting a run -----------------------------------------------------------


@pytest.mark.moments
def test_the_start_form_suggests_last_week_and_explains_a_refusal_next_to_the_field(preparer_browser):
    browser = preparer_browser
    page = browser.get("/ops/pay-runs/")
    assert page.status_code == 200
    assert f'value="{last_monday().isoformat()}"' in page.content.decode()
    assert "No pay runs yet. Start one for last week above." in text_of(page)

    today = timezone.now().date()
    refused = browser.post("/ops/pay-runs/start/", {"period_start": today.isoformat()})
    assert refused.status_code == 400
    assert "This week closes at" in field_error(refused, "period_start")
    assert f'value="{today.isoformat()}"' in refused.content.decode()

    typo = browser.post("/ops/pay-runs/start/", {"period_start": "last monday"})
    assert typo.status_code == 400
    assert "Enter a valid date." in field_error(typo, "period_start")
    assert 'value="last monday"' in typo.content.decode()
    assert "Please correct the marked fields." in text_of(typo)

    assert "This field is required." in field_error(browser.post("/ops/pay-runs/start/", {}), "period_start")
    assert not PayRun.objects.exists()


def test_a_week_being_computed_or_approved_is_refused_on_the_form(week, preparer_browser, approver):
    browser = preparer_browser
    monday = week["monday"]
    # Not captured: the computation never starts, as while a worker is still busy with it.
    assert browser.post("/ops/pay-runs/start/", {"period_start": str(monday)}).status_code == 302
    running = PayRun.objects.get()
    busy = browser.post("/ops/pay-runs/start/", {"period_start": str(monday + timedelta(days=3))})
    assert busy.status_code == 400
    assert "This could not be done. This pay week is being computed right now." in text_of(busy)
    assert f'value="{monday + timedelta(days=3)}"' in busy.content.decode()

    pay_run_compute(run_id=running.pk)
    pay_run_approve(actor=approver[0], run=running)
    closed = browser.post("/ops/pay-runs/start/", {"period_start": str(monday)})
    assert closed.status_code == 400
    assert "This pay week is approved; corrections go into a later week as adjustments." in text_of(closed)
    assert PayRun.objects.count() == 1


def test_a_computing_run_shows_its_progress_and_the_polled_endpoint_follows_it(week, preparer_browser):
    browser = preparer_browser
    assert browser.post("/ops/pay-runs/start/", {"period_start": str(week["monday"])}).status_code == 302
    run = PayRun.objects.get()
    waiting = browser.get(f"/ops/pay-runs/{run.pk}/progress/").json()
    assert (waiting["percent"], waiting["step"]) == (0, "waiting for a worker to start it")
    assert "0% · waiting for a worker to start it" in text_of(browser.get(f"/ops/pay-runs/{run.pk}/"))
    cache.set(_progress_key(run.pk), {"percent": 40, "step": "adding up every minute worked, day by day"})

    page = browser.get(f"/ops/pay-runs/{run.pk}/")
    content = page.content.decode()
    assert page.status_code == 200
    assert '<progress id="run-progress" max="100" value="40">40%</progress>' in content
    assert "40% · adding up every minute worked, day by day" in text_of(page)
    # Usable without JavaScript: the page refreshes itself and offers a reload link.
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in content
    assert f'data-progress-url="/ops/pay-runs/{run.pk}/progress/"' in content
    assert "js/live-progress.js" in content
    assert f'<a href="/ops/pay-runs/{run.pk}/">Reload</a>' in content
    assert "Computing" in text_of(browser.get("/ops/pay-runs/"))

    polled = browser.get(f"/ops/pay-runs/{run.pk}/progress/")
    assert polled["Cache-Control"] == "no-store"
    assert polled.json() == {
        "status": "computing",
        "status_label": "Computing",
        "finished": False,
        "percent": 40,
        "step": "adding up every minute worked, day by day",
        "line": "40% · adding up every minute worked, day by day",
    }

    pay_run_compute(run_id=run.pk)
    assert browser.get(f"/ops/pay-runs/{run.pk}/progress/").json() == {
        "status": "draft",
        "status_label": "Draft: waiting for approval",
        "finished": True,
        "percent": 100,
        "step": "ready for approval",
        "line": "100% · Draft: waiting for approval",
    }
    finished = browser.get(f"/ops/pay-runs/{run.pk}/").content.decode()
    assert "<progress" not in finished
    assert "live-progress.js" not in finished
    assert browser.get("/ops/pay-runs/999999/progress/").status_code == 404


def test_a_failed_run_shows_its_error(week, preparer_browser, monkeypatch):
    from payouts.payruns import computation as payrun

    browser = preparer_browser
    browser.post("/ops/pay-runs/start/", {"period_start": str(week["monday"])})
    run = PayRun.objects.get()

    def broken(**kwargs):
        raise RuntimeError("no FX rate from GBP to USD on 2025-05-05")

    monkeypatch.setattr(payrun, "compute_statements", broken)
    with pytest.raises(RuntimeError):
        pay_run_compute(run_id=run.pk)
    page = browser.get(f"/ops/pay-runs/{run.pk}/")
    assert page.status_code == 200
    text = text_of(page)
    assert "This run failed" in text
    assert "no FX rate from GBP to USD on 2025-05-05" in text
    assert "start the week again" in text
    assert browser.get(f"/ops/pay-runs/{run.pk}/compliance/").status_code == 404


def test_a_run_stopped_by_one_engagement_names_it_and_the_reason(week, preparer_browser):
    from django.db import connection

    from marketplace.models import Engagement

    grace = week["grace"]
    # A rate no one can enter any more (forms, API and the database refuse it), as a row
    # written before those bounds existed could still hold.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE marketplace_engagement DROP CONSTRAINT engagement_amounts_within_the_bounds")
    Engagement.objects.filter(pk=grace.pk).update(rate_minor=2**63 - 1)
    browser = preparer_browser
    browser.post("/ops/pay-runs/start/", {"period_start": str(week["monday"])})
    run = PayRun.objects.get()
    with pytest.raises(Exception, match="out of range"):
        pay_run_compute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == PayRunStatus.FAILED
    text = text_of(browser.get(f"/ops/pay-runs/{run.pk}/"))
    assert "This run failed" in text
    assert f"Grace Hopper, engagement #{grace.pk} on “Contract review”" in text
    assert "out of range" in text
    assert "Ada Lovelace" not in text


# --- operations: a draft, its approval and its evidence ------------------------------------


def test_a_draft_shows_totals_and_statements_and_the_list_sums_it_up(draft_run, week, preparer_browser):
    browser = preparer_browser
    listing = text_of(browser.get("/ops/pay-runs/"))
    monday = week["monday"]
    # Ada: $9 of tasks + $9 of training = $18.00, topped up by $24.80 (California measures each task
    # and entry on its own); Grace: 2 h at $95 = $190.00.
    assert (
        f"{week_text(monday)} Run #{draft_run.pk}, started" in listing
        and "Draft: waiting for approval Priya Preparer — 2 $208.00 $24.80 1" in listing
    ), listing

    page = browser.get(f"/ops/pay-runs/{draft_run.pk}/")
    text = text_of(page)
    assert f"Pay week {week_text(monday)}" in text
    assert "USD 2 4 h 30 min $208.00 $24.80 1 $232.80" in text
    assert "You prepared this run, so another operations finance colleague has to approve it (four eyes)." in text
    assert "Approve the pay run" not in text
    ada = PayStatement.objects.get(contributor=week["ada"].contributor)
    assert "Ada Lovelace Ada King California, United States 2 h 30 min $18.00 $7.20 $24.80 $42.80" in text, text
    assert "Grace Hopper California, United States 2 h $190.00 $95.00 $0.00 $190.00" in text
    assert f'href="/ops/pay-statements/{ada.pk}/"' in page.content.decode()
    assert f'href="/ops/pay-runs/{draft_run.pk}/compliance/"' in page.content.decode()


def test_statements_are_searchable_by_name_and_paginated(draft_run, preparer_browser, monkeypatch):
    browser = preparer_browser
    found = text_of(browser.get(f"/ops/pay-runs/{draft_run.pk}/?search=grace"))
    assert "1 statement matching “grace”" in found
    assert "Grace Hopper" in found and "Ada Lovelace" not in found
    by_legal_name = text_of(browser.get(f"/ops/pay-runs/{draft_run.pk}/?search=king"))
    assert "Ada Lovelace" in by_legal_name and "Grace Hopper" not in by_legal_name
    none = browser.get(f"/ops/pay-runs/{draft_run.pk}/?search=nobody")
    assert "No statement in this run matches “nobody”." in text_of(none)
    assert 'value="nobody"' in none.content.decode()

    monkeypatch.setattr(pay_views, "STATEMENT_PAGE_SIZE", 1)
    first = text_of(browser.get(f"/ops/pay-runs/{draft_run.pk}/"))
    assert "Page 1 of 2" in first and "Ada Lovelace" in first and "Grace Hopper" not in first
    second = browser.get(f"/ops/pay-runs/{draft_run.pk}/?page=2")
    assert "Grace Hopper" in text_of(second)


def test_the_preparer_is_refused_approval_and_a_second_finance_colleague_approves(
    draft_run, preparer_browser, approver, approver_browser
):
    own = preparer_browser
    refused = own.post(f"/ops/pay-runs/{draft_run.pk}/approve/")
    assert refused.status_code == 403
    text = text_of(refused)
    assert "Not approved. The person who prepared a pay run cannot approve it." in text
    assert "Ask another operations finance colleague to check and approve this run." in text
    assert "Ada Lovelace" in text  # still the run's page, with its statements
    assert PayRun.objects.get(pk=draft_run.pk).status == PayRunStatus.DRAFT

    other = approver_browser
    page = other.get(f"/ops/pay-runs/{draft_run.pk}/")
    assert "Approve the pay run" in text_of(page)
    approved = other.post(f"/ops/pay-runs/{draft_run.pk}/approve/")
    assert approved.status_code == 302
    assert approved["Location"] == f"/ops/pay-runs/{draft_run.pk}/"
    run = PayRun.objects.select_related("period").get(pk=draft_run.pk)
    assert (run.status, run.approved_by_id, run.period.status) == (
        PayRunStatus.APPROVED,
        approver[0].pk,
        PayPeriodStatus.APPROVED,
    )
    after = text_of(other.get(approved["Location"]))
    assert "approved and booked to the ledger. Experts can now read their statements." in after
    assert "Approved by Aaron Approver" in after
    assert "Approve the pay run" not in after

    again = other.post(f"/ops/pay-runs/{draft_run.pk}/approve/")
    assert again.status_code == 400
    assert "This pay run is approved, not a draft." in text_of(again)


def test_the_compliance_page_charts_pay_against_the_floors_and_offers_the_csv(draft_run, preparer_browser):
    browser = preparer_browser
    page = browser.get(f"/ops/pay-runs/{draft_run.pk}/compliance/")
    assert page.status_code == 200
    content, text = page.content.decode(), text_of(page)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in content
    # Named by its title, with both axes named and their units.
    assert '<title id="histogram-title">Experts by effective hourly pay before top-up' in content
    assert ">Experts</text>" in content and "Pay per hour worked before any top-up (USD)" in content
    assert "Experts paid 2 Hours worked 4 h 30 min Below the floor before top-up 1 Top-ups paid $24.80" in text
    # Ada at $7.20/h and Grace at $95/h: one of two at or above $90, none at $120.
    assert "$90 an hour 50.0% $120 an hour 0.0%" in text
    assert "California, United States (US-CA) USD 2 1 $24.80" in text
    assert "$75-90 0 $90-120 1" in text  # the chart's figures as a table
    assert f'href="/ops/pay-runs/{draft_run.pk}/compliance.csv"' in content

    csv = browser.get(f"/ops/pay-runs/{draft_run.pk}/compliance.csv")
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert csv["Content-Disposition"] == f'attachment; filename="pay-run-{draft_run.pk}-compliance.csv"'
    header, *rows = csv.content.decode().strip().splitlines()
    assert header.startswith("statement,expert,jurisdiction,currency,minutes_worked,pay_minor")
    assert "averaging_unit,cost_rate" in header
    assert len(rows) == 2
    # Each row names how its law measured the floor: both experts work in California.
    assert all(",item,0.0000," in row for row in rows)


def test_an_empty_week_has_an_empty_run_and_nothing_to_chart(
    preparer_browser, django_capture_on_commit_callbacks, settings
):
    settings.PAY_WEEK_GRACE_HOURS = 0  # last week has closed
    browser = preparer_browser
    run = _start(browser, django_capture_on_commit_callbacks, last_monday())
    assert "No statements: nobody logged work in this week." in text_of(browser.get(f"/ops/pay-runs/{run.pk}/"))
    assert "nothing to chart" in text_of(browser.get(f"/ops/pay-runs/{run.pk}/compliance/"))


def test_ops_read_a_draft_statement_with_a_note_that_the_expert_cannot_see_it_yet(draft_run, week, ops_reviewer):
    statement = PayStatement.objects.get(contributor=week["ada"].contributor)
    page = ops_browser(*ops_reviewer).get(f"/ops/pay-statements/{statement.pk}/")
    assert page.status_code == 200
    text = text_of(page)
    assert f"Statement #{statement.pk}: Ada Lovelace" in text
    assert "This run is a draft: the expert sees this statement once it is approved" in text
    assert "The top-up is the larger of the two: $24.80." in text
    assert ops_browser(*make_ops(Role.OPS_FINANCE)).get("/ops/pay-statements/999999/").status_code == 404


# --- experts: my pay ----------------------------------------------------------------------


def test_an_expert_sees_a_statement_only_once_its_run_is_approved(draft_run, week, approver):
    ada = week["ada"].contributor
    statement = PayStatement.objects.get(contributor=ada)
    browser = log_in(ada.user)
    empty = browser.get("/expert/pay/")
    assert empty.status_code == 200
    assert "No pay statements yet." in text_of(empty)
    assert browser.get(f"/expert/pay/{statement.pk}/").status_code == 404

    pay_run_approve(actor=approver[0], run=draft_run)
    listing = browser.get("/expert/pay/")
    text = text_of(listing)
    assert f"{week_text(week['monday'])} 2 h 30 min $18.00 $24.80 $42.80" in text
    assert "Grace" not in text
    assert f'href="/expert/pay/{statement.pk}/"' in listing.content.decode()
    assert browser.get(f"/expert/pay/{statement.pk}/").status_code == 200


def test_another_experts_statement_is_404(approved_run, week):
    grace_statement = PayStatement.objects.get(contributor=week["grace"].contributor)
    ada_browser = log_in(week["ada"].contributor.user)
    assert ada_browser.get(f"/expert/pay/{grace_statement.pk}/").status_code == 404
    assert ada_browser.get("/expert/pay/999999/").status_code == 404


def test_a_statement_with_a_top_up_explains_every_line_and_each_day(approved_run, week):
    ada = week["ada"].contributor
    statement = PayStatement.objects.get(contributor=ada)
    monday = week["monday"]
    page = log_in(ada.user).get(f"/expert/pay/{statement.pk}/")
    assert page.status_code == 200
    text = text_of(page)
    assert f"Pay for the week of {week_text(monday)}" in text
    assert "Hours worked 2 h 30 min Pay for work $18.00 Minimum-wage top-up $24.80 Total $42.80" in text
    # The check against the floor, in plain words.
    assert "Pay for work per hour worked $7.20 ($18.00 for 2 h 30 min)" in text
    assert "Minimum wage in California, United States $16.90 an hour." in text
    assert "Minimum wage owed for every minute worked $42.25" in text
    assert (
        "Your pay for work was below the minimum wage, so a top-up of $24.80 was added: $42.80 for the week's work, $17.12 an hour."
        in text
    )
    # Every line with its minutes, count, rate and amount.
    assert (
        "Tasks: ECG grading Approved tasks at the price per task agreed for this project. 1 h 3 $3.00 a task $9.00"
        in text
    )
    assert "Training, onboarding and assessments: ECG grading Approved time only" in text
    assert "30 min 1 $18.00 an hour $9.00" in text
    assert "Top-up to the minimum wage for every minute worked Every minute logged counts here" in text
    assert "2 h 30 min — — $24.80 Total $42.80" in text
    # Day by day: Monday's hour of tasks, Tuesday's training and Wednesday's rejected hour all count.
    assert (
        "every minute you logged counts, whether the work was approved, is still waiting for review, or was rejected"
        in text
    )
    # California measures each item on its own (Armenta v. Osmose): Monday's three 20-minute $3
    # tasks each fall $2.6333… short, Tuesday's training at $18/h is above the floor, and
    # Wednesday's rejected hour was paid nothing.
    assert "Measured each time entry and each task on its own, with no averaging across them" in text
    assert "Armenta v. Osmose" in text
    for offset, minutes, owed, paid, short in (
        (0, "1 h", "$16.90", "$9.00", "$7.90"),
        (1, "30 min", "$8.45", "$9.00", "$0.00"),
        (2, "1 h", "$16.90", "$0.00", "$16.90"),
    ):
        day = monday + timedelta(days=offset)
        assert (
            f"{day:%a %-d %b %Y} Each item {minutes} $16.90 an hour {owed} {paid} {short} Minimum wage source" in text
        )
    assert "All days, exactly $42.25" in text
    assert "Everything short of the minimum wage adds up to $24.80; rounded up once, $24.80." in text
    assert (
        "As a check over the whole week: the minimum wage owed for every minute worked is $42.25 (the days rounded "
        "up once) and the pay for work is $18.00, a gap of $24.25."
    ) in text
    assert "The top-up is the larger of the two: $24.80." in text
    content = page.content.decode()
    source = statement.lines.get(kind="topup").source["days"][0]["source"]
    assert f'href="{html.escape(source)}"' in content or f'href="{source}"' in content


def test_a_statements_hours_worked_add_up_to_its_lines_and_the_work_it_does_not_pay(approved_run, week):
    ada = week["ada"].contributor
    statement = PayStatement.objects.get(contributor=ada)
    monday = week["monday"]
    text = text_of(log_in(ada.user).get(f"/expert/pay/{statement.pk}/"))
    # 1 h of tasks and 30 min of training on the lines; Wednesday's rejected hour explained.
    assert (
        "Hours worked, 2 h 30 min, are every minute logged this week: 1 h 30 min paid on the lines above "
        "and 1 h not paid as work this week (1 h of it rejected). The minimum wage is owed on all of it." in text
    )
    wednesday = monday + timedelta(days=2)
    assert (
        f"{wednesday:%a %-d %b %Y} 1 h Task work · ECG grading Rejected, with the reason “Off-task”: "
        "not paid as work, but counted for the minimum wage." in text
    )
    assert "Not on a line 1 h" in text

    # Appealed after the run: the statement says what happens to that hour next.
    from marketplace.models import TimeEntry
    from marketplace.services import work_appeal

    work_appeal(actor=ada.user, item=TimeEntry.objects.get(status="rejected"), reason="It was on task")
    text = text_of(log_in(ada.user).get(f"/expert/pay/{statement.pk}/"))
    assert (
        "Rejected, with the reason “Off-task”, and appealed: paid as a correction in a later statement if the "
        "appeal is upheld" in text
    )


def test_a_statement_without_a_top_up_says_none_was_needed(approved_run, week):
    grace = week["grace"].contributor
    statement = PayStatement.objects.get(contributor=grace)
    text = text_of(log_in(grace.user).get(f"/expert/pay/{statement.pk}/"))
    assert "Pay for work per hour worked $95.00" in text
    assert "Your pay for work was at or above the minimum wage for every day worked, so no top-up was needed." in text
    assert "Hourly work: Contract review" in text
    assert "2 h 1 $95.00 an hour $190.00" in text
    assert "How the top-up was worked out" not in text


def test_a_uk_expert_paid_in_dollars_sees_the_floor_converted_exactly(
    stripe_server, preparer_browser, approver, django_capture_on_commit_callbacks, settings
):
    project, owner = _project(rate_minor=2000)
    engagement = _engaged(project, owner, country="GB", subdivision="", timezone="Europe/London")
    monday = last_monday()
    time_entry_log(
        actor=engagement.contributor.user, engagement=engagement, activity="task_work", work_date=monday, minutes=60
    )  # waiting for review: counted for the floor, not paid yet
    settings.PAY_WEEK_GRACE_HOURS = 0  # the week has closed
    run = _start(preparer_browser, django_capture_on_commit_callbacks, monday)
    pay_run_approve(actor=approver[0], run=run)
    statement = PayStatement.objects.get(run=run)
    text = text_of(log_in(engagement.contributor.user).get(f"/expert/pay/{statement.pk}/"))
    # £12.71 x 1.27 = $16.1417 an hour, kept exact until the week is rounded up once: $16.15.
    assert "Minimum wage in United Kingdom $16.1417 an hour (£12.71 at 1.27 USD per GBP)." in text
    assert "converted to USD at that day's exchange rate" in text
    # The UK measures the minimum wage over the pay reference period: the week as a whole.
    assert "Measured over the pay period (the pay week) as a whole" in text
    assert f"{monday:%a %-d %b %Y} The pay period 1 h $16.1417 an hour (at 1.27) $16.1417 $0.00 with the week" in text
    assert "The days measured over the week together owe $16.1417 and were paid $0.00: short by $16.1417." in text
    assert "Everything short of the minimum wage adds up to $16.1417; rounded up once, $16.15." in text
    assert "The top-up is the larger of the two: $16.15." in text


def test_a_quality_bonus_line_shows_its_percentage_and_score(
    stripe_server, preparer_browser, approver, django_capture_on_commit_callbacks, settings
):
    from marketplace.services import bonus_rule_set, quality_scores_compute

    project, owner = _project(pay_model="per_task", rate_minor=300, task_estimate_minutes=10)
    engagement = _engaged(project, owner)
    monday = last_monday()
    for ref in ("T1", "T2", "T3"):
        work_approve(
            actor=owner,
            item=task_submit(
                actor=engagement.contributor.user,
                engagement=engagement,
                task_reference=ref,
                minutes=8,
                work_date=monday,
            ),
        )
    quality_scores_compute(actor=owner, project=project)
    bonus_rule_set(
        actor=owner, project=project, min_quality_score=Decimal("0.9"), percent=Decimal("10"), effective_from=monday
    )
    settings.PAY_WEEK_GRACE_HOURS = 0  # the week has closed
    run = _start(preparer_browser, django_capture_on_commit_callbacks, monday)
    pay_run_approve(actor=approver[0], run=run)
    statement = PayStatement.objects.get(run=run)
    text = text_of(log_in(engagement.contributor.user).get(f"/expert/pay/{statement.pk}/"))
    assert "Quality bonus: ECG grading Quality score 1.000 reached the project's bonus threshold of 0.900." in text
    assert "— — 10% of $9.00 $0.90" in text


def test_a_correction_to_an_approved_week_is_paid_and_explained_in_a_later_statement(
    stripe_server, preparer_browser, approver, django_capture_on_commit_callbacks, settings
):
    # Both weeks' work is logged while they are open; then both have closed.
    settings.PAY_WEEK_GRACE_HOURS = 336
    project, owner = _project(title="Contract review", rate_minor=2000)
    engagement = _engaged(project, owner)
    user = engagement.contributor.user
    earlier = last_monday() - timedelta(days=7)
    work_approve(
        actor=owner,
        item=time_entry_log(actor=user, engagement=engagement, activity="task_work", work_date=earlier, minutes=60),
    )
    late = time_entry_log(
        actor=user, engagement=engagement, activity="task_work", work_date=earlier + timedelta(days=1), minutes=30
    )
    settings.PAY_WEEK_GRACE_HOURS = 0
    first = _start(preparer_browser, django_capture_on_commit_callbacks, earlier)
    pay_run_approve(actor=approver[0], run=first)
    work_approve(actor=owner, item=late)  # after its week was paid: the next run pays the difference

    second = _start(preparer_browser, django_capture_on_commit_callbacks, last_monday())
    pay_run_approve(actor=approver[0], run=second)
    statement = PayStatement.objects.get(run=second)
    assert statement.adjustment_minor != 0
    page = log_in(user).get(f"/expert/pay/{statement.pk}/")
    text = text_of(page)
    assert "Corrections to earlier weeks" in text
    assert "No work was logged in this week. This statement pays corrections to earlier weeks only" in text
    assert f"of the week of {week_text(earlier)}, which changed after that week was approved." in text
    run_page = text_of(preparer_browser.get(f"/ops/pay-runs/{second.pk}/"))
    assert "Adjustments to earlier weeks" in run_page
    assert preparer_browser.get(f"/ops/pay-runs/{second.pk}/compliance/").status_code == 200


# --- revenue -------------------------------------------------------------------------


def test_ops_read_gross_volume_and_net_revenue_by_week(week, preparer, approver, client):
    from payouts.ledger.revenue import revenue_report
    from payouts.payruns.services import pay_run_approve, pay_run_compute, pay_run_start

    run = pay_run_compute(run_id=pay_run_start(actor=preparer[0], period_start=week["monday"]).pk)
    pay_run_approve(actor=approver[0], run=run)
    browser = ops_browser(*preparer)
    page = browser.get("/ops/revenue/")
    assert page.status_code == 200
    text = text_of(page)
    # Days read one way across the page: the window's ends as its weeks.
    assert f"{week['monday']:%-d %b %Y}" in text and "Net revenue" in text
    assert f"Totals from {week['monday'] - timedelta(weeks=11):%-d %b %Y} to {week['monday']:%-d %b %Y}" in text
    assert str(week["monday"]) not in text
    # Ada: $9 of tasks, $9 of training (fee half of each), top-up to her floor; Grace: 2 h at $95 plus fee.
    report = revenue_report(since=week["monday"], until=week["monday"])
    assert report["weeks"][0]["net_revenue_minor"] == (900 + 900 + 19000) // 2
    assert "$104.00" in text  # the fees, shown as money
    csv = browser.get(f"/ops/revenue/?since={week['monday']}&until={week['monday']}&output=csv")
    assert csv["Content-Type"] == "text/csv"
    assert csv.content.decode().splitlines()[1].startswith(f"{week['monday']},USD,")


def test_the_revenue_form_keeps_what_was_typed_and_names_the_wrong_field(preparer):
    browser = ops_browser(*preparer)
    page = browser.get("/ops/revenue/?since=2026-11-02&until=2026-10-01")
    assert page.status_code == 400
    assert "Must be on or after the first week." in text_of(page)
    assert 'value="2026-11-02"' in page.content.decode()
    assert browser.get("/ops/revenue/?since=soon&until=").status_code == 400


def test_experts_and_lab_members_cannot_read_revenue(client, week):
    from tests.helpers.factories import PASSWORD

    client.post("/accounts/login/", {"login": week["ada"].contributor.user.email, "password": PASSWORD})
    assert client.get("/ops/revenue/").status_code == 403
