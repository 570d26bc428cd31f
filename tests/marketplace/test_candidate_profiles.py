"""Labs open a candidate's page before inviting: only what the expert shares, only for their projects."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from contributors.services import contributor_status_set
from marketplace.models import QualityScore
from marketplace.services import application_send, invitation_send, staffing_request_accept

from tests.helpers.factories import make_expert, make_lab, make_open_project, make_ops, make_vetted_expert
from tests.helpers.page_world import sign_in

pytestmark = pytest.mark.django_db

# What a lab never sees of an expert: legal name, email, credential title and number, pay.
NEVER = ("Ada Example", "Medical license", "A123456", "@example")


def _page(browser, project, contributor):
    return browser.get(f"/lab/projects/{project.pk}/candidates/{contributor.pk}/")


def _text(response) -> str:
    return response.content.decode()


def test_a_lab_member_opens_an_eligible_candidate_from_the_project_page(stripe_server):
    lab, owner = make_lab()
    project = make_open_project(lab, owner)
    expert = make_vetted_expert(weekly_availability_hours=30)
    browser = sign_in(owner)
    project_page = _text(browser.get(f"/lab/projects/{project.pk}/"))
    assert f"/lab/projects/{project.pk}/candidates/{expert.pk}/" in project_page

    response = _page(browser, project, expert)
    assert response.status_code == 200
    page = _text(response)
    assert "Dr Ada" in page and "Domain tier" in page
    assert "Meets every requirement of this project" in page
    assert "Cardiology" in page and "English" in page and "Spanish" in page
    # The credential's kind, issuer and dates: shared by default.
    assert "Professional license" in page and "Medical Board of California" in page and "1 Jun 2015" in page
    assert "30 h a week free" in page
    # Quality scores are not shared until the expert opts in.
    assert "does not share their quality scores" in page
    for secret in (*NEVER, expert.user.email, "$", "rate"):
        assert secret not in page, secret
    assert "Invite Dr Ada" in page

    event = AuditEvent.objects.get(action="marketplace.candidate.viewed")
    assert (event.target_type, event.target_id) == ("contributors.contributor", str(expert.pk))
    assert event.after["project"] == project.pk and event.after["because"] == ["eligible"]


def test_the_experts_sharing_choices_are_respected_on_the_page_and_the_api(stripe_server, client_for):
    lab, owner = make_lab()
    project = make_open_project(lab, owner)
    other_lab, other_owner = make_lab()
    other_project = make_open_project(other_lab, other_owner, title="Secret oncology work")
    expert = make_vetted_expert(weekly_availability_hours=30)
    # Committed elsewhere: 10 of the 30 hours.
    staffing_request_accept(
        actor=expert.user, request=invitation_send(actor=other_owner, project=other_project, contributor=expert)
    )
    now = timezone.now()
    QualityScore.objects.create(
        contributor=expert, project=other_project, score="0.870", inputs={}, computed_at=now - timedelta(days=30)
    )

    expert_api = client_for(expert.user)
    profile = expert_api.get("/api/me/profile/").json()
    assert (profile["share_credential_details"], profile["share_quality_history"], profile["share_availability"]) == (
        True,
        False,
        True,
    )
    api = client_for(owner)
    shown = api.get(f"/api/projects/{project.pk}/candidates/{expert.pk}/").json()
    assert shown["availability"]["committed_hours"] == other_project.weekly_hours
    assert shown["availability"]["free_hours"] == 30 - other_project.weekly_hours
    assert shown["quality_history"] is None
    assert shown["credentials"][0]["issuer"] == "Medical Board of California"
    assert "legal_name" not in shown and "email" not in shown

    changed = expert_api.put(
        "/api/me/profile/",
        {
            **{key: profile[key] for key in ("legal_name", "display_name", "country", "subdivision", "timezone")},
            "languages": profile["languages"],
            "education_level": profile["education_level"],
            "weekly_availability_hours": profile["weekly_availability_hours"],
            "specialties": [domain["slug"] for domain in profile["specialties"]],
            "share_credential_details": False,
            "share_quality_history": True,
            "share_availability": False,
        },
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    bad = expert_api.put("/api/me/profile/", {**changed.json(), "share_availability": "maybe"}, format="json")
    assert bad.status_code == 400 and "share_availability" in bad.json()["fields"]

    shown = api.get(f"/api/projects/{project.pk}/candidates/{expert.pk}/").json()
    assert shown["availability"] is None
    assert shown["credentials"][0] == {
        "kind": "Professional license",
        "field": "Cardiology",
        "issuer": None,
        "issued_on": None,
        "expires_on": None,
    }
    # Another lab's project is never named.
    assert [(p["project"], p["score"]) for p in shown["quality_history"]] == [("A project of another lab", "0.870")]

    page = _text(_page(sign_in(owner), project, expert))
    assert "Medical Board of California" not in page and "does not share their credentials" in page
    assert "does not share their availability" in page
    assert "0.870" in page and "A project of another lab" in page and "Secret oncology work" not in page


def test_experts_who_are_not_candidates_and_other_labs_get_404(stripe_server, client_for):
    lab, owner = make_lab()
    project = make_open_project(lab, owner)
    _, other_owner = make_lab()
    eligible = make_vetted_expert()
    # No verified credential, no request, no engagement: not this lab's business.
    stranger = make_expert()
    browser = sign_in(owner)
    assert _page(browser, project, stranger).status_code == 404
    assert browser.get(f"/lab/projects/{project.pk}/candidates/999999999/").status_code == 404
    assert _page(sign_in(other_owner), project, eligible).status_code == 404
    api = client_for(owner)
    assert api.get(f"/api/projects/{project.pk}/candidates/{stranger.pk}/").status_code == 404
    assert client_for(other_owner).get(f"/api/projects/{project.pk}/candidates/{eligible.pk}/").status_code == 404
    assert client_for(eligible.user).get(f"/api/projects/{project.pk}/candidates/{eligible.pk}/").status_code == 403
    assert not AuditEvent.objects.filter(action="marketplace.candidate.viewed").exists()


def test_an_applicant_is_visible_from_their_application_even_when_no_longer_eligible(stripe_server):
    lab, owner = make_lab()
    project = make_open_project(lab, owner)
    expert = make_vetted_expert()
    application_send(actor=expert.user, project=project, message="Happy to help.")
    browser = sign_in(owner)
    project_page = _text(browser.get(f"/lab/projects/{project.pk}/"))
    assert project_page.count(f"/lab/projects/{project.pk}/candidates/{expert.pk}/") == 2
    # Suspended in the meantime: no longer eligible, but the application stays readable.
    contributor_status_set(
        actor=make_ops(Role.OPS_REVIEWER)[0], contributor=expert, status="suspended", reason="Checking a complaint."
    )
    page = _page(browser, project, expert)
    assert page.status_code == 200
    assert "Applied to this project" in _text(page)
    assert "Invite Dr Ada" not in _text(page)
