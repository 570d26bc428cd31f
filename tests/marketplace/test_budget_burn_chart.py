"""The budget-burn chart on a lab's project page: spend week by week, the forecast, when it runs out."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from marketplace.charts import budget_burn_chart, burn_weeks
from marketplace.models import Project
from marketplace.selectors import budget_burn
from marketplace.services import time_entry_log, work_approve
from payouts.weeks import week_of

from tests.helpers.clock import today_in
from tests.helpers.factories import make_engagement, make_lab, make_open_project
from tests.helpers.pages import log_in, readable_text

pytestmark = pytest.mark.django_db


def test_weekly_spend_is_rounded_once_from_the_running_total_so_the_weeks_add_up():
    weeks = burn_weeks([(date(2026, 1, 5), Decimal("100.5")), (date(2026, 1, 12), Decimal("100.4"))])
    # 100.5 rounds up to 101; the running 200.9 rounds to 201, so the second week is 100, not 100 again.
    assert [(w.spent_minor, w.cumulative_minor) for w in weeks] == [(101, 101), (100, 201)]


def test_a_budget_that_runs_short_is_marked_where_it_runs_out():
    chart = budget_burn_chart(
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 3, 31),
        today=date(2026, 1, 31),
        funded_minor=100_000,
        spent=[(date(2026, 1, 5), Decimal(40_000))],
        weekly_commitment_minor=14_000,
        currency="USD",
    )
    # $600 left at $140 a week lasts 30 days: the last covered day is 2 March.
    assert chart.runs_out_on == date(2026, 3, 2)
    assert "running out of budget around 2 Mar 2026" in chart.svg
    assert chart.svg.count("<circle") == 1
    within = budget_burn_chart(
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 3, 31),
        today=date(2026, 1, 31),
        funded_minor=100_000,
        spent=[],
        weekly_commitment_minor=0,
        currency="USD",
    )
    assert within.runs_out_on is None and "within its budget" in within.svg and "<circle" not in within.svg


@pytest.mark.moments
def test_the_project_page_charts_approved_spend_by_week_against_the_funding(stripe_server, settings):
    # The weeks charted are still open for logging: the platform gives its longest grace.
    settings.PAY_WEEK_GRACE_HOURS = settings.PAY_WEEK_GRACE_HOURS_MAX
    lab, owner = make_lab(name="Chart Lab")
    project = make_open_project(lab, owner, min_tier="bulk", required_credential_kinds=[], rate_minor=9000)
    Project.objects.filter(pk=project.pk).update(starts_on=timezone.now().date() - timedelta(days=21))
    project.refresh_from_db()
    engagement = make_engagement(project, owner)
    # The expert's own week: in Los Angeles, the first hours of a Monday in UTC are still Sunday.
    monday = week_of(today_in(engagement.contributor.timezone))[0]
    for weeks_back, minutes in ((2, 60), (1, 90), (1, 30)):
        entry = time_entry_log(
            actor=engagement.contributor.user,
            engagement=engagement,
            activity="task_work",
            work_date=monday - timedelta(days=7 * weeks_back),
            minutes=minutes,
        )
        work_approve(actor=owner, item=entry)
    # Logged but not approved: not spent, so not on the chart.
    time_entry_log(
        actor=engagement.contributor.user, engagement=engagement, activity="task_work", work_date=monday, minutes=60
    )

    page = log_in(owner).get(f"/lab/projects/{project.pk}/")
    text = readable_text(page)
    body = page.content.decode()
    assert 'aria-labelledby="burn-title burn-desc"' in body
    two_weeks_ago, last_week = monday - timedelta(days=14), monday - timedelta(days=7)
    # $90 an hour: 1 h, then 2 h; the running total ends at the spent figure of the bar.
    assert re.search(rf"{two_weeks_ago:%-d %b %Y} \$90\.00 \$90\.00 {last_week:%-d %b %Y} \$180\.00 \$270\.00", text)
    assert budget_burn(project=project).spent_minor == 27_000
    assert "Spent $270.00 of $20,000.00 funded" in text
    assert "within its budget" in text
