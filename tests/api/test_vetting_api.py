"""The credential review state machine, tiers with four eyes, assessments and cases, over HTTP."""

import json
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from contributors.models import ContributorStatus
from vetting.models import Assessment, AssessmentAttempt, Credential, CredentialStatus, TierDecision
from vetting.services import credentials_expiry_sweep

from tests.helpers.factories import PDF_BYTES, PNG_BYTES, make_credential, make_expert, pdf_upload

pytestmark = pytest.mark.django_db

S = CredentialStatus


def _expert_client(client_for, contributor):
    return client_for(contributor.user)


def _bring_to(status, reviewer_client, expert_client, credential):
    """Move a credential to `status` through the real endpoints."""
    url = f"/api/ops/credentials/{credential.pk}"
    if status == S.SUBMITTED:
        return
    assert reviewer_client.post(f"{url}/start-review/").status_code == 200
    if status == S.IN_REVIEW:
        return
    if status == S.NEEDS_INFO:
        assert reviewer_client.post(f"{url}/request-info/", {"question": "Which state board?"}).status_code == 200
        return
    if status == S.VERIFIED:
        assert reviewer_client.post(f"{url}/verify/", {}).status_code == 200
        return
    if status == S.REJECTED:
        assert reviewer_client.post(f"{url}/reject/", {"reason": "Illegible scan"}).status_code == 200
        return
    if status == S.EXPIRED:
        assert reviewer_client.post(f"{url}/verify/", {}).status_code == 200
        credentials_expiry_sweep(today=credential.expires_on + timedelta(days=1))
        return
    raise AssertionError(status)


ACTIONS = {
    "start_review": ("ops", "start-review/", {}),
    "request_info": ("ops", "request-info/", {"question": "Please send the back page."}),
    "verify": ("ops", "verify/", {"note": "Checked against the board registry."}),
    "reject": ("ops", "reject/", {"reason": "The licence number does not match the registry."}),
    "answer": ("expert", "answer/", {"answer": "Here it is."}),
}
LEGAL = {
    S.SUBMITTED: {"start_review": S.IN_REVIEW},
    S.IN_REVIEW: {"request_info": S.NEEDS_INFO, "verify": S.VERIFIED, "reject": S.REJECTED},
    S.NEEDS_INFO: {"answer": S.IN_REVIEW},
    S.VERIFIED: {},
    S.REJECTED: {},
    S.EXPIRED: {},
}


@pytest.mark.parametrize("start", list(LEGAL))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_transition_is_allowed_or_refused_as_the_state_machine_says(
    start, action, client_for, reviewer_client
):
    contributor = make_expert()
    expert = _expert_client(client_for, contributor)
    credential = make_credential(contributor)
    _bring_to(start, reviewer_client, expert, credential)
    events_before = AuditEvent.objects.count()

    who, suffix, payload = ACTIONS[action]
    client = reviewer_client if who == "ops" else expert
    prefix = "/api/ops/credentials" if who == "ops" else "/api/credentials"
    response = client.post(f"{prefix}/{credential.pk}/{suffix}", payload)

    credential.refresh_from_db()
    if action in LEGAL[start]:
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == LEGAL[start][action]
        assert credential.status == LEGAL[start][action]
        assert AuditEvent.objects.count() == events_before + 1
    else:
        assert response.status_code == 400, response.json()
        assert response.json()["code"] == "illegal_transition"
        assert "cannot be moved to" in response.json()["message"]
        assert credential.status == start
        assert AuditEvent.objects.count() == events_before


@pytest.mark.moments
def test_expiry_sweep_flags_then_expires_and_is_idempotent(client_for, reviewer_client, mailoutbox):
    contributor = make_expert()
    soon = timezone.now().date() + timedelta(days=20)
    credential = make_credential(contributor, expires_on=soon)
    _bring_to(S.VERIFIED, reviewer_client, None, credential)

    assert credentials_expiry_sweep() == {"warned": 1, "expired": 0}
    assert credentials_expiry_sweep() == {"warned": 0, "expired": 0}
    credential.refresh_from_db()
    assert credential.expiry_warned_at is not None and credential.status == S.VERIFIED

    assert credentials_expiry_sweep(today=soon) == {"warned": 0, "expired": 1}
    assert credentials_expiry_sweep(today=soon) == {"warned": 0, "expired": 0}
    credential.refresh_from_db()
    assert credential.status == S.EXPIRED
    actions = list(AuditEvent.objects.filter(target_id=str(credential.pk)).values_list("action", flat=True))
    assert actions.count("vetting.credential.expiry_flagged") == 1
    assert actions.count("vetting.credential.expired") == 1


