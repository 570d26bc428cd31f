"""Signing up through the API and through the pages: one service, the same checks, the same audit event."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from rest_framework.test import APIClient

from accounts.models import Role, User
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSPHRASE = "a long enough passphrase"


def _api_sign_up(email: str, **overrides):
    payload = {"email": email, "password": PASSPHRASE, "full_name": "Ada Api", "role": Role.LAB_MEMBER, **overrides}
    return APIClient().post("/api/auth/signup/", payload, format="json")


def _page_sign_up(client, email: str, **overrides):
    form = {
        "email": email,
        "password1": PASSPHRASE,
        "password2": PASSPHRASE,
        "full_name": "Pia Page",
        "role": Role.LAB_MEMBER,
        **overrides,
    }
    return client.post("/accounts/signup/", form)


def _sign_up_event(user: User) -> dict:
    """What the audit trail says about a sign-up, with the parts that name the person made relative."""
    event = AuditEvent.objects.get(action="accounts.user.signed_up", target_id=str(user.pk))
    return {
        "action": event.action,
        "actor_is_the_new_account": event.actor_id == user.pk and event.actor_shown == user.email,
        "target_type": event.target_type,
        "target_repr_is_the_address": event.target_shown == user.email,
        "before": event.before_shown,
        "after_keys": sorted(event.after_shown),
        "after_email_is_the_address": event.after_shown["email"] == user.email,
        "role": event.after_shown["role"],
        "reason": event.reason_shown,
        "ip": event.ip_shown,
    }


def test_api_and_pages_sign_up_record_the_same_event(client):
    assert _api_sign_up("Api.Person@Example.test").status_code == 202
    assert _page_sign_up(client, "Page.Person@Example.test").status_code == 302

    by_api = User.objects.get(email="api.person@example.test")
    by_page = User.objects.get(email="page.person@example.test")
    assert _sign_up_event(by_api) == _sign_up_event(by_page)
    assert _sign_up_event(by_page) == {
        "action": "accounts.user.signed_up",
        "actor_is_the_new_account": True,
        "target_type": "accounts.user",
        "target_repr_is_the_address": True,
        "before": {},
        "after_keys": ["email", "role"],
        "after_email_is_the_address": True,
        "role": "lab_member",
        "reason": "",
        "ip": "127.0.0.1",
    }
    # One event each, and the accounts look alike: the role and name asked for, one
    # unverified primary address.
    assert AuditEvent.objects.filter(action="accounts.user.signed_up").count() == 2
    for user, name in ((by_api, "Ada Api"), (by_page, "Pia Page")):
        assert (user.role, user.full_name) == (Role.LAB_MEMBER, name)
        assert list(EmailAddress.objects.filter(user=user).values_list("email", "primary", "verified")) == [
            (user.email, True, False)
        ]


def test_pages_sign_up_mails_one_confirmation_link_that_verifies_the_address(client):
    response = _page_sign_up(client, "one.mail@example.test", role=Role.EXPERT)
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["one.mail@example.test"]]
    link = mail.outbox[0].body.split("/accounts/confirm-email/", 1)[1].split("/", 1)[0]
    assert client.post(f"/accounts/confirm-email/{link}/").status_code == 302
    assert EmailAddress.objects.get(email="one.mail@example.test").verified


def test_a_password_like_the_address_is_refused_by_the_api_and_the_pages_alike(client):
    email, weak = "rosalind.franklin@example.test", "rosalind.franklin"
    api = _api_sign_up(email, password=weak)
    assert api.status_code == 400 and api.json()["code"] == "weak_password"

    page = _page_sign_up(client, email, password1=weak, password2=weak)
    assert page.status_code == 200
    assert "password1" in page.context["form"].errors
    assert not User.objects.exists()
    assert not AuditEvent.objects.filter(action="accounts.user.signed_up").exists()
