"""One lockout policy for the API's token endpoint and the sign-in page.

Failures count per account and address, and per address: an attacker is slowed down at
their own address, and never locks the account's owner out elsewhere. Behind a trusted
proxy the address is the one the proxy saw, so made-up X-Forwarded-For headers change
nothing and the proxy's own address is never blamed.
"""

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

from tests.helpers.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"
ATTACKER = "203.0.113.9"
OWNER = "198.51.100.7"


def _api_login(email: str, password: str, *, via: str, forged: str = ""):
    forwarded = f"{forged}, {via}" if forged else via
    return APIClient().post(
        "/api/auth/token/",
        {"email": email, "password": password},
        format="json",
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def _page_login(email: str, password: str, *, via: str):
    return Client().post(
        "/accounts/login/", {"login": email, "password": password}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=via
    )


@override_settings(TRUSTED_PROXY_COUNT=1, LOGIN_FAILURE_LIMIT=5)
def test_wrong_passwords_for_made_up_emails_behind_the_proxy_lock_out_nobody_else():
    owner = UserFactory()
    for n in range(8):
        _api_login(f"nobody{n}@example.test", "wrong", via=ATTACKER)
    assert _api_login(owner.email, PASSWORD, via=OWNER).status_code == 200
    assert _page_login(owner.email, PASSWORD, via=OWNER).status_code == 302


@override_settings(TRUSTED_PROXY_COUNT=1, LOGIN_FAILURE_LIMIT=5)
def test_guessing_an_accounts_password_locks_the_guesser_out_but_not_the_owner():
    owner = UserFactory()
    for n in range(5):
        assert _api_login(owner.email, "wrong", via=ATTACKER, forged=f"192.0.2.{n}").json()["code"] == (
            "invalid_credentials"
        )
    # Even the right password is refused at the guesser's address, made-up header or not ...
    locked = _api_login(owner.email, PASSWORD, via=ATTACKER, forged="192.0.2.200")
    assert locked.status_code == 429 and locked.json()["code"] == "locked_out"
    # ... and the owner, from anywhere else, gets in.
    assert _api_login(owner.email, PASSWORD, via=OWNER).status_code == 200


@override_settings(TRUSTED_PROXY_COUNT=1, LOGIN_FAILURE_LIMIT=5)
def test_the_sign_in_page_honours_the_lockout_the_api_set_and_the_other_way_round():
    owner = UserFactory()
    for _ in range(5):
        _api_login(owner.email, "wrong", via=ATTACKER)
    page = _page_login(owner.email, PASSWORD, via=ATTACKER)
    assert page.status_code == 200 and "Too many failed sign-in attempts" in page.content.decode()
    assert _page_login(owner.email, PASSWORD, via=OWNER).status_code == 302

    other = UserFactory()
    for _ in range(5):
        assert _page_login(other.email, "wrong", via=ATTACKER).status_code == 200
    assert _api_login(other.email, PASSWORD, via=ATTACKER).status_code == 429
    assert _api_login(other.email, PASSWORD, via=OWNER).status_code == 200


@override_settings(TRUSTED_PROXY_COUNT=1, LOGIN_FAILURE_LIMIT=5, LOGIN_FAILURE_LIMIT_PER_ADDRESS=12)
def test_an_address_trying_many_accounts_is_slowed_down_on_every_account():
    victim = UserFactory()
    for n in range(12):
        _api_login(f"guess{n}@example.test", "wrong", via=ATTACKER)
    assert _api_login(victim.email, PASSWORD, via=ATTACKER).status_code == 429
    assert _page_login(victim.email, PASSWORD, via=ATTACKER).status_code == 200
    assert _api_login(victim.email, PASSWORD, via=OWNER).status_code == 200


@override_settings(TRUSTED_PROXY_COUNT=1, LOGIN_FAILURE_LIMIT=3)
def test_a_successful_sign_in_clears_that_addresss_failures_for_the_account():
    owner = UserFactory()
    for _ in range(2):
        _api_login(owner.email, "wrong", via=OWNER)
    assert _api_login(owner.email, PASSWORD, via=OWNER).status_code == 200
    for _ in range(2):
        _api_login(owner.email, "wrong", via=OWNER)
    assert _api_login(owner.email, PASSWORD, via=OWNER).status_code == 200
