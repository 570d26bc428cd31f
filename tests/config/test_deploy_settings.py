"""Production settings pass Django's deployment checks with nothing but the required environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]

# Dummy values: the checks read settings and never connect to anything.
PRODUCTION_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "a1Vb2Wc3Xd4Ye5Zf6Ag7Bh8Ci9Dj0Ek1Fl2Gm3Hn4Io5Jp6Kq7Lr8Ms9Nt0Ou1Pv2Qw3Rx",
    "ALLOWED_HOSTS": "marketplace.example",
    "CSRF_TRUSTED_ORIGINS": "https://marketplace.example",
    "DATABASE_URL": "postgres://marketplace_app:not-a-real-password@db.internal.example:5432/marketplace",
    "REDIS_URL": "redis://redis.internal.example:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:not-a-real-password@smtp.example:587",
    "STRIPE_SECRET_KEY": "rk_live_not_a_real_key",
    "STRIPE_WEBHOOK_SECRET": "whsec_not_a_real_secret",
    "STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_not_a_real_connect_secret",
    "IDENTITY_FINGERPRINT_KEY": "not-a-real-identity-fingerprint-key",
    "TAX_DATA_KEYS": "5rMPfHQUjO1Yl7OJdP9x2vd4UznZ1pb7bebNbiDPOew=",
    "TAX_FINGERPRINT_KEY": "not-a-real-fingerprint-key-0123456789abcdef",
}


REPLICA_URL = "postgres://marketplace_reports:not-a-real-password@replica.internal.example:5432/marketplace"


@pytest.mark.parametrize("replica", [{}, {"DATABASE_REPLICA_URL": REPLICA_URL}], ids=["primary only", "with a replica"])
def test_production_settings_pass_the_deployment_checks_without_a_warning(replica):
    # The test process's own switches (the browser tests allow async-unsafe ORM calls) are
    # not part of a deployment.
    left_out = ("DEBUG", "PG_BIN_DIR", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_REPLICA_URL")
    environment = {key: value for key, value in os.environ.items() if key not in left_out}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_DIR,
        env={**environment, **PRODUCTION_ENVIRONMENT, **replica},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr == ""


PRINT_SETTINGS = """
import json
import django
from django.conf import settings
django.setup()
print(json.dumps({
    "csp_middleware": "django.middleware.csp.ContentSecurityPolicyMiddleware" in settings.MIDDLEWARE,
    "script_src": settings.SECURE_CSP["script-src"],
    "style_src": settings.SECURE_CSP["style-src"],
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "redirect_exempt": settings.SECURE_REDIRECT_EXEMPT,
    "proxy_ssl_header": settings.SECURE_PROXY_SSL_HEADER,
    "hsts_seconds": settings.SECURE_HSTS_SECONDS,
    "secure_cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
    "connect_timeout": settings.DATABASES["default"]["OPTIONS"]["connect_timeout"],
}))
"""


def test_production_enforces_https_and_a_content_security_policy_without_unsafe_inline():
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=PROJECT_DIR,
        env={**os.environ, **PRODUCTION_ENVIRONMENT},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    production = json.loads(result.stdout)
    assert production == {
        "csp_middleware": True,
        "script_src": ["'self'", "<CSP_NONCE_SENTINEL>"],
        "style_src": ["'self'", "<CSP_NONCE_SENTINEL>"],
        "ssl_redirect": True,
        "redirect_exempt": ["^healthz(/|$)"],
        "proxy_ssl_header": ["HTTP_X_FORWARDED_PROTO", "https"],
        "hsts_seconds": 31536000,
        "secure_cookies": [True, True],
        "connect_timeout": 5,
    }


PRINT_DATABASES = """
import json
import django
from django.conf import settings
django.setup()
print(json.dumps({
    "reports": settings.REPORTS_DATABASE,
    "databases": {
        alias: {key: database.get(key) for key in ("HOST", "USER", "NAME", "CONN_MAX_AGE", "OPTIONS", "TEST")}
        for alias, database in settings.DATABASES.items()
    },
}))
"""


def _production_databases(**extra: str) -> dict:
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_REPLICA_URL"}
    result = subprocess.run(
        [sys.executable, "-c", PRINT_DATABASES],
        cwd=PROJECT_DIR,
        env={**environment, **PRODUCTION_ENVIRONMENT, **extra},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)


def test_without_a_replica_reports_read_the_primary():
    production = _production_databases()
    assert production["reports"] == "default"
    assert list(production["databases"]) == ["default"]


def test_a_replica_url_adds_the_replica_reports_read_with_the_primarys_connection_settings():
    production = _production_databases(DATABASE_REPLICA_URL=REPLICA_URL)
    assert production["reports"] == "replica"
    primary, replica = production["databases"]["default"], production["databases"]["replica"]
    assert (replica["HOST"], replica["USER"], replica["NAME"]) == (
        "replica.internal.example",
        "marketplace_reports",
        "marketplace",
    )
    assert replica["CONN_MAX_AGE"] == primary["CONN_MAX_AGE"] == 60
    assert replica["OPTIONS"]["connect_timeout"] == primary["OPTIONS"]["connect_timeout"] == 5
    # Tests run against these settings never create a database on the replica.
    assert replica["TEST"]["MIRROR"] == "default"


@pytest.mark.parametrize("missing", ["TAX_DATA_KEYS", "TAX_FINGERPRINT_KEY"])
def test_production_settings_refuse_to_start_without_the_keys_of_tax_identifiers(missing):
    environment = {
        key: value for key, value in os.environ.items() if key not in ("TAX_DATA_KEYS", "TAX_FINGERPRINT_KEY")
    }
    environment.update({key: value for key, value in PRODUCTION_ENVIRONMENT.items() if key != missing})
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert missing in result.stderr
