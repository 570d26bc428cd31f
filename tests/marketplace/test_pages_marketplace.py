"""The lab and expert marketplace pages, driven through real HTTP with a signed-in session."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from marketplace.models import (
    Engagement,
    FundingStatus,
    Lab,
    LabMembership,
    Project,
    ProjectFunding,
    ProjectRateChange,
    ProjectStatus,
    RequestStatus,
    StaffingRequest,
)
from marketplace.services import application_send, invitation_send, lab_member_add

from tests.helpers.factories import UserFactory, make_lab, make_open_project, make_project, make_vetted_expert
from tests.helpers.pages import field_error, log_in, text_of

pytestmark = pytest.mark.django_db


def project_form(**overrides) -> dict:
    """What a person types into the project form, as the browser posts it."""
    today = timezone.now().date()
    data = {
        "title": "Cardiology model evaluation",
        "brief": "Rate model answers to clinical questions.",
        "domains": ["cardiology"],
        "min_tier": "domain",
        "required_credential_kinds": ["license"],
        "allowed_countries": ["US", "GB"],
        "languages": ["en"],
        "pay_model": "hourly",
        "currency": "USD",
        "rate": "90.00",
        "task_estimate_minutes": "",
        "weekly_hours": "10",
        "headcount": "2",
        "budget_cap": "20000.00",
        "sensitive_categories": [],
        "starts_on": (today + timedelta(days=1)).isoformat(),
        "ends_on": (today + timedelta(days=60)).isoformat(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def settle_by_webhook(webhook_inbox, funding: ProjectFunding) -> None:
    """Deliver Stripe's signed payment_intent.succeeded to the endpoint, as Stripe would."""
    payload, signature = webhook_inbox.wait_for("payment_intent.succeeded", object_id=funding.stripe_payment_intent_id)
    delivered = Client().post(
        "/stripe/webhooks/platform/", payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )
    assert delivered.status_code == 200, delivered.content


# --- the whole journey --------------------------------------------------------------


