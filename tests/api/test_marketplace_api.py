"""Labs, projects, rate rules, funding through Stripe, matching and staffing, over HTTP."""

import re
import threading

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Role, User
from audit.models import AuditEvent
from config.errors import ApplicationError
from marketplace.models import (
    Engagement,
    FundingStatus,
    LabMembership,
    Project,
    ProjectFunding,
    ProjectStatus,
    StaffingRequest,
)
from marketplace.services import invitation_send, staffing_request_accept
from payouts.models import StripeEvent

from tests.helpers.factories import (
    UserFactory,
    make_lab,
    make_open_project,
    make_project,
    make_vetted_expert,
    project_data,
)

pytestmark = pytest.mark.django_db


def _json_project(**overrides):
    data = project_data(**overrides)
    data["starts_on"] = data["starts_on"].isoformat()
    data["ends_on"] = data["ends_on"].isoformat()
    data["domains"] = overrides.pop("domains", ["cardiology"])
    return data


# --- labs ----------------------------------------------------------------------------


def test_lab_member_creates_a_lab_and_adds_a_colleague(client_for):
    owner = UserFactory(role=Role.LAB_MEMBER)
    colleague = UserFactory(role=Role.LAB_MEMBER)
    client = client_for(owner)
    lab = client.post("/api/labs/", {"name": "Meridian", "country": "us"})
    assert lab.status_code == 201, lab.json()
    lab_id = lab.json()["id"]
    added = client.post(f"/api/labs/{lab_id}/members/", {"email": colleague.email, "role": "manager"})
    assert added.status_code == 202, added.json()
    members = client_for(colleague).get(f"/api/labs/{lab_id}/members/").json()
    assert sorted(m["role"] for m in members) == ["manager", "owner"]


def test_adding_a_member_answers_the_same_whether_or_not_they_have_an_account(
    client_for, django_capture_on_commit_callbacks
):
    lab, owner = make_lab()
    colleague = UserFactory(role=Role.LAB_MEMBER)
    an_expert = UserFactory(role=Role.EXPERT)
    client = client_for(owner)
    answers = {}
    with django_capture_on_commit_callbacks(execute=True):
        for email in (colleague.email, "newcomer@example.test", an_expert.email, owner.email):
            response = client.post(f"/api/labs/{lab.pk}/members/", {"email": email, "role": "viewer"})
            answers[email] = (response.status_code, response.content.decode().replace(email, "*"))
    assert len(set(map(repr, answers.values()))) == 1, answers
    assert answers[colleague.email][0] == 202
    # The colleague with an account is in; the newcomer is invited by email ...
    assert {m["email"] for m in client.get(f"/api/labs/{lab.pk}/members/").json()} == {owner.email, colleague.email}
    invitation = next(message for message in mail.outbox if message.to == ["newcomer@example.test"])
    assert lab.name in invitation.body and "/lab-invitations/" in invitation.body

    # ... and joins once they have signed up as a lab member with that address and confirmed it.
    with django_capture_on_commit_callbacks(execute=True):
        signup = APIClient().post(
            "/api/auth/signup/",
            {
                "email": "Newcomer@Example.test",
                "password": "a long enough passphrase",
                "full_name": "N",
                "role": "lab_member",
            },
            format="json",
        )
    assert signup.status_code == 202
    key = re.search(r"/accounts/confirm-email/([^/\s]+)/", mail.outbox[-1].body).group(1)
    assert APIClient().post("/api/auth/verify-email/", {"key": key}, format="json").status_code == 200
    newcomer = User.objects.get(email="newcomer@example.test")
    assert LabMembership.objects.get(lab=lab, user=newcomer).role == "viewer"
    assert not LabMembership.objects.filter(lab=lab, user=an_expert).exists()


def test_a_viewer_cannot_create_projects(client_for):
    lab, owner = make_lab()
    viewer = UserFactory(role=Role.LAB_MEMBER)
    client_for(owner).post(f"/api/labs/{lab.pk}/members/", {"email": viewer.email, "role": "viewer"})
    response = client_for(viewer).post(f"/api/labs/{lab.pk}/projects/", _json_project(), format="json")
    assert response.status_code == 403
    assert not Project.objects.exists()


