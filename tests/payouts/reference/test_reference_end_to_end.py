"""Next year's minimum wage, from one person's proposal to the labs it catches out, over HTTP."""

from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Role
from audit.models import AuditEvent
from marketplace.models import FloorWarning, Project
from payouts.floors import minimum_wage_on
from payouts.models import FxRate, MinimumWage, ReferenceChange, ReferenceChangeStatus

from tests.helpers.factories import make_lab, make_open_project, make_ops
from tests.helpers.page_world import sign_in

pytestmark = pytest.mark.django_db

CALIFORNIA_2027 = {
    "country": "US",
    "subdivision": "US-CA",
    "currency": "USD",
    "hourly_minor": 1800,
    "averaging_unit": "item",
    "effective_from": "2027-01-01",
    "source_url": "https://www.dir.ca.gov/dlse/faq_minimumwage.htm",
    "legal_basis": "Cal. Labor Code 1182.12.",
}


@pytest.fixture
def finance(client_for):
    (first, first_secret), (second, second_secret) = make_ops(Role.OPS_FINANCE), make_ops(Role.OPS_FINANCE)
    return (first, client_for(first, first_secret)), (second, client_for(second, second_secret))


def _californian_project_at_17(stripe_server):
    """A running project open to the US whose rate works out at $17.00 an hour.

    Opened at $18.00 (today's floors allow nothing lower across the US) and then set to the
    rate it was agreed at before Washington's and DC's last raises.
    """
    lab, owner = make_lab()
    project = make_open_project(
        lab, owner, min_tier="bulk", required_credential_kinds=[], allowed_countries=["US"], rate_minor=1800
    )
    Project.objects.filter(pk=project.pk).update(rate_minor=1700)
    return lab, owner, project