def test_lab_creates_funds_opens_and_staffs_a_project_through_the_pages(webhook_inbox):
    owner = UserFactory(role=Role.LAB_MEMBER, full_name="Olga Owner")
    colleague = UserFactory(role=Role.LAB_MEMBER)
    expert = make_vetted_expert(weekly_availability_hours=30)
    lab_browser = log_in(owner)

    # A lab, and a colleague in it.
    assert b"Create a lab" in lab_browser.get("/lab/").content
    created = lab_browser.post("/lab/", {"name": "Meridian Labs", "country": "US", "website": ""})
    lab = Lab.objects.get(name="Meridian Labs")
    assert created.status_code == 302
    assert created["Location"] == f"/lab/{lab.pk}/"
    added = lab_browser.post(f"/lab/{lab.pk}/members/", {"email": colleague.email, "role": "manager"})
    assert added.status_code == 302
    lab_page = text_of(lab_browser.get(f"/lab/{lab.pk}/"))
    assert colleague.email in lab_page
    assert "Manager" in lab_page
    assert LabMembership.objects.get(lab=lab, user=colleague).role == "manager"

    # A rate below the tier's floor is refused on the rate field, with what was typed kept.
    new_project = f"/lab/{lab.pk}/projects/new/"
    refused = lab_browser.post(new_project, project_form(rate="20.00"))
    assert refused.status_code == 400
    assert "below the domain tier's floor of $35.00" in field_error(refused, "rate")
    assert 'value="20.00"' in refused.content.decode()
    assert 'value="Cardiology model evaluation"' in refused.content.decode()
    assert not Project.objects.exists()

    # The preview shows each place's minimum wage against the pay, and saves nothing.
    preview = lab_browser.post(new_project, project_form(rate="16.00", title="", preview="1"))
    assert preview.status_code == 200
    page = text_of(preview)
    assert "Effective pay: $16.00 an hour" in page
    assert re.search(r"California \(US-CA\) \$1\d\.\d\d an hour source \$16\.00 an hour Below the floor", page)
    assert re.search(r"United States \(national\) \$7\.25 an hour source \$16\.00 an hour Meets the floor", page)
    assert re.search(r"United Kingdom \(national\) £1\d\.\d\d an hour ≈ \$\d+\.\d\d source £1\d\.\d\d an hour", page)
    assert "This rate cannot be used" in page
    assert not Project.objects.exists()

    # Per-task pay with sensitive content: $15.00 a task of 20 minutes is $45.00 an hour.
    saved = lab_browser.post(
        new_project,
        project_form(
            rate="15.00", pay_model="per_task", task_estimate_minutes="20", sensitive_categories=["medical_graphic"]
        ),
    )
    assert saved.status_code == 302, text_of(saved)
    project = Project.objects.get()
    assert saved["Location"] == f"/lab/projects/{project.pk}/"
    assert (project.rate_minor, project.task_estimate_minutes, project.budget_cap_minor) == (1500, 20, 2_000_000)

    # Funding with the Visa test card, confirmed by Stripe's signed webhook.
    project_url = f"/lab/projects/{project.pk}/"
    draft = text_of(lab_browser.get(project_url))
    assert "Pay $30,000.00 with a test card (Visa, succeeds)" in draft
    funded = lab_browser.post(f"{project_url}fund/", {"card": "visa"})
    assert funded.status_code == 302
    funding = ProjectFunding.objects.get()
    waiting = text_of(lab_browser.get(project_url))
    if funding.status == FundingStatus.PENDING:
        assert "waiting for Stripe to confirm; refresh in a moment" in waiting
    assert "Pay $30,000.00 with a test card" not in waiting
    settle_by_webhook(webhook_inbox, funding)
    project.refresh_from_db()
    assert project.status == ProjectStatus.FUNDED
    assert "Status: Funded" in text_of(lab_browser.get(project_url))

    opened = lab_browser.post(f"{project_url}transition/", {"action": "open", "reason": ""})
    assert opened.status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.OPEN

    # Ranked candidates with their reasons; invite the one that matches.
    page = text_of(lab_browser.get(project_url))
    assert "Best-matched experts" in page
    assert "Dr Ada" in page
    assert "Exact specialty match (Cardiology): +30" in page
    assert "Dr Ada 67.5 / 100" in page
    assert "Available 30 h a week: +15" in page
    assert "Verified credential in the project's field: +10" in page
    invited = lab_browser.post(
        f"{project_url}invite/", {"contributor": expert.pk, "message": "We would love your help"}
    )
    assert invited.status_code == 302
    invitation = StaffingRequest.objects.get()
    assert (invitation.kind, invitation.status, invitation.message) == (
        "invitation",
        "pending",
        "We would love your help",
    )
    assert "Waiting for the expert to answer." in text_of(lab_browser.get(project_url))

    # The expert reads the terms before accepting: the estimate, the hourly worth, the warning.
    expert_browser = log_in(expert.user)
    invitations = text_of(expert_browser.get("/expert/invitations/"))
    assert "Cardiology model evaluation" in invitations
    assert "$15.00 a task, estimated at 20 minutes a task: about $45.00 an hour" in invitations
    assert "10 h a week" in invitations
    assert "Sensitive content. This work includes: Graphic medical imagery." in invitations
    assert "We would love your help" in invitations
    accepted = expert_browser.post(f"/expert/invitations/{invitation.pk}/accept/")
    assert accepted.status_code == 302
    engagement = Engagement.objects.get()
    assert (engagement.contributor, engagement.rate_minor, engagement.task_estimate_minutes) == (expert, 1500, 20)

    mine = text_of(expert_browser.get("/expert/invitations/"))
    assert "No invitations are waiting." in mine
    assert re.search(r"Your engagements .*Cardiology model evaluation · Meridian Labs \$15\.00 a task", mine)
    theirs = text_of(lab_browser.get(project_url))
    assert re.search(r"Engaged experts .*Dr Ada \$15\.00 a task, estimated at 20 minutes", theirs)
    # $45.00 an hour x 10 hours x 9 weeks is set aside; the unspent $20,000 lasts 44 weeks at $450 a week.
    assert "Committed $4,050.00" in theirs
    assert (
        "At the current commitment of $450.00 a week (1 active engagement), the budget lasts about 44.4 more weeks"
        in theirs
    )


