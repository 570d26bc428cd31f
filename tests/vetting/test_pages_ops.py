"""The operations pages, driven through real HTTP with a session that signed in with TOTP."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import Role, User
from audit.models import AuditEvent
from contributors.models import Contributor, ContributorStatus, Tier
from vetting import services as vetting_services
from vetting.models import CaseStatus, Credential, CredentialStatus, TierDecision, TierDecisionStatus
from vetting.views import paging as vetting_paging

from tests.helpers.factories import PASSWORD, PDF_BYTES, PNG_BYTES, UserFactory, make_credential, make_expert, totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops_login():
    """A browser session signed in through allauth: password, then the TOTP stage."""

    def login(user: User, secret: str) -> Client:
        browser = Client()
        response = browser.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
        assert response.status_code == 302
        assert response["Location"] == "/accounts/2fa/authenticate/"
        response = browser.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
        assert response.status_code == 302, response.content
        return browser

    return login


@pytest.fixture
def reviewer_browser(ops_login, ops_reviewer):
    user, secret = ops_reviewer
    return ops_login(user, secret)


def _events(**filters) -> int:
    return AuditEvent.objects.filter(**filters).count()


# --- who gets in ---------------------------------------------------------------------


OPS_PAGES = ["/ops/", "/ops/credentials/", "/ops/contributors/", "/ops/tiers/", "/ops/cases/", "/ops/audit/"]


@pytest.mark.parametrize("path", OPS_PAGES)
def test_anonymous_visitor_is_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("role", [Role.LAB_MEMBER, Role.EXPERT])
def test_non_ops_users_get_403_on_ops_pages(client, role):
    client.force_login(UserFactory(role=role))
    for path in OPS_PAGES:
        assert client.get(path).status_code == 403, path
    credential = make_credential(make_expert())
    assert client.get(f"/ops/credentials/{credential.pk}/").status_code == 403
    assert client.post(f"/ops/credentials/{credential.pk}/start-review/").status_code == 403
    assert Credential.objects.get(pk=credential.pk).status == CredentialStatus.SUBMITTED


def test_ops_user_without_mfa_is_sent_to_set_it_up(client):
    user = UserFactory(role=Role.OPS_REVIEWER)
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    for path in ("/ops/", "/ops/credentials/", "/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/2fa/totp/activate/"
    # allauth asks for the password once more before adding a second factor.
    confirm = client.get("/accounts/2fa/totp/activate/", follow=True)
    assert confirm.status_code == 200
    assert b"css/site.css" in confirm.content
    response = client.post(confirm.redirect_chain[-1][0], {"password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/2fa/totp/activate/"
    assert b'name="code"' in response.content
    assert b"Skip to main content" in response.content


def test_ops_session_without_second_factor_cannot_use_pages(client, ops_reviewer):
    user, _ = ops_reviewer
    client.force_login(user)
    response = client.get("/ops/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/logout/"


def test_finance_staff_can_read_but_not_decide(ops_login, ops_finance):
    user, secret = ops_finance
    browser = ops_login(user, secret)
    credential = make_credential(make_expert())
    assert browser.get("/ops/").status_code == 200
    page = browser.get(f"/ops/credentials/{credential.pk}/").content.decode()
    assert "Only operations reviewers can act on credentials." in page
    assert browser.post(f"/ops/credentials/{credential.pk}/start-review/").status_code == 403
    assert browser.get("/ops/tiers/").status_code == 403
    assert browser.get("/ops/cases/").status_code == 403
    assert Credential.objects.get(pk=credential.pk).status == CredentialStatus.SUBMITTED


def test_finance_staff_read_a_credential_but_never_its_document(ops_login, ops_finance):
    user, secret = ops_finance
    browser = ops_login(user, secret)
    credential = make_credential(make_expert())
    page = browser.get(f"/ops/credentials/{credential.pk}/").content.decode()
    assert credential.title in page
    assert "Documents are shown to operations reviewers only." in page
    assert "<iframe" not in page
    assert f"/credentials/{credential.pk}/document/" not in page
    assert browser.get(f"/ops/credentials/{credential.pk}/document/").status_code == 403
    assert browser.get(f"/api/credentials/{credential.pk}/document/").status_code == 403


def test_ops_user_gets_403_on_expert_pages(reviewer_browser):
    assert reviewer_browser.get("/expert/").status_code == 403


# --- dashboard and queue -------------------------------------------------------------


def test_dashboard_shows_queue_counts(reviewer_browser, ops_reviewer):
    reviewer, _ = ops_reviewer
    make_credential(make_expert())
    started = make_credential(make_expert())
    vetting_services.credential_review_start(actor=reviewer, credential=started)
    page = reviewer_browser.get("/ops/").content.decode()
    assert re.search(r'<span class="stat">1</span> waiting for a reviewer', page)
    assert re.search(r'<span class="stat">1</span> in review', page)
    assert re.search(r'<span class="stat">0</span> waiting for the expert', page)


def test_queue_lists_credentials_oldest_first_and_filters_by_status(reviewer_browser, ops_reviewer):
    reviewer, _ = ops_reviewer
    first = make_credential(make_expert(display_name="First Expert"), title="Oldest license")
    second = make_credential(make_expert(display_name="Second Expert"), title="Newer degree")
    page = reviewer_browser.get("/ops/credentials/").content.decode()
    assert page.index("Oldest license") < page.index("Newer degree")
    assert f'href="/ops/credentials/{first.pk}/"' in page

    vetting_services.credential_review_start(actor=reviewer, credential=second)
    filtered = reviewer_browser.get("/ops/credentials/?status=in_review").content.decode()
    assert "Newer degree" in filtered
    assert "Oldest license" not in filtered


def test_queue_empty_state_and_bad_filter(reviewer_browser):
    assert b"The queue is empty." in reviewer_browser.get("/ops/credentials/").content
    response = reviewer_browser.get("/ops/credentials/?status=nonsense&page=abc")
    assert response.status_code == 400
    assert b'id="id_status_error"' in response.content


# --- credential review ---------------------------------------------------------------


def test_review_page_embeds_a_pdf_in_a_frame(reviewer_browser):
    credential = make_credential(make_expert())
    page = reviewer_browser.get(f"/ops/credentials/{credential.pk}/").content.decode()
    assert f'<iframe src="/ops/credentials/{credential.pk}/document/"' in page
    assert f'href="/api/credentials/{credential.pk}/document/"' in page

    document = reviewer_browser.get(f"/ops/credentials/{credential.pk}/document/")
    assert document.status_code == 200
    assert document["Content-Type"] == "application/pdf"
    assert document["X-Frame-Options"] == "SAMEORIGIN"
    assert b"".join(document.streaming_content) == PDF_BYTES
    assert reviewer_browser.get(f"/api/credentials/{credential.pk}/document/").status_code == 200


def test_review_page_shows_an_image_document_as_an_image(reviewer_browser):
    scan = SimpleUploadedFile("scan.png", PNG_BYTES, content_type="image/png")
    credential = make_credential(make_expert(), document=scan)
    page = reviewer_browser.get(f"/ops/credentials/{credential.pk}/").content.decode()
    assert f'<img src="/ops/credentials/{credential.pk}/document/"' in page
    assert "<iframe" not in page


def test_document_frame_is_closed_to_other_experts(client):
    credential = make_credential(make_expert())
    client.force_login(make_expert().user)
    assert client.get(f"/ops/credentials/{credential.pk}/document/").status_code == 403
    assert client.get(f"/expert/credentials/{credential.pk}/document/").status_code == 404


def test_reject_without_reason_shows_field_error_and_changes_nothing(reviewer_browser, ops_reviewer):
    reviewer, _ = ops_reviewer
    credential = make_credential(make_expert())
    response = reviewer_browser.post(f"/ops/credentials/{credential.pk}/start-review/")
    assert response.status_code == 302
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.IN_REVIEW
    assert credential.reviewer == reviewer

    events = _events()
    response = reviewer_browser.post(f"/ops/credentials/{credential.pk}/reject/", {"reason": "  "})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_reason_error"' in page
    assert "This field is required." in page
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.IN_REVIEW
    assert _events() == events


def test_reviewer_rejects_with_reason(reviewer_browser):
    credential = make_credential(make_expert())
    reviewer_browser.post(f"/ops/credentials/{credential.pk}/start-review/")
    response = reviewer_browser.post(f"/ops/credentials/{credential.pk}/reject/", {"reason": "Name does not match."})
    assert response.status_code == 302
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.REJECTED
    assert credential.rejection_reason == "Name does not match."
    assert b"Name does not match." in reviewer_browser.get(f"/ops/credentials/{credential.pk}/").content


def test_acting_on_a_credential_in_the_wrong_state_is_explained(reviewer_browser):
    credential = make_credential(make_expert())
    events = _events()
    response = reviewer_browser.post(f"/ops/credentials/{credential.pk}/verify/", {"note": "looks fine"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "cannot be moved to verified" in page
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.SUBMITTED
    assert _events() == events


def test_review_actions_on_a_missing_credential_are_404(reviewer_browser):
    assert reviewer_browser.get("/ops/credentials/999999/").status_code == 404
    assert reviewer_browser.post("/ops/credentials/999999/reject/", {"reason": "x"}).status_code == 404


# --- contributors and tiers ----------------------------------------------------------


def test_contributor_list_searches_and_paginates(reviewer_browser, monkeypatch):
    make_expert(display_name="Alice Cardio")
    make_expert(display_name="Bob Law")
    page = reviewer_browser.get("/ops/contributors/?search=alice").content.decode()
    assert "Alice Cardio" in page
    assert "Bob Law" not in page
    monkeypatch.setattr(vetting_paging, "PAGE_SIZE", 1)
    first = reviewer_browser.get("/ops/contributors/").content.decode()
    assert "Page 1 of 2" in first
    assert reviewer_browser.get("/ops/contributors/?tier=wizard").status_code == 400


def test_reviewer_sets_a_tier_with_a_reason(reviewer_browser):
    contributor = make_expert()
    page = reviewer_browser.get(f"/ops/contributors/{contributor.pk}/").content.decode()
    assert "Dr Ada" in page
    assert "United States, California" in page
    assert "No tier decisions yet." in page

    missing = reviewer_browser.post(f"/ops/contributors/{contributor.pk}/tier/", {"tier": "domain", "reason": ""})
    assert missing.status_code == 400
    assert 'id="id_reason_error"' in missing.content.decode()
    assert not TierDecision.objects.exists()

    response = reviewer_browser.post(
        f"/ops/contributors/{contributor.pk}/tier/", {"tier": "domain", "reason": "Verified cardiology licence."}
    )
    assert response.status_code == 302
    contributor.refresh_from_db()
    assert contributor.tier == Tier.DOMAIN
    assert contributor.status == ContributorStatus.ACTIVE
    history = reviewer_browser.get(f"/ops/contributors/{contributor.pk}/").content.decode()
    assert "No tier → Domain" in history
    assert "Verified cardiology licence." in history

    same = reviewer_browser.post(f"/ops/contributors/{contributor.pk}/tier/", {"tier": "domain", "reason": "again"})
    assert same.status_code == 400
    assert "already in the Domain tier" in same.content.decode()
    assert 'value="domain" selected' in same.content.decode()


def test_expert_tier_needs_a_second_reviewer(reviewer_browser, ops_login, second_reviewer):
    contributor = make_expert()
    reviewer_browser.post(f"/ops/contributors/{contributor.pk}/tier/", {"tier": "expert", "reason": "Top of field."})
    decision = TierDecision.objects.get()
    assert decision.status == TierDecisionStatus.PENDING_APPROVAL

    own = reviewer_browser.get("/ops/tiers/").content.decode()
    assert "Top of field." in own
    assert "You proposed this" in own
    refused = reviewer_browser.post(f"/ops/tiers/{decision.pk}/approve/")
    assert refused.status_code == 400
    assert "cannot also approve it" in refused.content.decode()
    assert TierDecision.objects.get().status == TierDecisionStatus.PENDING_APPROVAL

    user, secret = second_reviewer
    second = ops_login(user, secret)
    no_reason = second.post(f"/ops/tiers/{decision.pk}/decline/", {"reason": ""})
    assert no_reason.status_code == 400
    assert f'id="decline{decision.pk}_reason_error"' in no_reason.content.decode()
    response = second.post(f"/ops/tiers/{decision.pk}/approve/")
    assert response.status_code == 302
    contributor.refresh_from_db()
    assert contributor.tier == Tier.EXPERT
    assert b"No tier changes are waiting for approval." in second.get("/ops/tiers/").content
    assert second.post(f"/ops/tiers/{decision.pk}/approve/").status_code == 404


def test_second_reviewer_declines_with_reason(reviewer_browser, ops_login, second_reviewer):
    contributor = make_expert()
    reviewer_browser.post(f"/ops/contributors/{contributor.pk}/tier/", {"tier": "expert", "reason": "Strong."})
    decision = TierDecision.objects.get()
    user, secret = second_reviewer
    second = ops_login(user, secret)
    response = second.post(f"/ops/tiers/{decision.pk}/decline/", {"reason": "Needs one more verified credential."})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.status == TierDecisionStatus.DECLINED
    page = second.get(f"/ops/contributors/{contributor.pk}/").content.decode()
    assert "Needs one more verified credential." in page


# --- deactivation cases --------------------------------------------------------------


def test_case_from_warning_to_appeal(reviewer_browser, ops_login, second_reviewer):
    contributor = make_expert()
    assert b"No cases to show." in reviewer_browser.get("/ops/cases/").content

    empty = reviewer_browser.post(f"/ops/contributors/{contributor.pk}/cases/", {"concern": ""})
    assert empty.status_code == 400
    response = reviewer_browser.post(f"/ops/contributors/{contributor.pk}/cases/", {"concern": "Copied answers."})
    assert response.status_code == 302
    case = contributor.deactivation_cases.get()
    assert response["Location"] == f"/ops/cases/{case.pk}/"
    assert "Copied answers." in reviewer_browser.get("/ops/cases/").content.decode()

    page = reviewer_browser.get(f"/ops/cases/{case.pk}/").content.decode()
    assert 'name="evidence"' in page
    assert 'value="deactivate"' not in page

    short = reviewer_browser.post(f"/ops/cases/{case.pk}/notice/", {"evidence": "Logs.", "response_days": "1"})
    assert short.status_code == 400
    assert 'id="notice_response_days_error"' in short.content.decode()
    response = reviewer_browser.post(
        f"/ops/cases/{case.pk}/notice/", {"evidence": "Logs attached.", "response_days": ""}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.NOTICE

    early = reviewer_browser.post(f"/ops/cases/{case.pk}/decide/", {"outcome": "deactivate", "reason": "Proven."})
    assert early.status_code == 400
    assert "decide after that" in early.content.decode()
    assert 'value="deactivate" required id="decide_outcome_1" checked' in early.content.decode()

    vetting_services.deactivation_case_respond(actor=contributor.user, case=case, response="I did not copy.")
    response = reviewer_browser.post(f"/ops/cases/{case.pk}/decide/", {"outcome": "deactivate", "reason": "Proven."})
    assert response.status_code == 302
    contributor.refresh_from_db()
    assert contributor.status == ContributorStatus.DEACTIVATED

    vetting_services.deactivation_case_appeal(actor=contributor.user, case=case, statement="Please look again.")
    same = reviewer_browser.post(f"/ops/cases/{case.pk}/decide-appeal/", {"outcome": "reinstate", "reason": "Ok."})
    assert same.status_code == 400
    assert "someone other than the original decider" in same.content.decode()

    user, secret = second_reviewer
    second = ops_login(user, secret)
    response = second.post(f"/ops/cases/{case.pk}/decide-appeal/", {"outcome": "reinstate", "reason": "Draft history."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.OVERTURNED
    contributor.refresh_from_db()
    assert contributor.status == ContributorStatus.ACTIVE
    closed = second.get(f"/ops/cases/{case.pk}/").content.decode()
    assert "This case is closed." in closed
    assert "vetting.case.appeal_upheld" in closed


def test_warning_can_be_dismissed(reviewer_browser, ops_reviewer):
    reviewer, _ = ops_reviewer
    contributor = make_expert()
    case = vetting_services.deactivation_case_open(actor=reviewer, contributor=contributor, concern="Late work.")
    response = reviewer_browser.post(f"/ops/cases/{case.pk}/decide/", {"outcome": "dismiss", "reason": "Explained."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.DISMISSED


# --- audit trail ---------------------------------------------------------------------


def test_audit_page_filters_and_paginates(reviewer_browser, ops_reviewer, monkeypatch):
    reviewer, _ = ops_reviewer
    credential = make_credential(make_expert())
    vetting_services.credential_review_start(actor=reviewer, credential=credential)

    page = reviewer_browser.get("/ops/audit/?action=vetting.credential").content.decode()
    assert "vetting.credential.submitted" in page
    assert "vetting.credential.review_started" in page
    assert "contributors.profile.created" not in page

    by_target = reviewer_browser.get(
        f"/ops/audit/?target_type=vetting.credential&target_id={credential.pk}&actor={reviewer.email}"
    ).content.decode()
    assert "vetting.credential.review_started" in by_target
    assert "vetting.credential.submitted" not in by_target

    monkeypatch.setattr(vetting_paging, "AUDIT_PAGE_SIZE", 1)
    first = reviewer_browser.get("/ops/audit/?action=vetting.credential").content.decode()
    assert "Page 1 of 2" in first
    assert "?action=vetting.credential&amp;page=2" in first
    second = reviewer_browser.get("/ops/audit/?action=vetting.credential&page=2").content.decode()
    assert "vetting.credential.submitted" in second
    assert reviewer_browser.get("/ops/audit/?page=banana").status_code == 200
    assert reviewer_browser.get("/ops/audit/?action=nothing.like.this").content.count(b"No events match") == 1
    assert reviewer_browser.get("/ops/audit/?target_id=%00").status_code == 400


# --- the whole journey ---------------------------------------------------------------


def test_full_journey_from_sign_up_to_tier(client, ops_login, ops_reviewer):
    # The expert signs up and verifies their email by following the link.
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new.expert@example.test",
            "password1": "a long secret phrase",
            "password2": "a long secret phrase",
            "full_name": "Nia Newcomer",
            "role": Role.EXPERT,
        },
    )
    assert response.status_code == 302, response.content
    user = User.objects.get(email="new.expert@example.test")
    assert user.role == Role.EXPERT
    assert user.full_name == "Nia Newcomer"
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[-1].body).group(1)
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response.status_code == 302
    assert client.get("/")["Location"] == "/expert/"

    # They fill in their profile and upload a credential.
    assert b"Start with your profile" in client.get("/expert/").content
    response = client.post(
        "/expert/profile/",
        {
            "legal_name": "Nia Newcomer",
            "display_name": "Nia N.",
            "country": "GB",
            "subdivision": "",
            "timezone": "Europe/London",
            "languages": ["en"],
            "education_level": "master",
            "specialties": ["securities"],
            "skills": "",
            "weekly_availability_hours": "10",
            "weekly_exposure_cap_minutes": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()
    contributor = Contributor.objects.get(user=user)
    response = client.post(
        "/expert/credentials/new/",
        {
            "kind": "license",
            "field": "securities",
            "title": "Solicitor",
            "issuer": "Solicitors Regulation Authority",
            "identifier": "SRA-1",
            "country": "GB",
            "issued_on": "2019-09-01",
            "expires_on": "",
            "document": SimpleUploadedFile("sra.pdf", PDF_BYTES, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302, response.content.decode()
    credential = Credential.objects.get(contributor=contributor)

    # Operations signs in with MFA, finds it in the queue and asks a question.
    reviewer, secret = ops_reviewer
    ops = ops_login(reviewer, secret)
    assert "Solicitor" in ops.get("/ops/credentials/").content.decode()
    assert ops.post(f"/ops/credentials/{credential.pk}/start-review/").status_code == 302
    response = ops.post(f"/ops/credentials/{credential.pk}/request-info/", {"question": "Your SRA number, please."})
    assert response.status_code == 302

    # The expert answers.
    assert "Your SRA number, please." in client.get("/expert/").content.decode()
    response = client.post(f"/expert/credentials/{credential.pk}/answer/", {"answer": "SRA-123456"})
    assert response.status_code == 302

    # Operations sees the answer, verifies, and sets a tier.
    assert "SRA-123456" in ops.get(f"/ops/credentials/{credential.pk}/").content.decode()
    response = ops.post(f"/ops/credentials/{credential.pk}/verify/", {"note": "Checked on the SRA register."})
    assert response.status_code == 302
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.VERIFIED
    response = ops.post(
        f"/ops/contributors/{contributor.pk}/tier/", {"tier": "domain", "reason": "Verified solicitor."}
    )
    assert response.status_code == 302

    dashboard = client.get("/expert/").content.decode()
    assert "Domain" in dashboard
    assert "1 verified" in dashboard

    audit = ops.get("/ops/audit/").content.decode()
    for action in (
        "accounts.user.signed_up",
        "contributors.profile.created",
        "vetting.credential.submitted",
        "vetting.credential.review_started",
        "vetting.credential.info_requested",
        "vetting.credential.info_provided",
        "vetting.credential.verified",
        "vetting.tier.changed",
    ):
        assert action in audit, action
