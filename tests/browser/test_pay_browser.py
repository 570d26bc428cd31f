"""A pay week in a real Chromium: one finance colleague runs it, another approves it, the expert reads it.

Screenshots of each step land in test-output/screenshots/pay-*.png; the expert's statement
is also checked at phone width.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from marketplace.services import invitation_send, staffing_request_accept, task_submit, time_entry_log, work_approve
from payouts.models import PayRun, PayRunStatus
from payouts.payruns.services import pay_run_compute
from payouts.tasks import pay_run_compute_task
from payouts.weeks import week_of

from tests.helpers.browser import (
    UNLABELLED_CONTROLS_JS,
    horizontal_overflow,
    log_in,
    log_in_ops,
    watch_server_errors,
)
from tests.helpers.factories import make_lab, make_open_project, make_ops, make_vetted_expert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _week_below_the_floor(monday):
    """An expert paid $3 a task who took 20 minutes a task last Monday, plus an hour of training."""
    lab, owner = make_lab(name="Helix Research")
    project = make_open_project(
        lab,
        owner,
        title="ECG grading",
        min_tier="bulk",
        required_credential_kinds=[],
        pay_model="per_task",
        rate_minor=300,
        task_estimate_minutes=10,
    )
    type(project).objects.filter(pk=project.pk).update(starts_on=timezone.now().date() - timedelta(days=21))
    expert = make_vetted_expert(display_name="Dr Ada")
    engagement = staffing_request_accept(
        actor=expert.user, request=invitation_send(actor=owner, project=project, contributor=expert)
    )
    type(engagement).objects.filter(pk=engagement.pk).update(started_at=timezone.now() - timedelta(days=21))
    engagement.refresh_from_db()
    for ref in ("T1", "T2", "T3"):
        task = task_submit(actor=expert.user, engagement=engagement, task_reference=ref, minutes=20, work_date=monday)
        work_approve(actor=owner, item=task)
    training = time_entry_log(
        actor=expert.user, engagement=engagement, activity="training", work_date=monday + timedelta(days=1), minutes=60
    )
    work_approve(actor=owner, item=training)
    return expert


def _signed_in_page(browser, live_server, errors):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    errors += watch_server_errors(page)
    return context, page


def test_a_pay_week_is_run_approved_by_a_second_person_and_read_by_the_expert(
    browser, live_server, page, phone_page, screenshot, stripe_server, monkeypatch, settings
):
    errors = watch_server_errors(page)
    monday = week_of(timezone.now().date())[0] - timedelta(days=7)
    expert = _week_below_the_floor(monday)
    # The week's grace period is over: it has closed and can be run.
    settings.PAY_WEEK_GRACE_HOURS = 0
    preparer, preparer_secret = make_ops(Role.OPS_FINANCE, full_name="Priya Preparer")
    approver, approver_secret = make_ops(Role.OPS_FINANCE, full_name="Aaron Approver")
    # The worker has not picked the computation up yet: the page shows it waiting and then
    # follows it when the test does the worker's job below.
    queued: list[int] = []
    monkeypatch.setattr(pay_run_compute_task, "delay", queued.append)

    # Finance colleague A finds the pay runs and starts last week, which the form suggests.
    log_in_ops(page, preparer, preparer_secret)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Pay runs").click()
    expect(page.get_by_role("heading", name="Pay runs", exact=True)).to_be_visible()
    expect(page.get_by_text("No pay runs yet. Start one for last week above.")).to_be_visible()
    expect(page.get_by_label("A day in the week to pay")).to_have_value(monday.isoformat())
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []
    screenshot(page, "pay-01-runs")

    # A week that has not closed is refused next to the field, with the date kept.
    today = timezone.now().date().isoformat()
    page.get_by_label("A day in the week to pay").fill(today)
    with page.expect_response(re.compile(r"/ops/pay-runs/start/$")) as refused:
        page.get_by_role("button", name="Start the pay run").click()
    assert refused.value.status == 400
    expect(page.locator("#id_period_start_error")).to_contain_text("This week closes at")
    expect(page.get_by_label("A day in the week to pay")).to_have_value(today)
    screenshot(page, "pay-02-week-not-over")

    page.get_by_label("A day in the week to pay").fill(monday.isoformat())
    page.get_by_role("button", name="Start the pay run").click()
    expect(page.get_by_role("heading", name="Computing the week")).to_be_visible()
    expect(page.get_by_label("Progress")).to_be_visible()
    run = PayRun.objects.get()
    assert queued == [run.pk]
    screenshot(page, "pay-03-computing")

    # The worker computes the week; the page, polling, turns into the draft by itself.
    pay_run_compute(run_id=run.pk)
    head = page.locator(".page-head .badge")
    expect(head).to_have_text("Draft: waiting for approval")
    totals = page.get_by_role("table", name="Totals")
    # $9 of tasks + $18 of training = $27 for 2 h. California measures each item on its own:
    # each 20-minute $3 task falls $2.6333... short of $16.90 an hour, the training hour none.
    expect(totals).to_contain_text("$27.00")
    expect(totals).to_contain_text("$7.90")
    expect(page.get_by_role("row", name=re.compile("Dr Ada"))).to_contain_text("$34.90")
    expect(
        page.get_by_text("You prepared this run, so another operations finance colleague has to approve it")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Approve the pay run")).to_have_count(0)
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []
    screenshot(page, "pay-04-draft-four-eyes")

    # Finance colleague B approves, from the keyboard, and opens the compliance evidence.
    approver_context, approver_page = _signed_in_page(browser, live_server, errors)
    try:
        log_in_ops(approver_page, approver, approver_secret)
        approver_page.get_by_role("navigation", name="Main").get_by_role("link", name="Pay runs").click()
        approver_page.get_by_role("link", name=re.compile(rf"^{monday:%-d %b}")).click()
        approve = approver_page.get_by_role("button", name="Approve the pay run")
        approve.focus()
        approver_page.keyboard.press("Enter")
        expect(approver_page.get_by_text(re.compile("approved and booked to the ledger"))).to_be_visible()
        expect(approver_page.locator(".page-head .badge")).to_have_text("Approved")
        expect(approver_page.locator(".run-facts")).to_contain_text("Aaron Approver")
        screenshot(approver_page, "pay-05-approved")
        assert PayRun.objects.get(pk=run.pk).status == PayRunStatus.APPROVED

        approver_page.get_by_role("link", name="Compliance evidence for this run").click()
        expect(approver_page.get_by_role("heading", name=re.compile("^Compliance evidence"))).to_be_visible()
        expect(approver_page.locator(".chart svg")).to_be_visible()
        expect(approver_page.get_by_role("row", name=re.compile("California"))).to_contain_text("$7.90")
        screenshot(approver_page, "pay-06-compliance")
        with approver_page.expect_download() as download:
            approver_page.get_by_role("link", name="Download the CSV").click()
        assert download.value.suggested_filename == f"pay-run-{run.pk}-compliance.csv"
    finally:
        approver_context.close()

    # The expert opens their statement from "My pay" and reads the top-up day by day.
    expert_context, expert_page = _signed_in_page(browser, live_server, errors)
    try:
        log_in(expert_page, expert.user.email)
        expect(expert_page).to_have_url(re.compile(r"/expert/$"))
        expert_page.get_by_role("navigation", name="Main").get_by_role("link", name="My pay").click()
        expect(expert_page.get_by_role("heading", name="My pay")).to_be_visible()
        screenshot(expert_page, "pay-07-my-pay")
        expert_page.get_by_role("link", name=re.compile(rf"^{monday:%-d %b}")).click()
        expect(expert_page.get_by_role("heading", name=re.compile("^Pay for the week of"))).to_be_visible()
        expect(expert_page.get_by_text(re.compile("pay for work was below the minimum wage"))).to_be_visible()
        days = expert_page.get_by_role("table", name="Minimum wage owed, pay and shortfall for each day worked")
        monday_row = days.get_by_role("row", name=re.compile(f"{monday:%a %-d %b %Y}"))
        expect(monday_row).to_contain_text("Each item")
        expect(monday_row).to_contain_text("$16.90")
        expect(expert_page.get_by_text(re.compile(r"The top-up is the larger of the two: \$7\.90\."))).to_be_visible()
        screenshot(expert_page, "pay-08-expert-statement")
        statement_url = expert_page.url
    finally:
        expert_context.close()

    # The same statement on a phone: nothing scrolls sideways.
    errors += watch_server_errors(phone_page)
    log_in(phone_page, expert.user.email)
    expect(phone_page).to_have_url(re.compile(r"/expert/$"))
    phone_page.goto(statement_url)
    expect(phone_page.get_by_role("heading", name=re.compile("^Pay for the week of"))).to_be_visible()
    assert horizontal_overflow(phone_page) <= 0, "the statement scrolls sideways on a phone"
    screenshot(phone_page, "phone-pay-statement")
    assert errors == []
