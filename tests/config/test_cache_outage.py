"""With Redis gone the site keeps serving: sign-ins on the pages and the API, rate limits and
lockouts counted in each process's memory meanwhile, a warning in the log, and /healthz
saying what is degraded."""

import logging
import socket

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from rest_framework.test import APIClient

from tests.helpers.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def redis_down(settings):
    url = _dead_url()
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": url, "KEY_PREFIX": "outage-test"},
    }
    settings.CELERY_BROKER_URL = url
    return url


def test_api_sign_in_and_calls_keep_working_and_the_outage_is_logged(redis_down, caplog):
    user = UserFactory()
    client = APIClient()
    with caplog.at_level(logging.WARNING):
        token = client.post("/api/auth/token/", {"email": user.email, "password": PASSWORD}, format="json")
    assert token.status_code == 200, token.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['token']}")
    assert client.get("/api/me/").json()["email"] == user.email
    assert any(
        "cache" in record.getMessage().lower() and record.levelno >= logging.WARNING for record in caplog.records
    )


def test_page_sign_in_keeps_working(redis_down):
    user = UserFactory()
    response = Client().post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_the_lockout_still_holds_while_redis_is_down(redis_down):
    user = UserFactory()
    client = APIClient()
    for _ in range(3):
        client.post("/api/auth/token/", {"email": user.email, "password": "wrong"}, format="json")
    locked = client.post("/api/auth/token/", {"email": user.email, "password": PASSWORD}, format="json")
    assert locked.status_code == 429


def test_health_says_what_is_degraded(redis_down):
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert set(body["degraded"]) == {"cache", "broker"}
    assert "127.0.0.1" not in response.content.decode()


def test_health_is_ok_when_everything_answers():
    cache.set("health-probe", 1)
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_sign_up_with_the_mail_queue_unreachable_answers_and_still_mails(
    monkeypatch, mailoutbox, caplog, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from accounts.tasks import send_email_task

    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(send_email_task, "delay", unreachable)
    payload = {
        "email": "new.person@example.test",
        "password": "a long enough passphrase",
        "full_name": "N P",
        "role": "expert",
    }
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post("/api/auth/signup/", payload, format="json")
    assert response.status_code < 500, response.content
    assert [message.to for message in mailoutbox] == [["new.person@example.test"]]
    assert any("mail queue unreachable" in record.getMessage() for record in caplog.records)