def test_the_project_page_shows_a_budget_bar_and_the_lab_home_lists_projects(stripe_server):
    lab, owner = make_lab(name="Bar Lab")
    project = make_open_project(lab, owner)
    expert = make_vetted_expert()
    from marketplace.services import staffing_request_accept

    staffing_request_accept(
        actor=expert.user, request=invitation_send(actor=owner, project=project, contributor=expert)
    )
    browser = log_in(owner)
    content = browser.get(f"/lab/projects/{project.pk}/").content.decode()
    # $90 x 10 h x 9 weeks committed of $20,000: 40.5% of the bar.
    assert '<svg class="burn-committed" width="40.5%"' in content
    assert '<svg class="burn-remaining" width="59.5%"' in content
    assert "Used</dt><dd>40%" in content
    home = text_of(browser.get("/lab/"))
    assert "Cardiology model evaluation Bar Lab Open" in home
    # The site's home page lists the same projects, lab by lab.
    assert "Cardiology model evaluation Bar Lab Open" in text_of(browser.get("/", follow=True))


# --- who may see and do what ---------------------------------------------------------


def test_another_labs_member_gets_404_on_every_project_and_lab_url(stripe_server):
    lab, owner = make_lab()
    project = make_open_project(lab, owner)
    draft = make_project(lab, owner, title="Still a draft")
    expert = make_vetted_expert()
    invitation = invitation_send(actor=owner, project=project, contributor=expert)
    _, other_owner = make_lab()
    intruder = log_in(other_owner)

    pages = [f"/lab/{lab.pk}/", f"/lab/{lab.pk}/projects/new/", f"/lab/projects/{project.pk}/"]
    for path in [*pages, f"/lab/projects/{draft.pk}/edit/"]:
        assert intruder.get(path).status_code == 404, path
    posts = {
        f"/lab/{lab.pk}/members/": {"email": other_owner.email, "role": "owner"},
        f"/lab/{lab.pk}/projects/new/": project_form(title="Mine now"),
        f"/lab/projects/{draft.pk}/edit/": project_form(title="Mine now"),
        f"/lab/projects/{project.pk}/transition/": {"action": "close"},
        f"/lab/projects/{draft.pk}/fund/": {"card": "visa"},
        f"/lab/projects/{project.pk}/invite/": {"contributor": expert.pk},
        f"/lab/projects/{project.pk}/rate-change/": {"rate": "80.00", "reason": "x", "notice_days": "0"},
        f"/lab/projects/{project.pk}/requests/{invitation.pk}/accept/": {},
        f"/lab/projects/{project.pk}/requests/{invitation.pk}/decline/": {"reason": "no"},
    }
    events = AuditEvent.objects.count()
    for path, data in posts.items():
        assert intruder.post(path, data).status_code == 404, path
    assert AuditEvent.objects.count() == events
    assert not LabMembership.objects.filter(lab=lab, user=other_owner).exists()
    project.refresh_from_db()
    assert project.status == ProjectStatus.OPEN
    assert Project.objects.filter(title="Mine now").count() == 0
    assert not ProjectFunding.objects.filter(project=draft).exists()
    assert StaffingRequest.objects.get().status == RequestStatus.PENDING
    # Nor are another lab's projects listed anywhere of theirs.
    assert "Still a draft" not in text_of(intruder.get("/lab/"))


