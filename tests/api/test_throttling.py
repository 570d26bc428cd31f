"""API rate limits count per client address as the trusted proxies saw it: a made-up
X-Forwarded-For never buys a fresh allowance."""

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

pytestmark = pytest.mark.django_db


def _attempts(headers_per_request: list[dict]) -> list[int]:
    client = APIClient()
    return [
        client.post("/api/auth/token/", {"email": f"x{i}@example.test", "password": "y"}, format="json", **headers).status_code
        for i, headers in enumerate(headers_per_request)
    ]


@pytest.fixture
def three_a_minute(monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "3/min"})


def test_made_up_forwarded_headers_never_lift_the_limit(settings, three_a_minute):
    settings.TRUSTED_PROXY_COUNT = 0
    forged = [{"HTTP_X_FORWARDED_FOR": f"192.0.2.{n}"} for n in range(5)]
    assert _attempts(forged) == [400, 400, 400, 429, 429]


def test_behind_a_proxy_made_up_entries_are_ignored_and_real_clients_counted_apart(settings, three_a_minute):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = [{"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": f"192.0.2.{n}, 203.0.113.9"} for n in range(4)]
    assert _attempts(attacker) == [400, 400, 400, 429]
    someone_else = [{"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}]
    assert _attempts(someone_else) == [400]
