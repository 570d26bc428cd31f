"""API tokens: they expire when unused and after a longest life, die with a password or
second-factor change, can be listed and revoked by their owner, and an operations token
needs a fresh second factor after a few hours."""

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from audit.models import AuditEvent

from tests.helpers import clock
from tests.helpers.factories import PASSWORD, UserFactory, make_ops, totp_code

pytestmark = pytest.mark.django_db


def _token(user, secret: str | None = None) -> str:
    payload = {"email": user.email, "password": PASSWORD}
    if secret:
        payload["otp_code"] = totp_code(secret)
    response = APIClient().post("/api/auth/token/", payload, format="json")
    assert response.status_code == 200, response.json()
    return response.json()["token"]


def _client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _later(**delta):
    clock.travel_to(timezone.now() + timedelta(**delta))


@pytest.fixture
def back_in_time():
    travels = []

    def go(**delta):
        _later(**delta)
        travels.append(1)

    yield go
    for _ in travels:
        clock.travel_back()


def test_a_token_unused_for_longer_than_the_idle_limit_stops_working(settings, back_in_time):
    settings.API_TOKEN_IDLE_TIMEOUT = timedelta(days=14)
    client = _client(_token(UserFactory()))
    back_in_time(days=10)
    assert client.get("/api/me/").status_code == 200
    # Using it moved the limit on: ten more days are still within fourteen of that use.
    back_in_time(days=10)
    assert client.get("/api/me/").status_code == 200
    back_in_time(days=15)
    response = client.get("/api/me/")
    assert response.status_code == 401 and response.json()["code"] == "authentication_failed"


def test_a_token_in_daily_use_still_ends_at_its_longest_life(settings, back_in_time):
    settings.API_TOKEN_IDLE_TIMEOUT = timedelta(days=14)
    settings.API_TOKEN_MAX_AGE = timedelta(days=30)
    client = _client(_token(UserFactory()))
    for _ in range(3):
        back_in_time(days=9)
        assert client.get("/api/me/").status_code == 200
    back_in_time(days=4)
    assert client.get("/api/me/").status_code == 401


def test_changing_the_password_revokes_every_token():
    user = UserFactory()
    first, second = _client(_token(user)), _client(_token(user))
    user.set_password("a brand new passphrase")
    user.save()
    assert first.get("/api/me/").status_code == 401
    assert second.get("/api/me/").status_code == 401


def test_a_second_factor_change_revokes_every_token(client):
    user, secret = make_ops(Role.OPS_FINANCE)
    ops = _client(_token(user, secret))
    assert ops.get("/api/ops/audit/").status_code == 200
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    assert ops.get("/api/me/").status_code == 401


def test_an_operations_token_needs_a_fresh_second_factor_after_a_few_hours(settings, back_in_time):
    settings.OPS_TOKEN_MAX_AGE = timedelta(hours=12)
    user, secret = make_ops(Role.OPS_REVIEWER)
    expert = _client(_token(UserFactory()))
    ops = _client(_token(user, secret))
    back_in_time(hours=11)
    assert ops.get("/api/ops/audit/").status_code == 200
    back_in_time(hours=2)
    assert ops.get("/api/ops/audit/").status_code == 401
    assert expert.get("/api/me/").status_code == 200


def test_owners_list_their_tokens_and_revoke_one_without_the_others():
    user = UserFactory()
    first, second = _token(user), _token(user)
    client = _client(first)
    listed = client.get("/api/auth/tokens/").json()
    assert [token["current"] for token in listed] == [False, True] or [t["current"] for t in listed] == [True, False]
    assert len(listed) == 2
    assert all(first not in str(token) and second not in str(token) for token in listed)
    assert {"id", "prefix", "created_at", "last_used_at", "expires_at", "current"} <= set(listed[0])
    other = next(token for token in listed if not token["current"])
    assert client.delete(f"/api/auth/tokens/{other['id']}/").status_code == 204
    assert _client(second).get("/api/me/").status_code == 401
    assert client.get("/api/me/").status_code == 200
    assert AuditEvent.objects.filter(action="accounts.token.revoked").count() == 1


def test_nobody_revokes_someone_elses_token():
    owner, stranger = UserFactory(), UserFactory()
    _token(owner)
    owner_token_id = _client(_token(owner)).get("/api/auth/tokens/").json()[0]["id"]
    response = _client(_token(stranger)).delete(f"/api/auth/tokens/{owner_token_id}/")
    assert response.status_code == 404
    assert len(_client(_token(owner)).get("/api/auth/tokens/").json()) == 3


def test_signing_out_revokes_only_the_token_sent():
    user = UserFactory()
    first, second = _client(_token(user)), _client(_token(user))
    assert first.delete("/api/auth/token/").status_code == 204
    assert first.get("/api/me/").status_code == 401
    assert second.get("/api/me/").status_code == 200


def test_the_token_answer_says_when_it_expires():
    response = APIClient().post("/api/auth/token/", {"email": UserFactory().email, "password": PASSWORD}, format="json")
    assert set(response.json()) == {"token", "role", "expires_at"}
