"""The floor follows the jurisdiction in force on the day of the work, never the one chosen later."""

from datetime import timedelta

import pytest

from audit.models import AuditEvent
from contributors.models import JurisdictionPeriod
from contributors.services import PROFILE_FIELDS, contributor_profile_save
from marketplace.services import time_entry_log
from payouts.models import PayStatement
from payouts.weeks import week_of

from tests.helpers.factories import make_ops
from tests.helpers.pages import log_in, ops_browser
from tests.helpers.payruns import draft_pay_run, last_week, running_engagement

pytestmark = pytest.mark.django_db


def _minutes(engagement, day, minutes):
    return time_entry_log(
        actor=engagement.contributor.user, engagement=engagement, activity="meeting", work_date=day, minutes=minutes
    )


def _move(contributor, country, subdivision):
    """The expert edits their profile to say they now work from somewhere else."""
    data = {field: getattr(contributor, field) for field in PROFILE_FIELDS}
    data.update(country=country, subdivision=subdivision)
    return contributor_profile_save(
        actor=contributor.user, user=contributor.user, data=data, specialties=list(contributor.specialties.all())
    )


def test_moving_to_a_higher_floor_after_the_week_does_not_raise_its_floor(
    stripe_server, django_capture_on_commit_callbacks
):
    engagement, _ = running_engagement(rate_minor=2000, expert={"country": "US", "subdivision": "US-TX"})
    _minutes(engagement, last_week()[0], 60)  # not reviewed yet: owed the floor, not paid
    _move(engagement.contributor, "US", "US-DC")
    run, _ = draft_pay_run(django_capture_on_commit_callbacks)
    statement = PayStatement.objects.get(run=run)
    # Texas has no minimum above the federal $7.25; DC's $17.95 applies from next week only.
    assert (statement.country, statement.subdivision) == ("US", "US-TX")
    assert (statement.floor_due_minor, statement.topup_minor) == (725, 725)


def test_a_change_takes_effect_from_the_next_pay_week_and_is_audited(stripe_server):
    engagement, _ = running_engagement(rate_minor=2000, expert={"country": "US", "subdivision": "US-TX"})
    contributor = _move(engagement.contributor, "US", "US-WA")
    contributor = _move(contributor, "US", "US-DC")  # changed again before it took effect: replaces it
    local_today = week_of(last_week()[0] + timedelta(days=7))[0]
    next_week = local_today + timedelta(days=7)
    history = list(JurisdictionPeriod.objects.filter(contributor=contributor).order_by("effective_from"))
    assert [(row.subdivision, row.effective_from) for row in history][1:] == [("US-DC", next_week)]
    assert history[0].subdivision == "US-TX"
    events = AuditEvent.objects.filter(action="contributors.jurisdiction.scheduled", target_id=str(contributor.pk))
    assert events.count() == 2
    assert events.order_by("pk").last().after == {
        "country": "US",
        "subdivision": "US-DC",
        "effective_from": next_week.isoformat(),
    }


def test_each_day_of_a_week_is_floored_under_the_jurisdiction_in_force_that_day(
    stripe_server, django_capture_on_commit_callbacks
):
    engagement, _ = running_engagement(rate_minor=2000, expert={"country": "US", "subdivision": "US-TX"})
    monday = last_week()[0]
    # A history whose change fell mid-week (recorded before changes waited for the next week).
    JurisdictionPeriod.objects.create(
        contributor=engagement.contributor, country="US", subdivision="US-DC", effective_from=monday + timedelta(days=3)
    )
    _minutes(engagement, monday, 60)
    _minutes(engagement, monday + timedelta(days=4), 60)
    run, _ = draft_pay_run(django_capture_on_commit_callbacks)
    statement = PayStatement.objects.get(run=run)
    # Monday at Texas's $7.25 and Friday at DC's $17.95.
    assert statement.floor_due_minor == 725 + 1795
    days = statement.lines.get(kind="topup").source["days"]
    assert [day["source"] is not None for day in days] == [True, True]


def test_operations_and_the_expert_see_the_coming_change(stripe_server, client_for):
    engagement, _ = running_engagement(rate_minor=2000, expert={"country": "US", "subdivision": "US-TX"})
    contributor = _move(engagement.contributor, "US", "US-DC")
    next_week = week_of(last_week()[0] + timedelta(days=14))[0]
    ops, secret = make_ops()
    page = ops_browser(ops, secret).get(f"/ops/contributors/{contributor.pk}/").content.decode()
    assert "Minimum-wage jurisdiction" in page
    assert "District of Columbia" in page and f"{next_week:%-d %b %Y}" in page and "coming" in page
    home = log_in(contributor.user).get("/expert/").content.decode()
    assert "District of Columbia" in home and "coming" in home
    profile = client_for(contributor.user).get("/api/me/profile/").json()
    assert profile["jurisdictions"][0] == {
        "country": "US",
        "subdivision": "US-DC",
        "effective_from": next_week.isoformat(),
    }
