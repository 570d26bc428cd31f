"""Weekly caps set by labs, and the platform's daily and weekly ceilings on logged work."""

import zoneinfo
from datetime import timedelta

import pytest
from django.utils import timezone

from config.errors import ApplicationError
from marketplace.models import Project, TimeEntry
from marketplace.services import invitation_send, staffing_request_accept, time_entry_log

from tests.helpers.factories import make_lab, make_open_project, make_running_engagement, project_data
from tests.helpers.pages import log_in

pytestmark = pytest.mark.django_db
LA = zoneinfo.ZoneInfo("America/Los_Angeles")


@pytest.fixture
def engaged(stripe_server):
    return make_running_engagement()


def _today():
    return timezone.now().astimezone(LA).date()


def _log(engagement, day, minutes, activity="task_work"):
    return time_entry_log(
        actor=engagement.contributor.user, engagement=engagement, activity=activity, work_date=day, minutes=minutes
    )


def _refusal(call) -> ApplicationError:
    before = TimeEntry.objects.count()
    with pytest.raises(ApplicationError) as refused:
        call()
    assert TimeEntry.objects.count() == before
    return refused.value


def test_the_platforms_daily_ceiling_refuses_a_longer_day(engaged, settings):
    settings.WORK_DAY_CEILING_HOURS = 10
    engagement, _ = engaged
    day = _today() - timedelta(days=1)
    _log(engagement, day, 9 * 60)
    error = _refusal(lambda: _log(engagement, day, 61))
    assert error.code == "invalid_work"
    assert "10 hours" in error.message
    assert "540 minutes are already logged" in error.fields["work_date"][0]
    _log(engagement, day, 60)  # exactly at the ceiling is fine


def test_the_default_daily_ceiling_is_below_a_whole_day(engaged):
    engagement, _ = engaged
    day = _today() - timedelta(days=1)
    error = _refusal(lambda: _log(engagement, day, 20 * 60))
    assert "14 hours" in error.fields["work_date"][0]


def _second_engagement(engagement):
    """The same expert engaged on a second, running project of another lab."""
    lab, owner = make_lab()
    today = timezone.now().date()
    project = make_open_project(lab, owner)
    Project.objects.filter(pk=project.pk).update(starts_on=today - timedelta(days=14))
    second = staffing_request_accept(
        actor=engagement.contributor.user,
        request=invitation_send(actor=owner, project=project, contributor=engagement.contributor),
    )
    type(second).objects.filter(pk=second.pk).update(started_at=timezone.now() - timedelta(days=14))
    second.refresh_from_db()
    return second


def test_the_platforms_weekly_ceiling_counts_every_project_of_the_person(engaged, settings):
    settings.WORK_WEEK_CEILING_HOURS = 5
    engagement, _ = engaged
    second = _second_engagement(engagement)
    day = _today() - timedelta(days=1)
    _log(engagement, day, 3 * 60)
    _log(second, day, 60)
    error = _refusal(lambda: _log(second, day, 61, activity="meeting"))
    assert "5 hours a week" in error.message
    assert "240 minutes are logged this week" in error.fields["minutes"][0]
    _log(second, day, 60)


def test_a_lab_sets_a_bounded_weekly_cap_through_the_api(client_for, stripe_server):
    lab, owner = make_lab()
    client = client_for(owner)
    data = project_data(weekly_cap_hours=12)
    data.update(starts_on=data["starts_on"].isoformat(), ends_on=data["ends_on"].isoformat(), domains=["cardiology"])
    created = client.post(f"/api/labs/{lab.pk}/projects/", data, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["weekly_cap_hours"] == 12
    assert Project.objects.get(pk=created.json()["id"]).weekly_cap_hours == 12
    count = Project.objects.count()
    for bad in (0, -1, 200, 2**63):
        refused = client.post(f"/api/labs/{lab.pk}/projects/", {**data, "weekly_cap_hours": bad}, format="json")
        assert refused.status_code == 400, bad
        assert "weekly_cap_hours" in refused.json()["fields"]
    below = client.post(f"/api/labs/{lab.pk}/projects/", {**data, "weekly_cap_hours": 5}, format="json")
    assert below.status_code == 400
    assert "10 hours a week" in below.json()["fields"]["weekly_cap_hours"][0]
    assert Project.objects.count() == count
    cleared = client.put(f"/api/projects/{created.json()['id']}/", {**data, "weekly_cap_hours": None}, format="json")
    assert cleared.status_code == 200, cleared.content
    assert cleared.json()["weekly_cap_hours"] is None


def _project_form(**overrides) -> dict:
    today = timezone.now().date()
    return {
        "title": "Cardiology model evaluation",
        "brief": "Rate model answers to clinical questions.",
        "domains": ["cardiology"],
        "min_tier": "domain",
        "required_credential_kinds": ["license"],
        "allowed_countries": ["US"],
        "languages": ["en"],
        "pay_model": "hourly",
        "currency": "USD",
        "rate": "90.00",
        "weekly_hours": "10",
        "headcount": "2",
        "budget_cap": "20000.00",
        "starts_on": (today + timedelta(days=1)).isoformat(),
        "ends_on": (today + timedelta(days=60)).isoformat(),
        **overrides,
    }


def test_a_lab_sets_the_weekly_cap_in_the_project_form():
    lab, owner = make_lab()
    browser = log_in(owner)
    page = browser.get(f"/lab/{lab.pk}/projects/new/")
    assert b'name="weekly_cap_hours"' in page.content
    refused = browser.post(f"/lab/{lab.pk}/projects/new/", _project_form(weekly_cap_hours="500"))
    assert refused.status_code == 400
    assert not Project.objects.exists()
    created = browser.post(f"/lab/{lab.pk}/projects/new/", _project_form(weekly_cap_hours="20"))
    assert created.status_code == 302
    assert Project.objects.get().weekly_cap_hours == 20
