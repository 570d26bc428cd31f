"""Test settings: real PostgreSQL and Redis, fast hashing, captured mail."""

import os
import tempfile
from pathlib import Path

from config import embedded

# A Redis apart from the one `make run` uses (embedded.redis_url_for_tests says why),
# decided before the base settings read REDIS_URL, so that they never start or reach
# that one. TEST_REDIS_URL keeps the choice for the processes a test starts (Celery
# workers, manage.py), which load these settings again with this environment.
os.environ["TEST_REDIS_URL"] = os.environ.get("TEST_REDIS_URL") or embedded.redis_url_for_tests(
    os.environ.get("REDIS_URL", "")
)
os.environ["REDIS_URL"] = os.environ["TEST_REDIS_URL"]

from .base import *  # noqa: F403
from .base import DATABASES, REPLICA_DATABASE, REST_FRAMEWORK, STORAGES

# A process a test starts (a Celery worker, manage.py) runs at the test's moment, not at
# the real one: tests/helpers/clock.py puts how far that moment is from the real clock here.
if _clock_offset := os.environ.get("TEST_CLOCK_OFFSET_SECONDS"):
    import time

    import time_machine

    time_machine.travel(time.time() + float(_clock_offset), tick=True).start()

DEBUG = False
# The tests run on a Wednesday afternoon in UTC (tests/helpers/clock.py). With three days
# of grace the week before is still open then, so a test logs and reviews its work as
# experts and labs do in the grace period, then travels past the close to run its pay
# (tests/helpers/payruns.py). Tests of the close itself set the grace they need.
PAY_WEEK_GRACE_HOURS = 72
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
CACHES["default"]["KEY_PREFIX"] = "marketplace-test"  # noqa: F405

_tmp = Path(tempfile.mkdtemp(prefix="marketplace-test-"))
PRIVATE_MEDIA_ROOT = _tmp / "private"
STORAGES = {
    **STORAGES,
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(_tmp / "media")}},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    },
}
# Throttles would make unrelated tests depend on each other's request counts; the
# login throttle and lockout are tested on their own with these turned back on.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_THROTTLE_RATES": {**REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login": "10000/min"},
}
# Notification emails go through Celery after commit; tests that read the mail run the
# tasks in-process, and the worker test runs them on a real worker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

# A replica alias on the test database itself, so the reports' routing can be checked
# (tests/config/test_reporting_replica.py). Like a real replica it is another connection and
# sees only committed rows, which a test inside a rolled-back transaction never has:
# reports read the default connection unless a test turns the replica on.
DATABASES[REPLICA_DATABASE] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
REPORTS_DATABASE = "default"

# Year-end reporting: a payer to print, and the OECD DPI schema beside the repository.
REPORTING_PAYER_NAME = "Expert Marketplace Inc."
REPORTING_PAYER_ADDRESS = "100 Market Street"
REPORTING_PAYER_CITY = "San Francisco"
REPORTING_PAYER_REGION = "CA"
REPORTING_PAYER_POSTAL_CODE = "94105"
REPORTING_PAYER_TIN = "12-3456789"
REPORTING_PAYER_PHONE = "4155550100"
REPORTING_IRIS_TCC = "DG5BW"
REPORTING_DPI_OPERATOR_TIN = "IE1234567T"
# The schema is not shipped with the product: it sits in the shared reference folder beside
# the project's checkout. A clone made elsewhere (for a clean run) finds it beside the
# checkout it was cloned from; DPI_SCHEMA_DIR in the environment overrides both.
def _dpi_schema_dir() -> str:
    import subprocess

    root = Path(__file__).resolve().parents[2]
    candidates = [root.parent / "shared" / "schemas" / "oecd-dpi"]
    origin = subprocess.run(
        ["git", "-C", str(root), "config", "--get", "remote.origin.url"], capture_output=True, text=True
    ).stdout.strip()
    if origin and Path(origin).is_dir():
        candidates.append(Path(origin).resolve().parent / "shared" / "schemas" / "oecd-dpi")
    for candidate in candidates:
        if (candidate / "DPIXML_v1.0.xsd").is_file():
            return str(candidate)
    return str(candidates[0])


DPI_SCHEMA_DIR = os.environ.get("DPI_SCHEMA_DIR") or _dpi_schema_dir()