def test_people_who_are_not_lab_members_get_403_and_visitors_log_in(client):
    lab, owner = make_lab()
    project = make_project(lab, owner)
    paths = ["/lab/", f"/lab/{lab.pk}/", f"/lab/{lab.pk}/projects/new/", f"/lab/projects/{project.pk}/"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    expert = make_vetted_expert()
    browser = log_in(expert.user)
    for path in paths:
        assert browser.get(path).status_code == 403, path
    assert browser.post(f"/lab/projects/{project.pk}/fund/", {"card": "visa"}).status_code == 403
    assert log_in(owner).get("/expert/projects/").status_code == 403
    assert log_in(owner).get("/expert/invitations/").status_code == 403


def test_a_viewer_sees_the_project_but_cannot_change_it(stripe_server):
    lab, owner = make_lab()
    project = make_project(lab, owner)
    viewer = UserFactory(role=Role.LAB_MEMBER)
    lab_member_add(actor=owner, lab=lab, email=viewer.email, role="viewer")
    browser = log_in(viewer)
    page = browser.get(f"/lab/projects/{project.pk}/")
    assert page.status_code == 200
    assert b"Edit the draft" not in page.content
    assert b"with a test card" not in page.content
    assert b"Invite a colleague" not in browser.get(f"/lab/{lab.pk}/").content

    assert browser.get(f"/lab/{lab.pk}/projects/new/").status_code == 403
    assert browser.get(f"/lab/projects/{project.pk}/edit/").status_code == 403
    refused = browser.post(f"/lab/projects/{project.pk}/fund/", {"card": "visa"})
    assert refused.status_code == 403
    assert "Only the lab's owner or managers can fund projects." in text_of(refused)
    assert browser.post(f"/lab/{lab.pk}/projects/new/", project_form()).status_code == 403
    assert browser.post(f"/lab/projects/{project.pk}/edit/", project_form(title="Renamed")).status_code == 403
    assert browser.post(f"/lab/projects/{project.pk}/transition/", {"action": "close"}).status_code == 403
    someone = UserFactory(role=Role.LAB_MEMBER)
    assert browser.post(f"/lab/{lab.pk}/members/", {"email": someone.email, "role": "owner"}).status_code == 403
    project.refresh_from_db()
    assert (project.title, project.status) == ("Cardiology model evaluation", ProjectStatus.DRAFT)
    assert Project.objects.count() == 1
    assert not ProjectFunding.objects.exists()
    assert not LabMembership.objects.filter(user=someone).exists()


@pytest.mark.parametrize("role", ["viewer", "reviewer"])
def test_only_owners_and_managers_see_what_was_paid_in_for_a_project(stripe_server, role):
    lab, owner = make_lab()
    project = make_open_project(lab, owner)
    colleague = UserFactory(role=Role.LAB_MEMBER)
    lab_member_add(actor=owner, lab=lab, email=colleague.email, role=role)
    manager = UserFactory(role=Role.LAB_MEMBER)
    lab_member_add(actor=owner, lab=lab, email=manager.email, role="manager")

    hidden = text_of(log_in(colleague).get(f"/lab/projects/{project.pk}/"))
    assert "The lab's owners and managers see its payments." in hidden
    assert "Funding history" not in hidden
    shown = text_of(log_in(manager).get(f"/lab/projects/{project.pk}/"))
    assert "Funding history" in shown


def test_an_expert_sees_and_answers_only_their_own_invitations(stripe_server):
    lab, owner = make_lab()
    project = make_open_project(lab, owner)
    invited = make_vetted_expert()
    other = make_vetted_expert()
    invitation = invitation_send(actor=owner, project=project, contributor=invited)
    browser = log_in(other.user)
    assert "No invitations are waiting." in text_of(browser.get("/expert/invitations/"))
    assert browser.post(f"/expert/invitations/{invitation.pk}/accept/").status_code == 404
    assert browser.post(f"/expert/invitations/{invitation.pk}/decline/", {"reason": "no"}).status_code == 404
    assert StaffingRequest.objects.get().status == RequestStatus.PENDING
    # The lab cannot answer its own invitation for the expert either.
    assert log_in(owner).post(f"/lab/projects/{project.pk}/requests/{invitation.pk}/accept/").status_code == 403

    invited_browser = log_in(invited.user)
    declined = invited_browser.post(f"/expert/invitations/{invitation.pk}/decline/", {"reason": ""})
    assert declined.status_code == 302
    assert StaffingRequest.objects.get().status == RequestStatus.DECLINED
    too_late = invited_browser.post(f"/expert/invitations/{invitation.pk}/accept/")
    assert too_late.status_code == 400
    assert "This request is already declined." in text_of(too_late)
    assert not Engagement.objects.exists()


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"rate": "12,5x"}, "rate", "Enter an amount such as 90.00"),
        ({"rate": "0"}, "rate", "Must be more than zero."),
        ({"rate": "90.005"}, "rate", "USD has no smaller unit than 0.01"),
        ({"rate": "NaN"}, "rate", "Enter an amount"),
        ({"budget_cap": "12,5x"}, "budget_cap", "Enter an amount"),
        ({"budget_cap": "1e9"}, "budget_cap", "Enter an amount"),
        ({"budget_cap": "9999999999999"}, "budget_cap", "too large"),
        ({"domains": []}, "domains", "Choose at least one domain or sub-specialty."),
        ({"allowed_countries": []}, "allowed_countries", "Allow at least one country."),
        ({"allowed_countries": ["ZZ"]}, "allowed_countries", "Select a valid choice."),
        ({"languages": ["xx"]}, "languages", "Select a valid choice."),
        ({"currency": "XXX"}, "currency", "Select a valid choice."),
        ({"min_tier": "guru"}, "min_tier", "Select a valid choice."),
        ({"pay_model": "per_task"}, "task_estimate_minutes", "Per-task work needs a time estimate"),
        ({"headcount": "0"}, "headcount", "greater than or equal to 1"),
        ({"weekly_hours": "many"}, "weekly_hours", "Enter a whole number."),
        ({"sensitive_categories": ["gore"]}, "sensitive_categories", "Select a valid choice."),
        ({"starts_on": "2026-02-30"}, "starts_on", "Enter a valid date."),
    ],
)
def test_bad_project_input_is_a_field_error_and_writes_nothing(overrides, field, message):
    lab, owner = make_lab()
    response = log_in(owner).post(f"/lab/{lab.pk}/projects/new/", project_form(**overrides))
    assert response.status_code == 400
    assert message in field_error(response, field)
    assert not Project.objects.exists()
    if field in ("rate", "budget_cap"):
        assert f'value="{overrides[field]}"' in response.content.decode()