def test_a_lab_never_sees_or_changes_another_labs_projects(client_for, stripe_server):
    lab, owner = make_lab()
    other_lab, other_owner = make_lab()
    project = make_project(lab, owner)
    intruder = client_for(other_owner)
    assert intruder.get(f"/api/projects/{project.pk}/").status_code == 404
    assert (
        intruder.put(f"/api/projects/{project.pk}/", _json_project(title="Mine now"), format="json").status_code == 404
    )
    assert intruder.post(f"/api/projects/{project.pk}/fundings/", {"payment_method": "visa"}).status_code == 404
    assert intruder.get(f"/api/projects/{project.pk}/candidates/").status_code == 404
    assert intruder.get(f"/api/projects/{project.pk}/budget/").status_code == 404
    assert intruder.get(f"/api/labs/{lab.pk}/projects/").status_code == 404
    assert intruder.get(f"/api/labs/{other_lab.pk}/projects/").json() == []
    project.refresh_from_db()
    assert project.title == "Cardiology model evaluation"
    assert not ProjectFunding.objects.exists()


# --- projects and rate rules ---------------------------------------------------------


def test_project_below_the_tier_floor_is_refused_with_the_floor_named(client_for):
    lab, owner = make_lab()
    response = client_for(owner).post(
        f"/api/labs/{lab.pk}/projects/", _json_project(min_tier="expert", rate_minor=5000), format="json"
    )
    assert response.status_code == 400
    assert "expert tier's floor of $75.00" in response.json()["fields"]["rate_minor"][0]
    assert not Project.objects.exists()


def test_per_task_rate_below_a_states_minimum_wage_is_refused(client_for):
    lab, owner = make_lab()
    # $2.50 for a task estimated at 10 minutes is $15/h: above the bulk floor, below California's minimum.
    payload = _json_project(
        min_tier="bulk",
        pay_model="per_task",
        rate_minor=250,
        task_estimate_minutes=10,
        allowed_countries=["US"],
        required_credential_kinds=[],
    )
    response = client_for(owner).post(f"/api/labs/{lab.pk}/projects/", payload, format="json")
    assert response.status_code == 400
    message = response.json()["fields"]["rate_minor"][0]
    assert "$15.00" in message
    assert "US-" in message


