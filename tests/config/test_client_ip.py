"""The client's address, read one way everywhere: behind TRUSTED_PROXY_COUNT proxies, from the
right end of X-Forwarded-For, never from what the client itself wrote there."""

import pytest
from django.test import RequestFactory

from config.client_ip import client_ip


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_a_trusted_proxy_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("198.51.100.7", "203.0.113.1")) == "198.51.100.7"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "198.51.100.7", "198.51.100.7"),
        # Whatever the client wrote itself stays on the left, where it is never read.
        (1, "1.2.3.4, 5.6.7.8, 198.51.100.7", "198.51.100.7"),
        (2, "1.2.3.4, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_behind_trusted_proxies_the_address_they_saw_is_used(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(_request("10.0.0.1", forwarded)) == expected


@pytest.mark.parametrize("forwarded", ["", "not-an-address", "1.2.3.4, <script>"])
def test_a_missing_or_malformed_header_falls_back_to_the_connection(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request("10.0.0.1", forwarded)) == "10.0.0.1"