def test_an_end_before_the_start_is_an_error_on_the_end_date():
    lab, owner = make_lab()
    today = timezone.now().date()
    response = log_in(owner).post(
        f"/lab/{lab.pk}/projects/new/",
        project_form(
            starts_on=(today + timedelta(days=30)).isoformat(), ends_on=(today + timedelta(days=3)).isoformat()
        ),
    )
    assert response.status_code == 400
    assert "The end date must be on or after the start date." in field_error(response, "ends_on")
    assert not Project.objects.exists()


def test_a_per_task_rate_below_a_states_minimum_wage_names_the_state():
    lab, owner = make_lab()
    response = log_in(owner).post(
        f"/lab/{lab.pk}/projects/new/",
        project_form(
            min_tier="bulk",
            pay_model="per_task",
            rate="2.50",
            task_estimate_minutes="10",
            allowed_countries=["US"],
            required_credential_kinds=[],
        ),
    )
    assert response.status_code == 400
    error = field_error(response, "rate")
    assert "$15.00" in error
    assert "minimum wage in US-" in error
    assert not Project.objects.exists()


def test_bad_lab_and_member_input_is_a_field_error():
    lab, owner = make_lab(name="Taken")
    browser = log_in(owner)
    for data, field in (
        ({"name": "", "country": "US"}, "name"),
        ({"name": "Taken", "country": "US"}, "name"),
        ({"name": "New", "country": "ZZ"}, "country"),
        ({"name": "New", "country": "US", "website": "javascript:alert(1)"}, "website"),
    ):
        response = browser.post("/lab/", data)
        assert response.status_code == 400, data
        field_error(response, field)
    assert Lab.objects.count() == 1
    for data, field in (
        ({"email": "not an email", "role": "viewer"}, "email"),
        ({"email": UserFactory(role=Role.LAB_MEMBER).email, "role": "god"}, "role"),
    ):
        response = browser.post(f"/lab/{lab.pk}/members/", data)
        assert response.status_code == 400, data
        field_error(response, field)
    assert LabMembership.objects.filter(lab=lab).count() == 1


def test_adding_a_member_says_the_same_whether_or_not_the_address_has_an_account():
    lab, owner = make_lab()
    browser = log_in(owner)
    said = {}
    for email in ("nobody@example.test", owner.email, UserFactory(role=Role.EXPERT).email):
        response = browser.post(f"/lab/{lab.pk}/members/", {"email": email, "role": "viewer"}, follow=True)
        assert response.status_code == 200
        said[email] = re.search(r"If \S+ has a lab-member account.*?by following it\.", text_of(response)).group()
        said[email] = said[email].replace(email, "*")
    assert len(set(said.values())) == 1
    assert "we have emailed them an invitation" in said[owner.email]
    assert LabMembership.objects.filter(lab=lab).count() == 1