def test_per_task_work_needs_an_estimate_and_dates_in_order(client_for):
    lab, owner = make_lab()
    client = client_for(owner)
    no_estimate = client.post(f"/api/labs/{lab.pk}/projects/", _json_project(pay_model="per_task"), format="json")
    assert "task_estimate_minutes" in no_estimate.json()["fields"]
    bad_dates = _json_project()
    bad_dates["ends_on"], bad_dates["starts_on"] = bad_dates["starts_on"], bad_dates["ends_on"]
    assert "ends_on" in client.post(f"/api/labs/{lab.pk}/projects/", bad_dates, format="json").json()["fields"]
    assert not Project.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"allowed_countries": ["ZZ"]}, "allowed_countries"),
        ({"allowed_countries": []}, "allowed_countries"),
        ({"languages": ["xx"]}, "languages"),
        ({"currency": "US"}, "currency"),
        ({"headcount": 0}, "headcount"),
        ({"min_tier": "guru"}, "min_tier"),
        ({"domains": []}, "domains"),
        ({"rate_minor": "12.50"}, "rate_minor"),
        ({"sensitive_categories": ["gore"]}, "sensitive_categories"),
    ],
)
def test_bad_project_input_is_a_field_error_and_writes_nothing(client_for, overrides, field):
    lab, owner = make_lab()
    response = client_for(owner).post(f"/api/labs/{lab.pk}/projects/", _json_project(**overrides), format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert not Project.objects.exists()


def test_rate_preview_shows_effective_pay_against_each_jurisdiction(client_for):
    lab, owner = make_lab()
    project = make_project(lab, owner, allowed_countries=["US", "GB", "DE"])
    preview = client_for(owner).post(f"/api/projects/{project.pk}/rate-preview/", {"rate_minor": 1000}).json()
    places = {j["place"]: j for j in preview["jurisdictions"]}
    assert {"US", "US-CA", "GB", "DE"} <= set(places)
    assert places["US"]["meets_floor"] is True
    assert places["US-WA"]["meets_floor"] is False
    assert places["GB"]["local_currency"] == "GBP"
    assert "rate_minor" in preview["problems"]
    assert Project.objects.get(pk=project.pk).rate_minor == 9000


# --- funding -------------------------------------------------------------------------


def test_funding_with_a_test_card_is_confirmed_by_the_signed_webhook_once(client_for, webhook_inbox):
    lab, owner = make_lab()
    project = make_project(lab, owner)
    client = client_for(owner)
    assert (
        client.post(f"/api/projects/{project.pk}/transition/", {"action": "open"}).json()["code"]
        == "illegal_transition"
    )

    funding = client.post(f"/api/projects/{project.pk}/fundings/", {"payment_method": "visa"})
    assert funding.status_code == 201, funding.json()
    body = funding.json()
    assert body["status"] == "pending"
    assert (body["budget_minor"], body["fee_minor"], body["amount_minor"]) == (2_000_000, 1_000_000, 3_000_000)

    payload, signature = webhook_inbox.wait_for("payment_intent.succeeded", object_id=body["stripe_payment_intent_id"])
    stripe = Client()
    for _ in range(3):
        delivered = stripe.post(
            "/stripe/webhooks/platform/", payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
        )
        assert delivered.status_code == 200
    project.refresh_from_db()
    assert project.status == ProjectStatus.FUNDED
    assert project.funded_minor == 2_000_000
    assert StripeEvent.objects.count() == 1
    assert AuditEvent.objects.filter(action="marketplace.project.funded").count() == 1
    assert ProjectFunding.objects.get().status == FundingStatus.SUCCEEDED

    opened = client.post(f"/api/projects/{project.pk}/transition/", {"action": "open"})
    assert opened.json()["status"] == "open"
    budget = client.get(f"/api/projects/{project.pk}/budget/").json()
    assert budget == {
        "currency": "USD",
        "funded_minor": 2_000_000,
        "committed_minor": 0,
        "spent_minor": 0,
        "remaining_minor": 2_000_000,
        "used_share": 0.0,
    }


def test_a_forged_webhook_is_refused_and_stored_nowhere(webhook_inbox, client_for):
    lab, owner = make_lab()
    project = make_project(lab, owner)
    funding = client_for(owner).post(f"/api/projects/{project.pk}/fundings/", {"payment_method": "visa"}).json()
    payload, signature = webhook_inbox.wait_for(
        "payment_intent.succeeded", object_id=funding["stripe_payment_intent_id"]
    )
    tampered = payload.replace(b'"amount": 3000000', b'"amount": 1')
    forged_signature = signature.split(",v1=")[0] + ",v1=" + "0" * 64
    stripe = Client()
    for body, sig in [(payload, forged_signature), (tampered, signature), (payload, "")]:
        response = stripe.post(
            "/stripe/webhooks/platform/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sig
        )
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_signature"
    assert not StripeEvent.objects.exists()
    project.refresh_from_db()
    assert project.status == ProjectStatus.DRAFT


def test_a_declined_card_leaves_the_project_unfunded_with_a_clear_message(client_for, stripe_server):
    lab, owner = make_lab()
    project = make_project(lab, owner)
    response = client_for(owner).post(f"/api/projects/{project.pk}/fundings/", {"payment_method": "declined"})
    assert response.status_code == 400
    assert response.json()["code"] == "payment_declined"
    project.refresh_from_db()
    assert project.status == ProjectStatus.DRAFT
    assert ProjectFunding.objects.get().status == FundingStatus.FAILED


def test_retried_funding_request_charges_once(client_for, stripe_server):
    lab, owner = make_lab()
    project = make_project(lab, owner)
    client = client_for(owner)
    first = client.post(
        f"/api/projects/{project.pk}/fundings/", {"payment_method": "visa"}, HTTP_IDEMPOTENCY_KEY="fund-1"
    )
    again = client.post(
        f"/api/projects/{project.pk}/fundings/", {"payment_method": "visa"}, HTTP_IDEMPOTENCY_KEY="fund-1"
    )
    assert first.json()["id"] == again.json()["id"]
    without_key = client.post(f"/api/projects/{project.pk}/fundings/", {"payment_method": "visa"})
    assert without_key.status_code == 409
    assert without_key.json()["code"] == "funding_pending"
    assert ProjectFunding.objects.count() == 1


# --- matching and staffing -----------------------------------------------------------


def test_candidates_are_ranked_with_reasons_and_ineligible_experts_never_appear(client_for, stripe_server):
    lab, owner = make_lab()
    project = make_open_project(lab, owner, allowed_countries=["US", "GB"], languages=["en"])
    strong = make_vetted_expert(tier="expert", weekly_availability_hours=40)
    plain = make_vetted_expert(tier="domain", weekly_availability_hours=5)
    make_vetted_expert(tier="domain", country="FR", subdivision="")  # country not allowed
    make_vetted_expert(tier="generalist")  # tier too low
    make_vetted_expert(tier="domain", languages=["es"])  # no English
    from tests.helpers.factories import make_expert

    make_expert()  # applicant: no verified credential, no tier
    candidates = client_for(owner).get(f"/api/projects/{project.pk}/candidates/").json()
    assert [c["contributor_id"] for c in candidates] == [strong.pk, plain.pk]
    top = candidates[0]
    assert float(top["score"]) == float(sum(float(v) for v in top["components"].values()))
    assert any("Exact specialty match (Cardiology)" in reason for reason in top["reasons"])
    assert any("Expert tier, above the minimum" in reason for reason in top["reasons"])


def test_sensitive_content_opt_outs_are_respected(client_for, stripe_server):
    lab, owner = make_lab()
    project = make_open_project(lab, owner, sensitive_categories=["medical_graphic"])
    make_vetted_expert(content_opt_outs=["medical_graphic"])
    make_vetted_expert(content_opt_outs=[], weekly_exposure_cap_minutes=0)
    willing = make_vetted_expert(content_opt_outs=["sexual"], weekly_exposure_cap_minutes=60)
    candidates = client_for(owner).get(f"/api/projects/{project.pk}/candidates/").json()
    assert [c["contributor_id"] for c in candidates] == [willing.pk]


def test_invite_accept_and_see_the_engagement_at_the_locked_rate(client_for, stripe_server):
    lab, owner = make_lab()
    project = make_open_project(lab, owner, headcount=1)
    expert = make_vetted_expert()
    lab_client, expert_client = client_for(owner), client_for(expert.user)
    invited = lab_client.post(
        f"/api/projects/{project.pk}/invitations/", {"contributor": expert.pk, "message": "Join us"}
    )
    assert invited.status_code == 201, invited.json()
    assert expert_client.get("/api/me/staffing-requests/").json()[0]["status"] == "pending"
    # Only the invited expert answers an invitation.
    assert lab_client.post(f"/api/staffing-requests/{invited.json()['id']}/accept/").status_code == 403

    accepted = expert_client.post(f"/api/staffing-requests/{invited.json()['id']}/accept/")
    assert accepted.status_code == 201, accepted.json()
    assert accepted.json()["rate_minor"] == 9000
    engagements = lab_client.get(f"/api/projects/{project.pk}/engagements/").json()
    assert [e["contributor"] for e in engagements] == [expert.pk]
    project.refresh_from_db()
    assert project.status == ProjectStatus.STAFFED
    budget = lab_client.get(f"/api/projects/{project.pk}/budget/").json()
    assert budget["committed_minor"] == 9000 * 10 * 9  # rate x weekly hours x weeks left
    assert expert_client.get("/api/me/engagements/").json()[0]["project"] == project.pk


def test_application_is_refused_for_an_ineligible_expert(client_for, stripe_server):
    lab, owner = make_lab()
    project = make_open_project(lab, owner)
    ineligible = make_vetted_expert(tier="crowd")
    response = client_for(ineligible.user).post(f"/api/projects/{project.pk}/applications/", {"message": "Please"})
    assert response.status_code == 400
    assert response.json()["code"] == "not_eligible"
    assert not StaffingRequest.objects.exists()


def test_lab_declines_an_application_only_with_a_reason(client_for, stripe_server):
    lab, owner = make_lab()
    project = make_open_project(lab, owner)
    expert = make_vetted_expert()
    application = client_for(expert.user).post(f"/api/projects/{project.pk}/applications/", {}).json()
    lab_client = client_for(owner)
    assert lab_client.post(f"/api/staffing-requests/{application['id']}/decline/", {}).status_code == 400
    declined = lab_client.post(f"/api/staffing-requests/{application['id']}/decline/", {"reason": "Team is full"})
    assert declined.json()["status"] == "declined"
    assert declined.json()["decline_reason"] == "Team is full"


def test_rate_change_applies_after_notice_and_never_to_locked_engagements(
    client_for, stripe_server, mailoutbox, django_capture_on_commit_callbacks
):
    lab, owner = make_lab()
    project = make_open_project(lab, owner, headcount=3)
    engaged = make_vetted_expert()
    invitation = invitation_send(actor=owner, project=project, contributor=engaged)
    staffing_request_accept(actor=engaged.user, request=invitation)
    client = client_for(owner)
    too_low = client.post(f"/api/projects/{project.pk}/rate-changes/", {"rate_minor": 100, "reason": "Cost cuts"})
    assert too_low.status_code == 400
    assert too_low.json()["code"] == "rate_below_floor"
    with django_capture_on_commit_callbacks(execute=True):
        changed = client.post(
            f"/api/projects/{project.pk}/rate-changes/", {"rate_minor": 8000, "reason": "Budget", "notice_days": 14}
        )
    assert changed.status_code == 201, changed.json()
    assert any(j["place"] == "US-CA" for j in changed.json()["preview"])
    assert Engagement.objects.get().rate_minor == 9000
    notice = [m for m in mailoutbox if "Notice: the rate" in m.subject]
    assert [m.to for m in notice] == [[engaged.user.email]]
    # A new engagement before the change takes effect still gets the old rate.
    newcomer = make_vetted_expert()
    second = staffing_request_accept(
        actor=newcomer.user, request=invitation_send(actor=owner, project=project, contributor=newcomer)
    )
    assert second.rate_minor == 9000


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_acceptances_never_exceed_headcount(stripe_server):
    lab, owner = make_lab()
    project = make_open_project(lab, owner, headcount=1)
    experts = [make_vetted_expert(), make_vetted_expert()]
    invitations = [invitation_send(actor=owner, project=project, contributor=e) for e in experts]
    barrier = threading.Barrier(2)
    outcomes = []

    def accept(expert, invitation):
        barrier.wait()
        try:
            outcomes.append(staffing_request_accept(actor=expert.user, request=invitation))
        except ApplicationError as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=pair) for pair in zip(experts, invitations, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Engagement.objects.filter(project=project).count() == 1
    refused = [o for o in outcomes if isinstance(o, ApplicationError)]
    assert [r.code for r in refused] in (["headcount_reached"], ["project_not_open"])


def test_an_expert_whose_only_license_expires_drops_out_of_matching(client_for, stripe_server):
    from datetime import timedelta

    from django.utils import timezone

    from vetting.services import credentials_expiry_sweep

    lab, owner = make_lab()
    project = make_open_project(lab, owner)
    expert = make_vetted_expert()
    client = client_for(owner)
    assert [c["contributor_id"] for c in client.get(f"/api/projects/{project.pk}/candidates/").json()] == [expert.pk]
    credential = expert.credentials.get()
    credentials_expiry_sweep(today=credential.expires_on + timedelta(days=1))
    assert client.get(f"/api/projects/{project.pk}/candidates/").json() == []
    assert timezone.now().date() < credential.expires_on  # the sweep, not the calendar, decided


def test_a_second_payment_is_refused_while_one_is_pending_even_before_stripe_answers(client_for, stripe_server):
    from django.db import transaction

    lab, owner = make_lab()
    project = make_project(lab, owner)
    with transaction.atomic():
        # What the first click leaves behind while its call to Stripe is still running.
        ProjectFunding.objects.create(
            project=project, budget_minor=1, fee_minor=0, amount_minor=1, currency="USD", started_by=owner
        )
    second = client_for(owner).post(f"/api/projects/{project.pk}/fundings/", {"payment_method": "visa"})
    assert second.status_code == 409
    assert ProjectFunding.objects.count() == 1


def test_a_currency_without_an_exchange_rate_is_a_field_error(client_for):
    lab, owner = make_lab()
    response = client_for(owner).post(f"/api/labs/{lab.pk}/projects/", _json_project(currency="JPY"), format="json")
    assert response.status_code == 400
    assert "currency" in response.json()["fields"]