def test_reject_without_reason_is_a_field_error_and_changes_nothing(client_for, reviewer_client):
    credential = make_credential(make_expert())
    reviewer_client.post(f"/api/ops/credentials/{credential.pk}/start-review/")
    response = reviewer_client.post(f"/api/ops/credentials/{credential.pk}/reject/", {"reason": "  "})
    assert response.status_code == 400
    assert "reason" in response.json()["fields"]
    credential.refresh_from_db()
    assert credential.status == S.IN_REVIEW


def test_verifying_an_already_expired_credential_is_refused(client_for, reviewer_client):
    credential = make_credential(make_expert(), expires_on=timezone.now().date() + timedelta(days=5))
    reviewer_client.post(f"/api/ops/credentials/{credential.pk}/start-review/")
    Credential.objects.filter(pk=credential.pk).update(expires_on=timezone.now().date())
    response = reviewer_client.post(f"/api/ops/credentials/{credential.pk}/verify/", {})
    assert response.status_code == 400 and response.json()["code"] == "credential_expired"


def test_answer_with_a_new_document_keeps_the_old_one(client_for, reviewer_client):
    contributor = make_expert()
    expert = client_for(contributor.user)
    credential = make_credential(contributor)
    _bring_to(S.NEEDS_INFO, reviewer_client, expert, credential)
    response = expert.post(
        f"/api/credentials/{credential.pk}/answer/",
        {"answer": "Clearer scan attached.", "document": pdf_upload("scan.png", PNG_BYTES)},
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [d["content_type"] for d in body["documents"]] == ["application/pdf", "image/png"]
    assert body["questions"][0]["answer"] == "Clearer scan attached."
    document = reviewer_client.get(f"/api/credentials/{credential.pk}/document/")
    assert document["Content-Type"] == "image/png"
    assert b"".join(document.streaming_content) == PNG_BYTES


# --- submitting credentials: bad input -----------------------------------------------


def _credential_form(**overrides):
    form = {
        "kind": "license",
        "field": "cardiology",
        "title": "Medical license",
        "issuer": "Medical Board of California",
        "identifier": "A1",
        "country": "us",
        "issued_on": "2015-06-01",
        "expires_on": "2031-06-01",
        "document": pdf_upload(),
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def test_expert_uploads_a_license_and_reads_it_back(client_for):
    contributor = make_expert()
    expert = client_for(contributor.user)
    response = expert.post("/api/me/credentials/", _credential_form(), format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "submitted" and body["country"] == "US" and body["field"]["slug"] == "cardiology"
    assert body["documents"][0]["sha256"]
    document = expert.get(f"/api/credentials/{body['id']}/document/")
    assert document.status_code == 200 and b"".join(document.streaming_content) == PDF_BYTES
    assert document["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": None}, "title"),
        ({"document": None}, "document"),
        ({"kind": "diploma-mill"}, "kind"),
        ({"field": "astrology"}, "field"),
        ({"country": "XX"}, "country"),
        ({"issued_on": "2031-01-01", "expires_on": None}, "issued_on"),
        ({"issued_on": "2020-01-01", "expires_on": "2019-01-01"}, "expires_on"),
        ({"issued_on": "not a date"}, "issued_on"),
        ({"document": pdf_upload("license.pdf", b"MZ\x90\x00 this is a windows executable")}, "document"),
        ({"document": pdf_upload("notes.pdf", b"just some text pretending to be a pdf")}, "document"),
        ({"document": pdf_upload("empty.pdf", b"")}, "document"),
    ],
)
def test_bad_credential_input_gets_a_field_error_and_writes_nothing(client_for, overrides, field):
    contributor = make_expert()
    expert = client_for(contributor.user)
    events = AuditEvent.objects.count()
    response = expert.post("/api/me/credentials/", _credential_form(**overrides), format="multipart")
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"], response.json()
    assert not Credential.objects.exists()
    assert AuditEvent.objects.count() == events


