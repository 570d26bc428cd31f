"""The charts of the product (a project's budget burn, a pay run's hourly pay): each has a
title and named axes, every label drawn inside the chart, and a table beside it with the
same figures."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from marketplace.services import invitation_send, staffing_request_accept, task_submit, work_approve
from payouts.payruns.services import pay_run_compute, pay_run_start
from payouts.weeks import week_of

from tests.helpers.browser import log_in, log_in_ops, watch_server_errors
from tests.helpers.factories import make_lab, make_open_project, make_ops, make_vetted_expert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every text of the chart whose box (rotation included) reaches outside the drawing.
CLIPPED_LABELS_JS = """
svg => {
  const frame = svg.getBoundingClientRect();
  return Array.from(svg.querySelectorAll('text'))
    .filter(text => {
      const box = text.getBoundingClientRect();
      return box.left < frame.left - 0.5 || box.right > frame.right + 0.5
        || box.top < frame.top - 0.5 || box.bottom > frame.bottom + 0.5;
    })
    .map(text => text.textContent);
}
"""


def _world():
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
    type(project).objects.filter(pk=project.pk).update(starts_on=timezone.now().date() - timedelta(days=28))
    expert = make_vetted_expert(display_name="Dr Ada")
    engagement = staffing_request_accept(
        actor=expert.user, request=invitation_send(actor=owner, project=project, contributor=expert)
    )
    type(engagement).objects.filter(pk=engagement.pk).update(started_at=timezone.now() - timedelta(days=28))
    engagement.refresh_from_db()
    monday = week_of(timezone.now().date())[0] - timedelta(days=7)
    # Last week (then paid by the run) and this week: two points on the chart.
    for weeks_on, reference in ((0, "T1"), (1, "T2")):
        work_approve(
            actor=owner,
            item=task_submit(
                actor=expert.user,
                engagement=engagement,
                task_reference=reference,
                minutes=20,
                work_date=monday + timedelta(days=7 * weeks_on),
            ),
        )
    preparer, preparer_secret = make_ops(Role.OPS_FINANCE)
    with override_settings(PAY_WEEK_GRACE_HOURS=0):
        run = pay_run_compute(run_id=pay_run_start(actor=preparer, period_start=monday).pk)
    return owner, project, preparer, preparer_secret, run


def _labels_fit(page, svg) -> None:
    expect(svg.locator("title").first).not_to_be_empty()
    assert svg.evaluate(CLIPPED_LABELS_JS) == []


def _column(table, selector: str) -> list[str]:
    return [cell.strip() for cell in table.locator(f"tbody tr {selector}").all_inner_texts()]


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
def test_each_chart_names_its_axes_fits_its_labels_and_matches_its_table(browser, live_server, stripe_server, width):
    owner, project, preparer, preparer_secret, run = _world()
    for user, secret, path in ((owner, None, f"/lab/projects/{project.pk}/"), (preparer, preparer_secret, None)):
        context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15000)
        errors = watch_server_errors(page)
        if secret:
            log_in_ops(page, user, secret)
            page.goto(f"/ops/pay-runs/{run.pk}/compliance/")
            svg = page.locator("svg.histogram")
            expect(svg.get_by_text("Experts", exact=True)).to_have_count(1)
            expect(svg.locator("text", has_text="(USD)")).not_to_have_count(0)
            _labels_fit(page, svg)
            page.get_by_text("The chart's figures as a table").click()
            table = page.get_by_role("table", name="Experts paid in US dollars by effective hourly pay before top-up")
            bars = svg.locator("rect.bar")
            assert [bar.get_attribute("data-bucket") for bar in bars.all()] == _column(table, "th")
            assert [bar.get_attribute("data-value") for bar in bars.all()] == _column(table, "td")
            assert sum(int(value) for value in _column(table, "td")) == 1
        else:
            log_in(page, user.email)
            page.goto(path)
            svg = page.locator("svg.burn-chart")
            expect(svg.locator("text", has_text="Amount (USD)")).to_have_count(1)
            expect(svg.locator("text", has_text="Date")).not_to_have_count(0)
            _labels_fit(page, svg)
            page.get_by_text("Spend week by week").click()
            table = page.get_by_role("table", name="Approved work by the week it was done")
            points = svg.locator("rect.point")
            expect(points).to_have_count(2)
            assert [point.get_attribute("data-value") for point in points.all()] == _column(table, "td:last-child")
            assert [point.get_attribute("data-value") for point in points.all()] == ["$3.00", "$6.00"]
        assert not errors, errors
        context.close()