def test_junk_input_is_never_a_server_error(stripe_server):
    lab, owner = make_lab()
    project = make_open_project(lab, owner)
    draft = make_project(lab, owner)
    expert = make_vetted_expert()
    invitation = invitation_send(actor=owner, project=project, contributor=expert)
    browser = log_in(owner)
    junk_values = [
        "",
        " ",
        "abc",
        "-1",
        "0",
        "1e400",
        "NaN",
        "Infinity",
        "²",
        "99999999999999999999999",
        "<b>x</b>",
        "\x00",
    ]
    project_fields = list(project_form())
    posts = []
    for value in junk_values:
        posts += [
            ("/lab/", {"name": value, "country": value, "website": value}),
            (f"/lab/{lab.pk}/members/", {"email": value, "role": value}),
            (f"/lab/{lab.pk}/projects/new/", dict.fromkeys(project_fields, value)),
            (f"/lab/{lab.pk}/projects/new/", {**dict.fromkeys(project_fields, value), "preview": "1"}),
            (f"/lab/{lab.pk}/projects/new/", {**project_form(), "rate": value, "preview": "1"}),
            (
                f"/lab/{lab.pk}/projects/new/",
                {**project_form(), "task_estimate_minutes": value, "pay_model": "per_task"},
            ),
            (f"/lab/projects/{draft.pk}/edit/", {**project_form(), "budget_cap": value}),
            (f"/lab/projects/{project.pk}/transition/", {"action": value, "reason": value}),
            (f"/lab/projects/{draft.pk}/fund/", {"card": value}),
            (f"/lab/projects/{project.pk}/invite/", {"contributor": value, "message": value}),
            (f"/lab/projects/{project.pk}/rate-change/", {"rate": value, "reason": value, "notice_days": value}),
            (
                f"/lab/projects/{project.pk}/rate-change/",
                {"rate": "95.00", "reason": "r", "notice_days": "3", "step": "confirm", "previewed": value},
            ),
            (f"/lab/projects/{project.pk}/requests/{invitation.pk}/decline/", {"reason": value}),
        ]
    for path, data in posts:
        response = browser.post(path, data)
        assert response.status_code < 500, (path, data, response.status_code)
    for path in ("/lab/99999999999999999999/", "/lab/projects/99999999999999999999/", "/lab/projects/0/edit/"):
        assert browser.get(path).status_code == 404, path
    expert_browser = log_in(expert.user)
    for value in junk_values:
        assert expert_browser.post(f"/expert/projects/{project.pk}/apply/", {"message": value}).status_code < 500
        assert expert_browser.post(f"/expert/invitations/{invitation.pk}/decline/", {"reason": value}).status_code < 500
    assert expert_browser.post("/expert/invitations/99999999999999999999/accept/").status_code == 404
    assert expert_browser.post(f"/expert/projects/{draft.pk}/apply/").status_code == 404


# --- the rest of each page's actions ---------------------------------------------------


def test_a_rate_change_is_previewed_then_confirmed(stripe_server):
    lab, owner = make_lab()
    project = make_open_project(lab, owner)
    browser = log_in(owner)
    url = f"/lab/projects/{project.pk}/rate-change/"

    too_low = browser.post(url, {"rate": "20.00", "reason": "Cost cuts", "notice_days": "14", "step": "preview"})
    assert too_low.status_code == 400
    assert "tier's floor of $35.00" in field_error(too_low, "rate_rate")
    assert b"Confirm the change" not in too_low.content

    data = {"rate": "80.00", "reason": "Budget review", "notice_days": "14"}
    preview = browser.post(url, {**data, "step": "preview"})
    assert preview.status_code == 200
    page = text_of(preview)
    assert "Preview of the new rate" in page
    assert "Effective pay: $80.00 an hour" in page
    assert "Confirm the change" in page
    assert not ProjectRateChange.objects.exists()
    previewed = re.search(r'name="previewed" value="([^"]+)"', preview.content.decode()).group(1)

    # Values changed after the preview are previewed again, not saved.
    changed = browser.post(url, {**data, "rate": "85.00", "step": "confirm", "previewed": previewed})
    assert changed.status_code == 400
    assert "The values changed since the preview" in text_of(changed)
    assert not ProjectRateChange.objects.exists()

    confirmed = browser.post(url, {**data, "step": "confirm", "previewed": previewed})
    assert confirmed.status_code == 302
    change = ProjectRateChange.objects.get()
    assert (change.old_rate_minor, change.new_rate_minor) == (9000, 8000)
    assert change.effective_on == timezone.now().date() + timedelta(days=14)
    page = text_of(browser.get(f"/lab/projects/{project.pk}/"))
    assert "Until the announced change applies, new engagements lock $90.00 an hour." in page
    assert "Announced" in page


