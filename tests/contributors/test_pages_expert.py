"""The expert's pages, driven through real HTTP with the Django test client."""

import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from contributors.models import Contributor, Domain
from marketplace.services import lab_create
from vetting import services as vetting_services
from vetting.models import AssessmentAttempt, CaseStatus, Credential, CredentialStatus, DeactivationCase

from tests.helpers.factories import PASSWORD, PDF_BYTES, PNG_BYTES, UserFactory, make_credential, make_expert, make_ops

pytestmark = pytest.mark.django_db


@pytest.fixture
def expert_client():
    """A browser session for a new expert with a filled-in profile."""

    def build(contributor=None):
        contributor = contributor or make_expert()
        browser = Client()
        response = browser.post("/accounts/login/", {"login": contributor.user.email, "password": PASSWORD})
        assert response.status_code == 302, response.content
        return browser, contributor

    return build


def _profile_post(**overrides):
    data = {
        "legal_name": "Grace Example",
        "display_name": "Dr Grace",
        "country": "DE",
        "subdivision": "DE-BE",
        "timezone": "Europe/Berlin",
        "languages": ["de", "en"],
        "education_level": "doctorate",
        "specialties": ["cardiology", "law"],
        "skills": "ECG reading\nclinical guidelines",
        "weekly_availability_hours": "12",
        "content_opt_outs": ["violence"],
        "weekly_exposure_cap_minutes": "30",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _credential_post(**overrides):
    data = {
        "kind": "degree",
        "field": "cardiology",
        "title": "MD",
        "issuer": "Charité Berlin",
        "identifier": "",
        "country": "DE",
        "issued_on": "2012-07-01",
        "expires_on": "",
        "document": SimpleUploadedFile("diploma.pdf", PDF_BYTES, content_type="application/pdf"),
    }
    data.update(overrides)
    return data


# --- access --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/expert/", "/expert/profile/", "/expert/credentials/", "/expert/assessments/", "/expert/cases/"]
)
def test_anonymous_visitor_is_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_lab_member_cannot_open_expert_pages(client):
    client.force_login(UserFactory(role=Role.LAB_MEMBER))
    for path in ("/expert/", "/expert/profile/", "/expert/credentials/new/", "/expert/cases/"):
        assert client.get(path).status_code == 403


