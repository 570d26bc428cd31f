import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.mfa import totp_code_valid
from accounts.models import Role, User
from audit.models import AuditEvent

from tests.helpers.factories import UserFactory, totp_code

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "amber-lantern-quarry-41"
PROJECT_DIR = Path(__file__).resolve().parents[2]


def create_ops(email="sam.okoro@ops.example", role="ops_reviewer", full_name="Sam Okoro") -> str:
    out = io.StringIO()
    call_command("ops_user_create", "--email", email, "--role", role, "--full-name", full_name, stdout=out)
    return out.getvalue()


def nothing_written(users_before: int, events_before: int) -> bool:
    return User.objects.count() == users_before and AuditEvent.objects.count() == events_before


def token_request(client, email, password, otp_code=None):
    payload = {"email": email, "password": password}
    if otp_code is not None:
        payload["otp_code"] = otp_code
    return client.post("/api/auth/token/", payload, content_type="application/json")


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def password_env(monkeypatch):
    monkeypatch.setenv("OPS_USER_PASSWORD", STRONG_PASSWORD)


# --- ops_user_create ---------------------------------------------------------------


def test_ops_user_create_makes_a_verified_ops_account_and_records_it(password_env):
    output = create_ops(email="Sam.Okoro@Ops.example")

    user = User.objects.get(email="sam.okoro@ops.example")
    assert user.role == Role.OPS_REVIEWER
    assert user.full_name == "Sam Okoro"
    assert user.check_password(STRONG_PASSWORD)
    assert EmailAddress.objects.filter(user=user, email=user.email, verified=True, primary=True).exists()
    assert not user.has_mfa
    event = AuditEvent.objects.get(action="accounts.ops_user.created")
    assert event.actor is None
    assert event.actor_label == "system"
    assert event.target_id == str(user.pk)
    assert event.after["role"] == Role.OPS_REVIEWER
    assert "/accounts/2fa/totp/activate/" in output


def test_created_ops_user_gets_an_api_token_only_with_a_valid_totp_code(password_env, client):
    create_ops(role="ops_finance")
    user = User.objects.get(email="sam.okoro@ops.example")

    no_mfa = token_request(client, user.email, STRONG_PASSWORD)
    assert no_mfa.status_code == 400
    assert no_mfa.json()["code"] == "mfa_setup_required"

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    assert token_request(client, user.email, STRONG_PASSWORD).json()["code"] == "invalid_credentials"
    wrong = str((int(totp_code(secret)) + 1) % 1_000_000).zfill(6)
    assert token_request(client, user.email, STRONG_PASSWORD, wrong).json()["code"] == "invalid_credentials"
    assert token_request(client, user.email, "not-the-password", totp_code(secret)).status_code == 400

    granted = token_request(client, user.email, STRONG_PASSWORD, totp_code(secret))
    assert granted.status_code == 200, granted.json()
    assert granted.json()["role"] == Role.OPS_FINANCE


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password123", "too common"),
        ("48203917562", "entirely numeric"),
        ("k3y-sh0rt", "too short"),
        ("sam.okoro.ops", "too similar"),
    ],
)
def test_ops_user_create_refuses_a_weak_password(monkeypatch, password, reason):
    monkeypatch.setenv("OPS_USER_PASSWORD", password)
    users, events = User.objects.count(), AuditEvent.objects.count()

    with pytest.raises(CommandError, match=reason):
        create_ops()

    assert nothing_written(users, events)


def test_ops_user_create_refuses_an_existing_email(password_env):
    UserFactory(email="sam.okoro@ops.example")
    users, events = User.objects.count(), AuditEvent.objects.count()

    with pytest.raises(CommandError, match="already exists"):
        create_ops(email="SAM.OKORO@ops.example")

    assert nothing_written(users, events)
    assert User.objects.get(email="sam.okoro@ops.example").role == Role.EXPERT


@pytest.mark.parametrize("role", ["expert", "lab_member", "admin", ""])
def test_ops_user_create_refuses_a_role_that_is_not_operations(password_env, role):
    users, events = User.objects.count(), AuditEvent.objects.count()

    with pytest.raises(CommandError, match="not an operations role"):
        create_ops(role=role)

    assert nothing_written(users, events)


def test_ops_user_create_refuses_without_a_password(monkeypatch):
    monkeypatch.delenv("OPS_USER_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    users, events = User.objects.count(), AuditEvent.objects.count()

    with pytest.raises(CommandError, match="OPS_USER_PASSWORD"):
        create_ops()

    assert nothing_written(users, events)


def test_ops_user_create_asks_twice_in_a_terminal(monkeypatch):
    monkeypatch.delenv("OPS_USER_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", FakeTerminal())
    answers = iter([STRONG_PASSWORD, STRONG_PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))

    create_ops()

    assert User.objects.get(email="sam.okoro@ops.example").check_password(STRONG_PASSWORD)


def test_ops_user_create_refuses_when_the_two_passwords_differ(monkeypatch):
    monkeypatch.delenv("OPS_USER_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", FakeTerminal())
    answers = iter([STRONG_PASSWORD, STRONG_PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    users, events = User.objects.count(), AuditEvent.objects.count()

    with pytest.raises(CommandError, match="differ"):
        create_ops()

    assert nothing_written(users, events)


def test_ops_user_create_exits_non_zero_with_a_one_line_reason():
    # The role is checked before the database is touched, so a separate process against
    # the same settings shows what a person at the terminal sees.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "OPS_USER_PASSWORD": STRONG_PASSWORD}
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "ops_user_create",
            "--email",
            "a@ops.example",
            "--role",
            "admin",
            "--full-name",
            "A Person",
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "CommandError: 'admin' is not an operations role; use one of: ops_finance, ops_reviewer."
    ]


# --- demo_totp_code ----------------------------------------------------------------


def test_demo_totp_code_prints_a_code_that_signs_the_user_in(settings):
    settings.DEBUG = True
    user = UserFactory(role=Role.OPS_REVIEWER)
    TOTP.activate(user, generate_totp_secret())
    if time.time() % 30 > 27:
        # Too close to the end of the period for the code to still be valid when checked.
        time.sleep(30 - time.time() % 30 + 0.1)

    out = io.StringIO()
    call_command("demo_totp_code", user.email, stdout=out, stderr=io.StringIO())
    code = out.getvalue().strip()

    assert len(code) == 6
    assert code.isdigit()
    assert totp_code_valid(user, code)


def test_demo_totp_code_refuses_unless_debug(settings):
    settings.DEBUG = False
    user = UserFactory(role=Role.OPS_REVIEWER)
    TOTP.activate(user, generate_totp_secret())
    out = io.StringIO()

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_totp_code", user.email, stdout=out)

    assert out.getvalue() == ""


def test_demo_totp_code_refuses_unknown_users_and_users_without_totp(settings):
    settings.DEBUG = True
    user = UserFactory(role=Role.OPS_REVIEWER)

    with pytest.raises(CommandError, match="not set up TOTP"):
        call_command("demo_totp_code", user.email, stdout=io.StringIO())
    with pytest.raises(CommandError, match="No account"):
        call_command("demo_totp_code", "nobody@ops.example", stdout=io.StringIO())