def test_an_expert_applies_and_the_lab_declines_only_with_a_reason(stripe_server):
    lab, owner = make_lab()
    project = make_open_project(lab, owner, title="Open cardiology work")
    expert = make_vetted_expert()
    expert_browser = log_in(expert.user)
    listing = text_of(expert_browser.get("/expert/projects/"))
    assert "Open cardiology work" in listing
    assert "$90.00 an hour" in listing
    applied = expert_browser.post(f"/expert/projects/{project.pk}/apply/", {"message": "I read ECGs daily"})
    assert applied.status_code == 302
    application = StaffingRequest.objects.get()
    assert application.kind == "application"
    assert "Invitation or application pending" in text_of(expert_browser.get("/expert/projects/"))
    again = expert_browser.post(f"/expert/projects/{project.pk}/apply/", {"message": ""})
    assert again.status_code == 400
    assert "already have a pending invitation or application" in text_of(again)

    lab_browser = log_in(owner)
    decline = f"/lab/projects/{project.pk}/requests/{application.pk}/decline/"
    refused = lab_browser.post(decline, {"reason": "  "})
    assert refused.status_code == 400
    assert "This field is required." in field_error(refused, f"decline_{application.pk}_reason")
    application.refresh_from_db()
    assert application.status == RequestStatus.PENDING
    assert lab_browser.post(decline, {"reason": "We need Spanish speakers"}).status_code == 302
    application.refresh_from_db()
    assert (application.status, application.decline_reason) == ("declined", "We need Spanish speakers")
    assert "We need Spanish speakers" in text_of(expert_browser.get("/expert/invitations/"))

    # A second application is accepted by the lab and becomes an engagement.
    second = application_send(actor=expert.user, project=project, message="Please reconsider")
    assert lab_browser.post(f"/lab/projects/{project.pk}/requests/{second.pk}/accept/").status_code == 302
    assert Engagement.objects.get().rate_minor == 9000


def test_an_ineligible_expert_is_told_why_their_application_is_refused(stripe_server):
    lab, owner = make_lab()
    project = make_open_project(lab, owner)
    crowd = make_vetted_expert(tier="crowd")
    response = log_in(crowd.user).post(f"/expert/projects/{project.pk}/apply/", {"message": "Please"})
    assert response.status_code == 400
    page = text_of(response)
    assert "You do not meet the project's requirements." in page
    assert "The project needs the Domain tier or above; you are Crowd." in page
    assert "This expert" not in page
    assert not StaffingRequest.objects.exists()


def test_an_application_names_each_requirement_missed(stripe_server):
    lab, owner = make_lab()
    project = make_open_project(lab, owner, allowed_countries=["US"], languages=["en", "de"])
    expert = make_vetted_expert(country="KE", subdivision="", languages=["en"])
    response = log_in(expert.user).post(f"/expert/projects/{project.pk}/apply/", {"message": "Please"})
    assert response.status_code == 400
    page = text_of(response)
    assert "The project takes experts working from United States; your profile says Kenya." in page
    assert "The project needs German, English; your profile does not list them all." in page
    # Only what is missed: the expert's tier and credentials are enough.
    assert "tier" not in page.split("You do not meet")[1].split("Message to the lab")[0]


def test_a_project_takes_people_only_while_open_and_both_sides_are_told_so(stripe_server):
    from marketplace.services import funding_settle_from_provider, project_funding_start, project_transition

    lab, owner = make_lab()
    project = make_project(lab, owner)
    funding = project_funding_start(actor=owner, project=project, payment_method="pm_card_visa")
    funding_settle_from_provider(payment_intent_id=funding.stripe_payment_intent_id)
    expert = make_vetted_expert()
    lab_browser = log_in(owner)

    # Funded but not open: no invite button, and the service says why.
    page = text_of(lab_browser.get(f"/lab/projects/{project.pk}/"))
    assert "Open the project to invite them: a project takes people only while it is open." in page
    refused = lab_browser.post(f"/lab/projects/{project.pk}/invite/", {"contributor": expert.pk})
    assert refused.status_code == 400
    assert "is funded: a project takes people only while it is open. Open it to invite experts." in text_of(refused)
    assert not StaffingRequest.objects.exists()

    # Invited while open, then paused: the expert is told the same rule when accepting.
    project_transition(actor=owner, project=project, action="open")
    invitation = invitation_send(actor=owner, project=project, contributor=expert)
    project_transition(actor=owner, project=project, action="pause")
    accepted = log_in(expert.user).post(f"/expert/invitations/{invitation.pk}/accept/")
    assert accepted.status_code == 400
    assert (
        "is paused: a project takes people only while it is open. You can join once the lab opens it again."
        in text_of(accepted)
    )
    assert not Engagement.objects.exists()