def test_oversize_upload_is_refused_with_the_limit(client_for, settings):
    settings.CREDENTIAL_DOCUMENT_MAX_BYTES = 1024
    contributor = make_expert()
    expert = client_for(contributor.user)
    big = PDF_BYTES + b"0" * 2048
    response = expert.post("/api/me/credentials/", _credential_form(document=pdf_upload("big.pdf", big)), format="multipart")
    assert response.status_code == 400
    assert "limit is 1,024 bytes" in response.json()["fields"]["document"][0]
    assert not Credential.objects.exists()


def test_credential_before_profile_is_refused_with_a_clear_message(client_for):
    from tests.helpers.factories import UserFactory

    user = UserFactory()
    response = client_for(user).post("/api/me/credentials/", _credential_form(), format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "profile_missing"


# --- tiers -------------------------------------------------------------------------


def test_tier_below_expert_applies_at_once_and_activates_the_applicant(reviewer_client):
    contributor = make_expert()
    assert contributor.status == ContributorStatus.APPLICANT
    response = reviewer_client.post(
        "/api/ops/tier-decisions/", {"contributor": contributor.pk, "tier": "domain", "reason": "Board certified."}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "applied"
    contributor.refresh_from_db()
    assert (contributor.tier, contributor.status) == ("domain", ContributorStatus.ACTIVE)


def test_expert_tier_needs_a_second_approver(reviewer_client, client_for, second_reviewer):
    contributor = make_expert()
    proposed = reviewer_client.post(
        "/api/ops/tier-decisions/", {"contributor": contributor.pk, "tier": "expert", "reason": "15 years cardiology."}
    )
    assert proposed.status_code == 201 and proposed.json()["status"] == "pending_approval"
    decision_id = proposed.json()["id"]
    contributor.refresh_from_db()
    assert contributor.tier == ""

    same_person = reviewer_client.post(f"/api/ops/tier-decisions/{decision_id}/approve/")
    assert same_person.status_code == 403 and same_person.json()["code"] == "four_eyes"

    duplicate = reviewer_client.post(
        "/api/ops/tier-decisions/", {"contributor": contributor.pk, "tier": "expert", "reason": "again"}
    )
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "tier_decision_pending"

    other = client_for(*second_reviewer)
    approved = other.post(f"/api/ops/tier-decisions/{decision_id}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "applied"
    assert approved.json()["second_approver"] == second_reviewer[0].email
    contributor.refresh_from_db()
    assert contributor.tier == "expert"
    assert other.post(f"/api/ops/tier-decisions/{decision_id}/approve/").json()["code"] == "illegal_transition"


def test_second_approver_can_decline_with_a_reason(reviewer_client, client_for, second_reviewer):
    contributor = make_expert()
    decision = reviewer_client.post(
        "/api/ops/tier-decisions/", {"contributor": contributor.pk, "tier": "expert", "reason": "Strong record."}
    ).json()
    other = client_for(*second_reviewer)
    assert other.post(f"/api/ops/tier-decisions/{decision['id']}/decline/", {}).status_code == 400
    declined = other.post(f"/api/ops/tier-decisions/{decision['id']}/decline/", {"reason": "No verified license yet."})
    assert declined.json()["status"] == "declined"
    contributor.refresh_from_db()
    assert contributor.tier == ""


def test_tier_decision_without_reason_is_refused(reviewer_client):
    contributor = make_expert()
    response = reviewer_client.post("/api/ops/tier-decisions/", {"contributor": contributor.pk, "tier": "crowd"})
    assert response.status_code == 400 and "reason" in response.json()["fields"]
    assert not TierDecision.objects.exists()


# --- assessments -------------------------------------------------------------------

QUESTIONS = [
    {"prompt": "First-line treatment for stable angina?", "choices": ["Beta blocker", "Surgery"], "answer": 0},
    {"prompt": "Normal resting heart rate?", "choices": ["20-40", "60-100", "150-200"], "answer": 1},
]


def test_assessment_attempt_records_minutes_and_score_without_leaking_answers(reviewer_client, client_for):
    created = reviewer_client.post(
        "/api/ops/assessments/",
        {"title": "Cardiology basics", "domain": "cardiology", "questions": QUESTIONS, "time_limit_minutes": 30},
    )
    assert created.status_code == 201, created.json()
    contributor = make_expert()
    expert = client_for(contributor.user)
    listed = expert.get("/api/assessments/").json()
    assert "questions" not in listed[0]  # the bank is not shown; an attempt shows what it drew

    attempt = expert.post(f"/api/assessments/{created.json()['id']}/attempts/")
    assert attempt.status_code == 201
    drawn = attempt.json()["questions"]
    assert all(set(question) == {"prompt", "choices"} for question in drawn)
    # Answers follow the order this attempt shows its questions in.
    key = {q["prompt"]: q["answer"] for q in QUESTIONS}
    first = key[drawn[0]["prompt"]]
    again = expert.post(f"/api/assessments/{created.json()['id']}/attempts/")
    assert again.status_code == 409

    wrong_count = expert.post(f"/api/me/attempts/{attempt.json()['id']}/submit/", {"answers": [0]})
    assert wrong_count.status_code == 400 and "answers" in wrong_count.json()["fields"]

    result = expert.post(f"/api/me/attempts/{attempt.json()['id']}/submit/", {"answers": [first, 2]})
    assert result.status_code == 200, result.json()
    body = result.json()
    assert body["score_percent"] == "50.00" and body["passed"] is False
    assert body["minutes_worked"] == 1  # rounded up: every started minute of a paid test is paid
    assert expert.post(f"/api/me/attempts/{attempt.json()['id']}/submit/", {"answers": [0, 1]}).status_code == 400


BANK = [
    {"prompt": f"Question {number}?", "choices": ["a", "b", "c", "d"], "answer": number % 4} for number in range(12)
]


def _bank_assessment(reviewer_client, **extra):
    created = reviewer_client.post(
        "/api/ops/assessments/",
        {
            "title": "Triage",
            "domain": "cardiology",
            "questions": BANK,
            "time_limit_minutes": 30,
            "pass_mark_percent": 100,
            **extra,
        },
    )
    assert created.status_code == 201, created.json()
    return created.json()


def test_each_attempt_draws_its_own_questions_from_the_bank(reviewer_client, client_for):
    assessment = _bank_assessment(reviewer_client, questions_per_attempt=4)
    assert (assessment["questions_per_attempt"], assessment["bank_size"]) == (4, 12)
    draws = set()
    for _ in range(6):
        attempt = client_for(make_expert().user).post(f"/api/assessments/{assessment['id']}/attempts/").json()
        prompts = [question["prompt"] for question in attempt["questions"]]
        assert len(prompts) == len(set(prompts)) == 4
        assert set(prompts) <= {question["prompt"] for question in BANK}
        draws.add(tuple(prompts))
    assert len(draws) > 1


def test_retakes_wait_and_the_expert_is_told_until_when(reviewer_client, client_for):
    """Trying answers one by one against the score (13 quick retakes recovered a key) is refused."""
    assessment = _bank_assessment(reviewer_client, questions_per_attempt=4, retake_after_hours=48)
    expert = client_for(make_expert().user)
    attempt = expert.post(f"/api/assessments/{assessment['id']}/attempts/").json()
    result = expert.post(f"/api/me/attempts/{attempt['id']}/submit/", {"answers": [0, 0, 0, 0]}).json()
    assert set(result) >= {"score_percent", "passed", "retake_from"}
    assert "answers" not in result and "correct" not in json.dumps(result)
    submitted_at = datetime.fromisoformat(result["submitted_at"])
    assert datetime.fromisoformat(result["retake_from"]) == submitted_at + timedelta(hours=48)

    again = expert.post(f"/api/assessments/{assessment['id']}/attempts/")
    assert again.status_code == 400
    assert again.json()["code"] == "retake_too_soon"
    assert "You can take this assessment again from" in again.json()["message"]
    assert AssessmentAttempt.objects.filter(assessment_id=assessment["id"]).count() == 1

    with time_machine.travel(submitted_at + timedelta(hours=48, minutes=1), tick=False):
        assert expert.post(f"/api/assessments/{assessment['id']}/attempts/").status_code == 201


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"questions_per_attempt": 13}, "questions_per_attempt"),
        ({"questions_per_attempt": 0}, "questions_per_attempt"),
        ({"retake_after_hours": 1}, "retake_after_hours"),
        ({"retake_after_hours": 100_000}, "retake_after_hours"),
    ],
)
def test_a_draw_larger_than_the_bank_or_a_wait_out_of_bounds_is_refused(reviewer_client, extra, field):
    response = reviewer_client.post(
        "/api/ops/assessments/",
        {"title": "Triage", "domain": "cardiology", "questions": BANK, "time_limit_minutes": 30, **extra},
    )
    assert response.status_code == 400 and field in response.json()["fields"]
    assert not Assessment.objects.exists()