def test_landing_page_offers_sign_up_and_log_in(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b'href="/accounts/signup/"' in response.content
    assert b'href="/accounts/login/"' in response.content
    assert b"css/site.css" in response.content


def test_allauth_pages_use_the_site_layout(client):
    for path in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"):
        response = client.get(path)
        assert response.status_code == 200
        assert b"css/site.css" in response.content
        assert b"Skip to main content" in response.content


def test_lab_member_home_leads_to_their_labs_or_says_there_are_none(client):
    member = UserFactory(role=Role.LAB_MEMBER)
    client.force_login(member)
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert b"You are not a member of any lab yet" in response.content
    assert b"You have no projects yet" in response.content

    lab_create(actor=member, name="Frontier Lab", country="US")
    response = client.get("/", follow=True)
    assert b"Frontier Lab" in response.content
    assert b"You are not a member of any lab yet" not in response.content


def test_expert_is_sent_from_home_to_their_dashboard(expert_client):
    browser, _ = expert_client()
    response = browser.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/expert/"


# --- dashboard and profile -----------------------------------------------------------


def test_new_expert_dashboard_asks_for_a_profile_first(client):
    client.force_login(UserFactory(role=Role.EXPERT))
    response = client.get("/expert/")
    assert response.status_code == 200
    assert b"Start with your profile" in response.content
    assert client.get("/expert/credentials/new/")["Location"] == "/expert/profile/"


def test_profile_form_offers_grouped_specialties_countries_and_languages(client):
    client.force_login(UserFactory(role=Role.EXPERT, timezone="Asia/Tokyo"))
    response = client.get("/expert/profile/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<legend>Medicine</legend>" in page
    assert 'value="cardiology"' in page
    assert '<option value="DE">Germany</option>' in page
    assert '<option value="de">German</option>' in page
    assert '<option value="Asia/Tokyo" selected>' in page
    assert '<label for="id_legal_name">' in page


def test_expert_creates_their_profile(client):
    user = UserFactory(role=Role.EXPERT)
    client.force_login(user)
    response = client.post("/expert/profile/", _profile_post())
    assert response.status_code == 302
    assert response["Location"] == "/expert/"
    contributor = Contributor.objects.get(user=user)
    assert contributor.display_name == "Dr Grace"
    assert contributor.subdivision == "DE-BE"
    assert contributor.languages == ["de", "en"]
    assert contributor.skills == ["ECG reading", "clinical guidelines"]
    assert sorted(contributor.specialties.values_list("slug", flat=True)) == ["cardiology", "law"]
    assert AuditEvent.objects.filter(action="contributors.profile.created", target_id=str(contributor.pk)).exists()

    dashboard = client.get("/expert/")
    assert b"Dr Grace" in dashboard.content
    assert b"Not decided yet" in dashboard.content
    assert b"Berlin" in dashboard.content


def test_profile_with_errors_keeps_what_was_typed_and_saves_nothing(client):
    user = UserFactory(role=Role.EXPERT)
    client.force_login(user)
    response = client.post("/expert/profile/", _profile_post(languages=None, specialties=None))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose at least one domain or sub-specialty." in page
    assert 'id="id_languages_error"' in page
    assert 'value="Grace Example"' in page
    assert not Contributor.objects.filter(user=user).exists()


def test_profile_region_must_belong_to_the_country(client):
    client.force_login(UserFactory(role=Role.EXPERT))
    response = client.post("/expert/profile/", _profile_post(country="FR", subdivision="DE-BE"))
    assert response.status_code == 400
    assert "That region is not in France." in response.content.decode()


def test_show_regions_redraws_the_form_for_the_chosen_country_without_saving(client):
    user = UserFactory(role=Role.EXPERT)
    client.force_login(user)
    response = client.post("/expert/profile/", {"country": "CA", "legal_name": "Typed so far", "show_regions": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert '<option value="CA-QC">Quebec</option>' in page
    assert 'value="Typed so far"' in page
    assert "errorlist" not in page
    assert not Contributor.objects.filter(user=user).exists()


def test_expert_edits_their_profile(expert_client):
    browser, contributor = expert_client()
    page = browser.get("/expert/profile/").content.decode()
    assert 'value="Dr Ada"' in page
    assert '<option value="US-CA" selected>California</option>' in page
    response = browser.post("/expert/profile/", _profile_post(display_name="Ada L."))
    assert response.status_code == 302
    contributor.refresh_from_db()
    assert contributor.display_name == "Ada L."
    assert AuditEvent.objects.filter(action="contributors.profile.updated", target_id=str(contributor.pk)).exists()


# --- credentials ---------------------------------------------------------------------


def test_expert_uploads_a_credential_and_sees_it_listed(expert_client):
    browser, contributor = expert_client()
    form = browser.get("/expert/credentials/new/")
    assert form.status_code == 200
    assert b'enctype="multipart/form-data"' in form.content
    response = browser.post("/expert/credentials/new/", _credential_post())
    assert response.status_code == 302
    credential = Credential.objects.get(contributor=contributor)
    assert response["Location"] == f"/expert/credentials/{credential.pk}/"
    assert credential.documents.count() == 1

    listing = browser.get("/expert/credentials/").content.decode()
    assert "MD" in listing
    assert "Submitted" in listing


def test_credential_document_is_checked_by_content(expert_client):
    browser, contributor = expert_client()
    fake = SimpleUploadedFile("diploma.pdf", b"just some text, not a PDF", content_type="application/pdf")
    response = browser.post("/expert/credentials/new/", _credential_post(document=fake))
    assert response.status_code == 400
    page = response.content.decode()
    assert "not a PDF, PNG or JPEG" in page
    assert 'value="Charité Berlin"' in page
    assert not Credential.objects.filter(contributor=contributor).exists()


def test_service_date_rules_show_next_to_the_date_fields(expert_client):
    browser, contributor = expert_client()
    tomorrow = (timezone.now().date() + timedelta(days=2)).isoformat()
    response = browser.post("/expert/credentials/new/", _credential_post(issued_on=tomorrow))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_issued_on_error"' in page
    assert "The issue date cannot be in the future." in page
    assert not Credential.objects.filter(contributor=contributor).exists()


def test_expert_sees_rejection_reason(expert_client):
    browser, contributor = expert_client()
    credential = make_credential(contributor)
    reviewer, _ = make_ops()
    vetting_services.credential_review_start(actor=reviewer, credential=credential)
    vetting_services.credential_reject(actor=reviewer, credential=credential, reason="The scan is unreadable.")
    for path in ("/expert/credentials/", f"/expert/credentials/{credential.pk}/"):
        page = browser.get(path).content.decode()
        assert "Rejected" in page
        assert "The scan is unreadable." in page


def test_expert_gets_404_for_another_experts_credential(expert_client):
    browser, _ = expert_client()
    other = make_credential(make_expert())
    assert browser.get(f"/expert/credentials/{other.pk}/").status_code == 404
    assert browser.get(f"/expert/credentials/{other.pk}/document/").status_code == 404
    response = browser.post(f"/expert/credentials/{other.pk}/answer/", {"answer": "mine now"})
    assert response.status_code == 404


def test_expert_answers_a_question_with_a_new_document(expert_client):
    browser, contributor = expert_client()
    credential = make_credential(contributor)
    reviewer, _ = make_ops()
    vetting_services.credential_review_start(actor=reviewer, credential=credential)
    vetting_services.credential_request_info(actor=reviewer, credential=credential, question="Send the back page.")

    dashboard = browser.get("/expert/").content.decode()
    assert "Send the back page." in dashboard
    page = browser.get(f"/expert/credentials/{credential.pk}/").content.decode()
    assert "Send the back page." in page
    assert 'name="answer"' in page

    back_page = SimpleUploadedFile("back.png", PNG_BYTES, content_type="image/png")
    response = browser.post(
        f"/expert/credentials/{credential.pk}/answer/", {"answer": "Here it is.", "document": back_page}
    )
    assert response.status_code == 302
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.IN_REVIEW
    assert credential.documents.count() == 2
    assert credential.questions.get().answer == "Here it is."
    assert b"Here it is." in browser.get(f"/expert/credentials/{credential.pk}/").content


def test_empty_answer_is_refused_and_nothing_changes(expert_client):
    browser, contributor = expert_client()
    credential = make_credential(contributor)
    reviewer, _ = make_ops()
    vetting_services.credential_review_start(actor=reviewer, credential=credential)
    vetting_services.credential_request_info(actor=reviewer, credential=credential, question="Which year?")
    events = AuditEvent.objects.count()
    response = browser.post(f"/expert/credentials/{credential.pk}/answer/", {"answer": "   "})
    assert response.status_code == 400
    assert 'id="id_answer_error"' in response.content.decode()
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.NEEDS_INFO
    assert AuditEvent.objects.count() == events


def test_expert_document_link_serves_their_own_document(expert_client):
    browser, contributor = expert_client()
    credential = make_credential(contributor)
    response = browser.get(f"/expert/credentials/{credential.pk}/document/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES


# --- assessments ---------------------------------------------------------------------


def _assessment():
    reviewer, _ = make_ops()
    return vetting_services.assessment_create(
        actor=reviewer,
        title="Cardiology basics",
        domain=Domain.objects.get(slug="cardiology"),
        description="Three quick questions.",
        questions=[
            {"prompt": "Normal resting heart rate?", "choices": ["20-40", "60-100", "150-200"], "answer": 1},
            {"prompt": "Which chamber pumps to the aorta?", "choices": ["Left ventricle", "Right atrium"], "answer": 0},
            {"prompt": "ECG stands for?", "choices": ["Electrocardiogram", "Echo"], "answer": 0},
        ],
        pass_mark_percent=60,
        time_limit_minutes=20,
    )


def test_expert_takes_an_assessment(expert_client):
    browser, contributor = expert_client()
    assessment = _assessment()
    listing = browser.get("/expert/assessments/").content.decode()
    assert "Cardiology basics" in listing
    assert "You have not taken any assessments yet." in listing

    response = browser.post(f"/expert/assessments/{assessment.pk}/start/")
    attempt = AssessmentAttempt.objects.get(contributor=contributor)
    assert response["Location"] == f"/expert/attempts/{attempt.pk}/"
    page = browser.get(f"/expert/attempts/{attempt.pk}/").content.decode()
    assert "Normal resting heart rate?" in page
    assert 'type="radio"' in page
    assert '"answer"' not in page

    again = browser.post(f"/expert/assessments/{assessment.pk}/start/")
    assert again.status_code == 400
    assert "already have an attempt" in again.content.decode()

    # The attempt shows its questions in an order of its own; two right, one left blank.
    right = [question["answer"] for question in attempt.questions]
    response = browser.post(f"/expert/attempts/{attempt.pk}/", {"q0": str(right[0]), "q1": str(right[1])})
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.answers == [right[0], right[1], None]
    result = browser.get(f"/expert/attempts/{attempt.pk}/").content.decode()
    assert "66.67%" in result
    assert "Passed" in result
    assert "1 minute (paid)" in result
    assert 'type="radio"' not in result
    assert "Which answers were wrong is not shown" in result

    # Another attempt waits for the assessment's retake time, and the expert is told until when.
    listing = browser.get("/expert/assessments/").content.decode()
    assert "You can take this assessment again from" in listing
    assert f'action="/expert/assessments/{assessment.pk}/start/"' not in listing
    refused = browser.post(f"/expert/assessments/{assessment.pk}/start/")
    assert refused.status_code == 400
    assert "You can take this assessment again from" in refused.content.decode()
    assert AssessmentAttempt.objects.filter(contributor=contributor).count() == 1


def test_attempt_answers_out_of_range_are_refused(expert_client):
    browser, contributor = expert_client()
    assessment = _assessment()
    browser.post(f"/expert/assessments/{assessment.pk}/start/")
    attempt = AssessmentAttempt.objects.get(contributor=contributor)
    response = browser.post(f"/expert/attempts/{attempt.pk}/", {"q0": "7", "q1": "x"})
    assert response.status_code == 400
    attempt.refresh_from_db()
    assert attempt.status == "in_progress"


def test_expert_cannot_open_another_experts_attempt(expert_client):
    assessment = _assessment()
    owner = make_expert()
    attempt = vetting_services.assessment_attempt_start(actor=owner.user, contributor=owner, assessment=assessment)
    browser, _ = expert_client()
    assert browser.get(f"/expert/attempts/{attempt.pk}/").status_code == 404
    assert browser.post(f"/expert/attempts/{attempt.pk}/", {"q0": "1"}).status_code == 404


# --- deactivation cases --------------------------------------------------------------


def test_expert_without_cases_sees_a_clear_empty_state(expert_client):
    browser, _ = expert_client()
    assert b"There are no notices about your account" in browser.get("/expert/cases/").content


def test_expert_responds_to_a_notice_and_appeals_a_decision(expert_client):
    browser, contributor = expert_client()
    reviewer, _ = make_ops()
    case = vetting_services.deactivation_case_open(actor=reviewer, contributor=contributor, concern="Copied answers.")
    vetting_services.deactivation_case_give_notice(actor=reviewer, case=case, evidence="Two identical submissions.")

    assert b"A notice about your account" in browser.get("/expert/").content
    page = browser.get(f"/expert/cases/{case.pk}/").content.decode()
    assert "Two identical submissions." in page
    assert 'name="response"' in page

    empty = browser.post(f"/expert/cases/{case.pk}/respond/", {"response": ""})
    assert empty.status_code == 400
    assert 'id="id_response_error"' in empty.content.decode()

    response = browser.post(f"/expert/cases/{case.pk}/respond/", {"response": "I wrote both myself."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.RESPONDED

    vetting_services.deactivation_case_decide(actor=reviewer, case=case, deactivate=True, reason="Not convinced.")
    page = browser.get(f"/expert/cases/{case.pk}/").content.decode()
    assert "Not convinced." in page
    assert 'name="statement"' in page
    response = browser.post(f"/expert/cases/{case.pk}/appeal/", {"statement": "Here is my draft history."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.APPEALED


def test_expert_cannot_respond_outside_the_state_machine(expert_client):
    browser, contributor = expert_client()
    reviewer, _ = make_ops()
    case = vetting_services.deactivation_case_open(actor=reviewer, contributor=contributor, concern="Late work.")
    response = browser.post(f"/expert/cases/{case.pk}/respond/", {"response": "Too early"})
    assert response.status_code == 400
    assert "cannot respond to" in response.content.decode()
    assert DeactivationCase.objects.get(pk=case.pk).status == CaseStatus.WARNED


def test_expert_gets_404_for_another_experts_case(expert_client):
    reviewer, _ = make_ops()
    other = make_expert()
    case = vetting_services.deactivation_case_open(actor=reviewer, contributor=other, concern="Something.")
    browser, _ = expert_client()
    assert browser.get(f"/expert/cases/{case.pk}/").status_code == 404
    assert browser.post(f"/expert/cases/{case.pk}/respond/", {"response": "x"}).status_code == 404
    assert browser.post(f"/expert/cases/{case.pk}/appeal/", {"statement": "x"}).status_code == 404


def test_times_are_shown_in_the_experts_timezone(expert_client):
    contributor = make_expert(timezone="Asia/Tokyo")
    browser, _ = expert_client(contributor)
    credential = make_credential(contributor, issued_on=date(2015, 6, 1))
    page = browser.get(f"/expert/credentials/{credential.pk}/").content.decode()
    local = timezone.localtime(credential.submitted_at, timezone=timezone.get_fixed_timezone(9 * 60))
    assert local.strftime("%H:%M") in page
    assert "Asia/Tokyo" in page


# --- robustness ----------------------------------------------------------------------


def test_odd_input_is_answered_with_form_errors_never_a_server_error(expert_client):
    browser, contributor = expert_client()
    assert browser.get("/expert/credentials/99999999999999999999/").status_code == 404
    assert browser.get("/expert/credentials/answer/").status_code == 404
    assert browser.get(f"/expert/credentials/{make_credential(contributor).pk}/answer/").status_code == 405

    response = browser.post(
        "/expert/profile/",
        _profile_post(
            legal_name="x" * 500,
            subdivision="\x00",
            weekly_availability_hours="1e9",
            languages=["zz"],
            specialties=["no-such-domain"],
            country="XX",
        ),
    )
    assert response.status_code == 400
    response = browser.post(
        "/expert/credentials/new/",
        _credential_post(issued_on="31/02/2020", field="nope", kind="diploma", document="", title="t" * 300),
    )
    assert response.status_code == 400
    page = response.content.decode()
    for field in ("issued_on", "field", "kind", "document", "title"):
        assert f'id="id_{field}_error"' in page, field
    assert Credential.objects.filter(contributor=contributor).count() == 1


def test_forms_carry_a_working_csrf_token(expert_client):
    _, contributor = expert_client()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(contributor.user)
    page = browser.get("/expert/profile/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert browser.post("/expert/profile/", _profile_post()).status_code == 403
    response = browser.post("/expert/profile/", {**_profile_post(), "csrfmiddlewaretoken": token})
    assert response.status_code == 302
