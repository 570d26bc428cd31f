"""The web server's and the workers' entry points start with the production settings unless
told otherwise, so an error never shows Django's technical page with the site's secrets."""

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]

SECRET_KEY = "a1Vb2Wc3Xd4Ye5Zf6Ag7Bh8Ci9Dj0Ek1Fl2Gm3Hn4Io5Jp6Kq7Lr8Ms9Nt0Ou1Pv2Qw3Rx"


def _production_environment() -> dict[str, str]:
    # What a deployment sets, with nothing saying which settings to use, and DEBUG asked
    # for by mistake: the real database and Redis of this test run, so the request runs.
    environment = {key: value for key, value in os.environ.items() if key not in ("DJANGO_SETTINGS_MODULE",)}
    environment.update(
        {
            "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "marketplace.example",
            "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
            "REDIS_URL": os.environ["TEST_REDIS_URL"],
            "STRIPE_SECRET_KEY": "rk_live_not_a_real_key",
            "STRIPE_WEBHOOK_SECRET": "whsec_not_a_real_secret",
            "STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_not_a_real_connect_secret",
            "IDENTITY_FINGERPRINT_KEY": "not-a-real-identity-fingerprint-key",
            "TAX_DATA_KEYS": "5rMPfHQUjO1Yl7OJdP9x2vd4UznZ1pb7bebNbiDPOew=",
            "TAX_FINGERPRINT_KEY": "not-a-real-fingerprint-key-0123456789abcdef",
            "DEBUG": "true",
        }
    )
    return environment


def _run(script: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_DIR,
        env=_production_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


DEEP_JSON_UNDER_WSGI = """
import json, os, logging
logging.disable(logging.CRITICAL)
from config.wsgi import application
from django.conf import settings
from django.test import Client

client = Client(raise_request_exception=False)
deep = "[" * 100_000 + "]" * 100_000
answers = []
for path in ("/api/auth/token/", "/api/auth/signup/", "/accounts/login/"):
    response = client.post(path, deep, content_type="application/json", secure=True, HTTP_HOST="marketplace.example")
    answers.append({"path": path, "status": response.status_code, "body": response.content.decode(errors="replace")})
print(json.dumps({"module": os.environ["DJANGO_SETTINGS_MODULE"], "debug": settings.DEBUG, "answers": answers}))
"""


def test_the_web_entry_point_runs_production_settings_and_never_shows_the_technical_error_page():
    outcome = _run(DEEP_JSON_UNDER_WSGI)
    assert outcome["module"] == "config.settings.production"
    assert outcome["debug"] is False
    secrets = [os.environ["TEST_REDIS_URL"], os.environ.get("DATABASE_URL", "postgres://"), SECRET_KEY]
    for answer in outcome["answers"]:
        assert answer["status"] < 500 or "Traceback" not in answer["body"], answer["path"]
        for marker in ("Traceback", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "technical_500", *secrets):
            assert marker not in answer["body"], (answer["path"], marker)


WORKER_SETTINGS = """
import json, os
from config.celery import app
from django.conf import settings
print(json.dumps({"module": os.environ["DJANGO_SETTINGS_MODULE"], "debug": settings.DEBUG}))
"""


def test_the_worker_entry_point_runs_production_settings():
    assert _run(WORKER_SETTINGS) == {"module": "config.settings.production", "debug": False}


def test_manage_py_keeps_development_settings_for_a_checkout():
    result = subprocess.run(
        [sys.executable, "-c", "import manage, os; print(os.environ.get('DJANGO_SETTINGS_MODULE'))"],
        cwd=PROJECT_DIR,
        env={key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    # manage.py sets it only when it runs; reading the module alone leaves it unset.
    assert result.stdout.strip() == "None"
    assert 'setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")' in (PROJECT_DIR / "manage.py").read_text()


def test_seed_demo_refuses_under_production_settings_with_a_one_line_reason():
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=PROJECT_DIR,
        env={**_production_environment(), "DJANGO_SETTINGS_MODULE": "config.settings.production"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "seed_demo" in result.stderr