def test_assessment_with_a_bad_answer_key_is_refused(reviewer_client):
    bad = [{"prompt": "Q?", "choices": ["only one"], "answer": 3}]
    response = reviewer_client.post(
        "/api/ops/assessments/", {"title": "Broken", "domain": "law", "questions": bad, "time_limit_minutes": 10}
    )
    assert response.status_code == 400 and "questions" in response.json()["fields"]


# --- deactivation cases ------------------------------------------------------------


def test_deactivation_goes_through_warning_notice_response_decision_and_appeal(
    reviewer_client, client_for, second_reviewer, settings
):
    contributor = make_expert()
    expert = client_for(contributor.user)
    opened = reviewer_client.post("/api/ops/cases/", {"contributor": contributor.pk, "concern": "Copied answers."})
    assert opened.status_code == 201, opened.json()
    case_id = opened.json()["id"]

    decide_early = reviewer_client.post(f"/api/ops/cases/{case_id}/decide/", {"deactivate": True, "reason": "x"})
    assert decide_early.status_code == 400 and decide_early.json()["code"] == "illegal_transition"

    notice = reviewer_client.post(f"/api/ops/cases/{case_id}/notice/", {"evidence": "Answers identical to batch 12."})
    assert notice.status_code == 200 and notice.json()["status"] == "notice"

    window_open = reviewer_client.post(f"/api/ops/cases/{case_id}/decide/", {"deactivate": True, "reason": "x"})
    assert window_open.status_code == 400 and window_open.json()["code"] == "window_open"

    responded = expert.post(f"/api/me/cases/{case_id}/respond/", {"response": "We worked separately; see drafts."})
    assert responded.json()["status"] == "responded"

    decided = reviewer_client.post(
        f"/api/ops/cases/{case_id}/decide/", {"deactivate": True, "reason": "Drafts post-date the submissions."}
    )
    assert decided.status_code == 200 and decided.json()["status"] == "deactivated"
    contributor.refresh_from_db()
    assert contributor.status == ContributorStatus.DEACTIVATED

    appealed = expert.post(f"/api/me/cases/{case_id}/appeal/", {"statement": "Timestamps are in my local time."})
    assert appealed.json()["status"] == "appealed"

    same_decider = reviewer_client.post(f"/api/ops/cases/{case_id}/decide-appeal/", {"reinstate": True, "reason": "r"})
    assert same_decider.status_code == 403 and same_decider.json()["code"] == "four_eyes"

    other = client_for(*second_reviewer)
    final = other.post(f"/api/ops/cases/{case_id}/decide-appeal/", {"reinstate": True, "reason": "Timezone error."})
    assert final.json()["status"] == "overturned"
    contributor.refresh_from_db()
    assert contributor.status == ContributorStatus.ACTIVE
    decision_event = AuditEvent.objects.get(action="vetting.case.deactivated")
    assert decision_event.after["earned_pay"] == "unaffected"