def test_next_years_minimum_wage_is_proposed_approved_by_another_and_warns_the_lab(
    finance, client_for, stripe_server, mailoutbox, django_capture_on_commit_callbacks
):
    (_, proposer_api), (approver, approver_api) = finance
    _, owner, project = _californian_project_at_17(stripe_server)

    with django_capture_on_commit_callbacks(execute=True):
        proposed = proposer_api.post("/api/ops/reference/minimum-wages/", CALIFORNIA_2027, format="json")
    assert proposed.status_code == 201, proposed.json()
    change_id = proposed.json()["id"]
    assert proposed.json()["status"] == "pending"
    # The second person is asked to decide; the proposer is not.
    asked = {address for m in mailoutbox for address in m.to if "waits for your decision" in m.subject}
    assert approver.email in asked and proposed.json()["proposed_by"] not in asked

    refused = proposer_api.post(f"/api/ops/reference/changes/{change_id}/approve/", {}, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "four_eyes"
    assert not MinimumWage.in_force.filter(subdivision="US-CA", effective_from=date(2027, 1, 1)).exists()

    with django_capture_on_commit_callbacks(execute=True):
        approved = approver_api.post(
            f"/api/ops/reference/changes/{change_id}/approve/", {"reason": "Matches the DIR notice."}, format="json"
        )
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by"] == approver.email

    assert minimum_wage_on(country="US", subdivision="US-CA", on=date(2026, 12, 31)).hourly_minor == 1690
    assert minimum_wage_on(country="US", subdivision="US-CA", on=date(2027, 1, 1)).hourly_minor == 1800

    # The lab is told once, by mail and on the project's page.
    warning = FloorWarning.objects.get(project=project)
    assert (warning.place, warning.floor_local_minor, warning.pay_local_minor) == ("US-CA", 1800, 1700)
    mails = [m for m in mailoutbox if owner.email in m.to]
    assert len(mails) == 1 and "minimum wage in US-CA" in mails[0].subject
    assert "1 January 2027" in mails[0].body
    page = sign_in(owner).get(f"/lab/projects/{project.pk}/")
    assert page.status_code == 200
    assert "From 1 January 2027 the minimum wage in US-CA is $18.00 an hour" in page.content.decode()
    assert AuditEvent.objects.filter(action="marketplace.project.floor_warned").count() == 1

    # The daily sweep warns nobody twice.
    from marketplace.services.floor_warnings import floor_warnings_sweep

    assert floor_warnings_sweep() == 0
    assert FloorWarning.objects.count() == 1

    # The rate preview shows today's floor and next year's side by side, warning without refusing.
    preview = client_for(owner).post(f"/api/projects/{project.pk}/rate-preview/", {"rate_minor": 1800}).json()
    california = next(j for j in preview["jurisdictions"] if j["place"] == "US-CA")
    assert (california["floor_local_minor"], california["meets_floor"]) == (1690, True)
    assert (california["next_effective_from"], california["next_floor_local_minor"]) == ("2027-01-01", 1800)
    assert california["meets_next_floor"] is True
    lower = client_for(owner).post(f"/api/projects/{project.pk}/rate-preview/", {"rate_minor": 1799}).json()
    california = next(j for j in lower["jurisdictions"] if j["place"] == "US-CA")
    assert california["meets_next_floor"] is False
    assert any("1 January 2027" in message for message in lower["warnings"]["rate_minor"])


def test_bad_input_is_a_400_with_field_messages_and_writes_nothing(finance):
    (_, proposer_api), _ = finance
    bad = {**CALIFORNIA_2027, "subdivision": "US-XX", "currency": "ZZZ", "source_url": "ftp//nowhere"}
    response = proposer_api.post("/api/ops/reference/minimum-wages/", bad, format="json")
    assert response.status_code == 400
    assert "source_url" in response.json()["fields"]
    response = proposer_api.post(
        "/api/ops/reference/minimum-wages/", {**bad, "source_url": CALIFORNIA_2027["source_url"]}, format="json"
    )
    assert response.status_code == 400
    assert {"subdivision", "currency"} <= set(response.json()["fields"])
    duplicate = proposer_api.post(
        "/api/ops/reference/minimum-wages/", {**CALIFORNIA_2027, "effective_from": "2026-01-01"}, format="json"
    )
    assert duplicate.status_code == 400
    assert duplicate.json()["code"] == "duplicate"
    no_reason = proposer_api.post(
        "/api/ops/reference/fx-rates/",
        {"base": "EUR", "quote": "USD", "rate": "1.1", "effective_from": "2026-06-18", "reason": ""},
        format="json",
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]
    assert not ReferenceChange.objects.exists()


def test_an_fx_override_with_a_reason_over_the_api(finance):
    (_, proposer_api), (_, approver_api) = finance
    proposed = proposer_api.post(
        "/api/ops/reference/fx-rates/",
        {"base": "EUR", "quote": "USD", "rate": "1.1234", "effective_from": "2026-06-18", "reason": "Feed down."},
        format="json",
    )
    assert proposed.status_code == 201, proposed.json()
    approved = approver_api.post(f"/api/ops/reference/changes/{proposed.json()['id']}/approve/", {}, format="json")
    assert approved.status_code == 200
    row = FxRate.in_force.get(pk=approved.json()["created_fx_rate"])
    assert (row.origin, row.reason, str(row.rate.normalize())) == ("manual", "Feed down.", "1.1234")
    listed = proposer_api.get("/api/ops/reference/fx-rates/").json()
    assert any(r["id"] == row.pk and r["upcoming"] for r in listed)


def test_other_roles_read_or_are_refused(client_for):
    reviewer, secret = make_ops(Role.OPS_REVIEWER)
    reviewer_api = client_for(reviewer, secret)
    assert reviewer_api.get("/api/ops/reference/minimum-wages/").status_code == 200
    assert reviewer_api.post("/api/ops/reference/minimum-wages/", CALIFORNIA_2027, format="json").status_code == 403
    _, lab_owner = make_lab()
    assert client_for(lab_owner).get("/api/ops/reference/minimum-wages/").status_code == 403
    upcoming = reviewer_api.get("/api/ops/reference/minimum-wages/upcoming/").json()
    assert any(
        r["country"] == "DE" and r["effective_from"] == "2027-01-01" and r["hourly_minor"] == 1460 for r in upcoming
    )


def test_the_pages_take_a_proposal_and_a_second_persons_approval():
    (first, first_secret), (second, second_secret) = make_ops(Role.OPS_FINANCE), make_ops(Role.OPS_FINANCE)
    proposer, approver = sign_in(first, first_secret), sign_in(second, second_secret)
    bad = proposer.post("/ops/reference/minimum-wages/new/", {**CALIFORNIA_2027, "country": "XX"})
    assert bad.status_code == 400
    assert not ReferenceChange.objects.exists()
    sent = proposer.post("/ops/reference/minimum-wages/new/", CALIFORNIA_2027)
    assert sent.status_code == 302
    change = ReferenceChange.objects.get()
    page = proposer.get("/ops/reference/").content.decode()
    assert "You proposed this change" in page
    assert proposer.post(f"/ops/reference/changes/{change.pk}/approve/", {}).status_code == 403
    assert approver.post(f"/ops/reference/changes/{change.pk}/reject/", {}).status_code == 400
    assert (
        approver.post(f"/ops/reference/changes/{change.pk}/approve/", {f"decide-{change.pk}-reason": ""}).status_code
        == 302
    )
    change.refresh_from_db()
    assert change.status == ReferenceChangeStatus.APPROVED
    calendar = approver.get("/ops/reference/calendar/").content.decode()
    assert "1 January 2027" in calendar and "US-CA" in calendar and "$18.00" in calendar


def test_a_labs_calendar_shows_the_countries_its_projects_allow():
    from tests.helpers.factories import make_project

    lab, owner = make_lab()
    make_project(lab, owner, allowed_countries=["DE"], currency="EUR", rate_minor=5000)
    page = sign_in(owner).get("/lab/minimum-wage-calendar/").content.decode()
    assert "1 January 2027" in page and "€14.60" in page


def test_the_commands_propose_and_decide_and_refuse_in_one_line():
    first, _ = make_ops(Role.OPS_FINANCE)
    second, _ = make_ops(Role.OPS_FINANCE)
    args = [
        "--country=US", "--subdivision=US-CA", "--currency=USD", "--hourly-minor=1800", "--averaging-unit=item",
        "--effective-from=2027-01-01", "--source-url=https://www.dir.ca.gov/dlse/faq_minimumwage.htm",
    ]  # fmt: skip
    call_command("reference_propose_minimum_wage", *args, f"--as={first.email}")
    change = ReferenceChange.objects.get()
    with pytest.raises(CommandError, match="cannot decide"):
        call_command("reference_decide", str(change.pk), "--approve", f"--as={first.email}")
    with pytest.raises(CommandError, match="reason"):
        call_command("reference_decide", str(change.pk), "--reject", f"--as={second.email}")
    call_command("reference_decide", str(change.pk), "--approve", f"--as={second.email}")
    assert minimum_wage_on(country="US", subdivision="US-CA", on=date(2027, 1, 1)).hourly_minor == 1800
    with pytest.raises(CommandError, match="already has a minimum wage"):
        call_command("reference_propose_minimum_wage", *args, f"--as={first.email}")


def test_the_daily_sweep_warns_within_sixty_days_once_and_a_raised_rate_clears_the_page(
    stripe_server, mailoutbox, django_capture_on_commit_callbacks
):
    from marketplace.services import project_rate_change
    from marketplace.services.floor_warnings import floor_warnings_sweep

    _, owner, project = _californian_project_at_17(stripe_server)
    # A floor approved in the past (no warning then) that is now 30 days away.
    MinimumWage.objects.create(
        country="US",
        subdivision="US-CA",
        currency="USD",
        hourly_minor=1750,
        effective_from=date(2026, 7, 17),
        source_url=CALIFORNIA_2027["source_url"],
    )
    far = MinimumWage.objects.create(
        country="US",
        subdivision="US-CA",
        currency="USD",
        hourly_minor=1900,
        effective_from=date(2028, 1, 1),
        source_url=CALIFORNIA_2027["source_url"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert floor_warnings_sweep() == 1
        assert floor_warnings_sweep() == 0
    assert not FloorWarning.objects.filter(minimum_wage=far).exists()  # beyond the 60 days
    assert len([m for m in mailoutbox if owner.email in m.to]) == 1
    browser = sign_in(owner)
    assert "From 17 July 2026 the minimum wage in US-CA" in browser.get(f"/lab/projects/{project.pk}/").content.decode()

    project_rate_change(actor=owner, project=project, rate_minor=1800, task_estimate_minutes=None, reason="Floors.")
    assert "From 17 July 2026 the minimum wage" not in browser.get(f"/lab/projects/{project.pk}/").content.decode()


def test_the_project_forms_preview_shows_todays_floor_and_the_next_side_by_side():
    from datetime import timedelta

    from django.utils import timezone

    from tests.helpers.pages import text_of

    lab, owner = make_lab()
    today = timezone.now().date()
    form = {
        "title": "German annotation",
        "brief": "Label German text.",
        "domains": ["cardiology"],
        "min_tier": "bulk",
        "allowed_countries": ["DE"],
        "languages": ["de"],
        "pay_model": "hourly",
        "currency": "EUR",
        "rate": "14.00",
        "task_estimate_minutes": "",
        "weekly_hours": "10",
        "headcount": "2",
        "budget_cap": "20000.00",
        "starts_on": (today + timedelta(days=1)).isoformat(),
        "ends_on": (today + timedelta(days=60)).isoformat(),
        "preview": "1",
    }
    page = text_of(sign_in(owner).post(f"/lab/{lab.pk}/projects/new/", form))
    assert "€13.90 an hour" in page and "Meets the floor" in page
    assert "From 1 January 2027: €14.60 an hour; pay there €14.00 Will be below it" in page
    assert "Minimum wages coming" in page
    assert "This rate meets every floor in force below" in page  # a warning, not a refusal