def test_a_declined_test_card_leaves_the_project_a_draft_with_the_reason(stripe_server):
    lab, owner = make_lab()
    project = make_project(lab, owner)
    response = log_in(owner).post(f"/lab/projects/{project.pk}/fund/", {"card": "declined"})
    assert response.status_code == 400
    page = text_of(response)
    assert "declined" in page.lower()
    assert "Failed" in page
    project.refresh_from_db()
    assert project.status == ProjectStatus.DRAFT
    assert ProjectFunding.objects.get().status == FundingStatus.FAILED


def test_test_cards_are_offered_only_in_test_mode(settings):
    settings.STRIPE_LOCAL = False
    settings.STRIPE_SECRET_KEY = "sk_live_not_a_real_key"
    lab, owner = make_lab()
    project = make_project(lab, owner)
    browser = log_in(owner)
    page = text_of(browser.get(f"/lab/projects/{project.pk}/"))
    assert "with a test card" not in page
    assert "Card payment for live projects is arranged with operations." in page
    refused = browser.post(f"/lab/projects/{project.pk}/fund/", {"card": "visa"})
    assert refused.status_code == 400
    assert "Test cards work only in test mode." in text_of(refused)
    assert not ProjectFunding.objects.exists()


def test_a_draft_is_edited_with_its_values_shown_and_a_funded_one_is_not(stripe_server):
    lab, owner = make_lab()
    project = make_project(lab, owner)
    browser = log_in(owner)
    form = browser.get(f"/lab/projects/{project.pk}/edit/").content.decode()
    assert 'value="90.00"' in form
    assert 'value="20000.00"' in form
    assert re.search(r'value="cardiology"[^>]*checked', form)
    saved = browser.post(f"/lab/projects/{project.pk}/edit/", project_form(title="Renamed", rate="95.50"))
    assert saved.status_code == 302
    project.refresh_from_db()
    assert (project.title, project.rate_minor) == ("Renamed", 9550)

    funded = make_open_project(lab, owner)
    response = browser.get(f"/lab/projects/{funded.pk}/edit/")
    assert response.status_code == 302
    assert response["Location"] == f"/lab/projects/{funded.pk}/"
    refused = browser.post(f"/lab/projects/{funded.pk}/edit/", project_form(title="Too late"))
    assert refused.status_code == 400
    assert "Only a draft can be edited" in text_of(refused)


def test_opening_a_draft_is_refused_with_the_reason_on_the_page():
    lab, owner = make_lab()
    project = make_project(lab, owner)
    response = log_in(owner).post(f"/lab/projects/{project.pk}/transition/", {"action": "open"})
    assert response.status_code == 400
    assert "A draft project cannot be moved to open. Fund it first." in text_of(response)
    project.refresh_from_db()
    assert project.status == ProjectStatus.DRAFT


def test_inviting_an_expert_who_does_not_qualify_is_refused_on_the_page(stripe_server):
    lab, owner = make_lab()
    project = make_open_project(lab, owner)
    crowd = make_vetted_expert(tier="crowd")
    browser = log_in(owner)
    response = browser.post(f"/lab/projects/{project.pk}/invite/", {"contributor": crowd.pk, "message": "hi"})
    assert response.status_code == 400
    assert "This expert does not meet the project's requirements." in text_of(response)
    assert "The project needs the Domain tier or above; this expert is Crowd." in text_of(response)
    missing = browser.post(f"/lab/projects/{project.pk}/invite/", {"contributor": 987654321})
    assert missing.status_code == 400
    assert "There is no such expert." in text_of(missing)
    assert not StaffingRequest.objects.exists()