@pytest.mark.moments
def test_expert_cannot_respond_after_the_window(reviewer_client, client_for):
    contributor = make_expert()
    expert = client_for(contributor.user)
    case_id = reviewer_client.post("/api/ops/cases/", {"contributor": contributor.pk, "concern": "c"}).json()["id"]
    reviewer_client.post(f"/api/ops/cases/{case_id}/notice/", {"evidence": "e", "response_days": 3})
    from vetting.models import DeactivationCase

    DeactivationCase.objects.filter(pk=case_id).update(response_due_at=timezone.now() - timedelta(minutes=1))
    late = expert.post(f"/api/me/cases/{case_id}/respond/", {"response": "sorry"})
    assert late.status_code == 400 and late.json()["code"] == "window_closed"
    decided = reviewer_client.post(f"/api/ops/cases/{case_id}/decide/", {"deactivate": False, "reason": "Minor."})
    assert decided.json()["status"] == "dismissed"


@pytest.mark.moments
def test_a_credential_issued_today_is_accepted_and_tomorrow_refused(client_for):
    # A credential issued today is valid; tomorrow is not.
    contributor = make_expert()
    expert = client_for(contributor.user)
    today = date.today().isoformat()
    ok = expert.post("/api/me/credentials/", _credential_form(issued_on=today), format="multipart")
    assert ok.status_code == 201, ok.json()
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    refused = expert.post(
        "/api/me/credentials/", _credential_form(issued_on=tomorrow, expires_on=None), format="multipart"
    )
    assert refused.status_code == 400
    assert "issued_on" in refused.json()["fields"]
