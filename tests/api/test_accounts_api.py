"""Signing up, verifying an email, tokens, lockout and the second factor for operations."""

import re

import pytest
from django.core import mail
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.models import Role, User
from audit.models import AuditEvent

from tests.helpers.factories import PASSWORD, UserFactory, make_ops, totp_code

pytestmark = pytest.mark.django_db


def _signup(client, **overrides):
    payload = {"email": "New.Expert@Example.test", "password": "a long enough passphrase", "full_name": "N E", "role": "expert"}
    payload.update(overrides)
    return client.post("/api/auth/signup/", payload, format="json")


def test_signup_sends_a_verification_email_and_token_waits_for_it(django_capture_on_commit_callbacks):
    client = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(client)
    assert response.status_code == 202, response.json()
    assert response.json()["email"] == "new.expert@example.test"
    assert "check your email" in response.json()["message"].lower()

    early = client.post("/api/auth/token/", {"email": "new.expert@example.test", "password": "a long enough passphrase"}, format="json")
    assert early.status_code == 400 and early.json()["code"] == "email_unverified"

    key = re.search(r"/accounts/confirm-email/([^/\s]+)/", mail.outbox[0].body).group(1)
    verified = client.post("/api/auth/verify-email/", {"key": key}, format="json")
    assert verified.status_code == 200 and verified.json()["email_verified"] is True

    token = client.post("/api/auth/token/", {"email": "NEW.EXPERT@example.test", "password": "a long enough passphrase"}, format="json")
    assert token.status_code == 200 and token.json()["role"] == "expert"
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "accounts.user.signed_up",
        "accounts.email.verified",
        "accounts.token.issued",
    ]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
        ({"password": "12345678901234"}, "password"),
        ({"role": "ops_reviewer"}, "role"),
        ({"full_name": ""}, "full_name"),
    ],
)
def test_bad_signup_gets_field_errors_and_creates_nobody(overrides, field):
    response = _signup(APIClient(), **overrides)
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not User.objects.exists()


def test_signup_with_a_taken_email_answers_as_any_signup_and_mails_the_owner(django_capture_on_commit_callbacks):
    owner = UserFactory(email="taken@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        taken = _signup(APIClient(), email="Taken@Example.test")
        fresh = _signup(APIClient(), email="Fresh@Example.test")
    assert (taken.status_code, fresh.status_code) == (202, 202)
    assert taken.json() == {**fresh.json(), "email": "taken@example.test"}
    assert User.objects.filter(email__iexact="taken@example.test").count() == 1
    to_owner = [message for message in mail.outbox if message.to == [owner.email]]
    assert len(to_owner) == 1 and "/accounts/password/reset/" in to_owner[0].body
    assert "Confirm" not in to_owner[0].subject


def test_bad_verification_key_is_a_field_error():
    response = APIClient().post("/api/auth/verify-email/", {"key": "nonsense"}, format="json")
    assert response.status_code == 400 and "key" in response.json()["fields"]


def test_wrong_password_is_refused_without_saying_which_part_was_wrong():
    user = UserFactory()
    response = APIClient().post("/api/auth/token/", {"email": user.email, "password": "nope"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_credentials"


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_account_out_even_with_the_right_password():
    user = UserFactory()
    client = APIClient()
    for _ in range(3):
        client.post("/api/auth/token/", {"email": user.email, "password": "wrong"}, format="json")
    locked = client.post("/api/auth/token/", {"email": user.email, "password": PASSWORD}, format="json")
    assert locked.status_code == 429 and locked.json()["code"] == "locked_out"


def test_login_endpoint_is_rate_limited(monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "3/min"})
    client = APIClient()
    codes = [
        client.post("/api/auth/token/", {"email": f"x{i}@example.test", "password": "y"}, format="json").status_code
        for i in range(4)
    ]
    assert codes == [400, 400, 400, 429]


def test_ops_token_needs_a_valid_totp_code():
    user, secret = make_ops(Role.OPS_REVIEWER)
    client = APIClient()
    missing = client.post("/api/auth/token/", {"email": user.email, "password": PASSWORD}, format="json")
    assert missing.status_code == 400 and missing.json()["code"] == "invalid_credentials"
    wrong = client.post("/api/auth/token/", {"email": user.email, "password": PASSWORD, "otp_code": "000000"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_credentials"
    good = client.post("/api/auth/token/", {"email": user.email, "password": PASSWORD, "otp_code": totp_code(secret)}, format="json")
    assert good.status_code == 200


def test_the_ops_token_endpoint_never_tells_a_right_password_from_a_wrong_one():
    user, _secret = make_ops(Role.OPS_FINANCE)
    client = APIClient()
    answers = [
        client.post("/api/auth/token/", payload, format="json")
        for payload in (
            {"email": user.email, "password": PASSWORD},
            {"email": user.email, "password": "not the password"},
            {"email": user.email, "password": PASSWORD, "otp_code": "123456"},
            {"email": "nobody@example.test", "password": PASSWORD, "otp_code": "123456"},
        )
    ]
    assert len({(answer.status_code, answer.content) for answer in answers}) == 1


def test_ops_without_totp_are_told_to_set_it_up():
    user = UserFactory(role=Role.OPS_FINANCE)
    response = APIClient().post("/api/auth/token/", {"email": user.email, "password": PASSWORD}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "mfa_setup_required"


def test_revoked_token_stops_working(client_for):
    client = client_for(UserFactory())
    assert client.get("/api/me/").status_code == 200
    assert client.delete("/api/auth/token/").status_code == 204
    assert client.get("/api/me/").status_code == 401


def test_errors_have_one_shape():
    response = APIClient().get("/api/me/")
    assert response.status_code in (401, 403)
    assert set(response.json()) == {"code", "message"}
